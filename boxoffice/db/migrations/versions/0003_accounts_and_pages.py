"""accounts and pages: token versions, deactivation, why a booking was cancelled, bookings paged by id

- users.token_version: bumped when the password changes; a token carries the version it was issued at and
  is refused once the user's version has moved on, so a password change signs out every other session.
- users.deactivated_at: set by an admin; a deactivated user cannot sign in and their tokens are refused.
- bookings.cancel_reason: who ended a cancelled booking (the booker, an admin, the event's cancellation),
  so the booker can be told why. NULL on bookings cancelled before this migration.
- ix_bookings_event_id: an event's bookings in id order, for the organizer's paged list.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("token_version", sa.Integer(), server_default=sa.text("0"), nullable=False))
    op.add_column("users", sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("bookings", sa.Column("cancel_reason", sa.String(length=16), nullable=True))
    op.create_check_constraint(
        "ck_bookings_cancel_reason",
        "bookings",
        "cancel_reason IS NULL OR (status = 'CANCELLED' AND cancel_reason IN ('BOOKER', 'ADMIN', 'EVENT_CANCELLED'))",
    )
    op.create_index("ix_bookings_event_id", "bookings", ["event_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_bookings_event_id", table_name="bookings")
    op.drop_constraint("ck_bookings_cancel_reason", "bookings", type_="check")
    op.drop_column("bookings", "cancel_reason")
    op.drop_column("users", "deactivated_at")
    op.drop_column("users", "token_version")
