"""auth throttle: failed sign-ins and sign-ups counted in PostgreSQL

One row per throttled key (an email, a client address, an (email, client) pair, a client's sign-ups), shared by
every worker and host on this database. UNLOGGED: counters need no crash safety (a crash forgets them, which only
lifts limits early) and skip the WAL, so counting costs little.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE UNLOGGED TABLE auth_throttle (
            key text PRIMARY KEY,
            hits integer NOT NULL,
            window_started timestamptz NOT NULL,
            -- While slowed (over the per-email threshold): no attempt before this instant.
            next_allowed timestamptz
        )
        """
    )
    op.execute("CREATE INDEX ix_auth_throttle_window_started ON auth_throttle (window_started)")


def downgrade() -> None:
    op.execute("DROP TABLE auth_throttle")
