"""initial schema

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("booking_waitlist_seq")))
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("synthetic", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("role IN ('AUDIENCE', 'ORGANIZER', 'ADMIN')", name="ck_users_role"),
        sa.CheckConstraint("length(email) BETWEEN 3 AND 254", name="ck_users_email_length"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("uq_users_email_lower", "users", [sa.literal_column("lower(email)")], unique=True)
    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("organizer_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("venue", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("seats_remaining", sa.Integer(), nullable=False),
        sa.Column("waitlist_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("status IN ('DRAFT', 'PUBLISHED', 'CANCELLED')", name="ck_events_status"),
        sa.CheckConstraint("capacity >= 1", name="ck_events_capacity_positive"),
        sa.CheckConstraint("length(title) BETWEEN 1 AND 200", name="ck_events_title_length"),
        sa.CheckConstraint("length(venue) BETWEEN 1 AND 200", name="ck_events_venue_length"),
        sa.CheckConstraint("seats_remaining <= capacity", name="ck_events_seats_within_capacity"),
        sa.CheckConstraint("seats_remaining >= 0", name="ck_events_seats_nonnegative"),
        sa.CheckConstraint("waitlist_count >= 0", name="ck_events_waitlist_nonnegative"),
        sa.ForeignKeyConstraint(["organizer_id"], ["users.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_events_organizer", "events", ["organizer_id"], unique=False)
    op.create_index("ix_events_status_starts_at", "events", ["status", "starts_at", "id"], unique=False)
    op.create_table(
        "bookings",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("waitlist_seq", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("(status = 'CANCELLED') = (cancelled_at IS NOT NULL)", name="ck_bookings_cancelled_at"),
        sa.CheckConstraint("(status = 'WAITLISTED') = (waitlist_seq IS NOT NULL)", name="ck_bookings_waitlist_seq"),
        sa.CheckConstraint("status <> 'CONFIRMED' OR confirmed_at IS NOT NULL", name="ck_bookings_confirmed_at"),
        sa.CheckConstraint("status IN ('CONFIRMED', 'WAITLISTED', 'CANCELLED')", name="ck_bookings_status"),
        sa.CheckConstraint("quantity BETWEEN 1 AND 10", name="ck_bookings_quantity"),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_bookings_event_status", "bookings", ["event_id", "status"], unique=False)
    op.create_index("ix_bookings_user", "bookings", ["user_id", "created_at"], unique=False)
    op.create_index(
        "ix_bookings_waitlist",
        "bookings",
        ["event_id", "waitlist_seq"],
        unique=False,
        postgresql_where=sa.text("status = 'WAITLISTED'"),
        postgresql_include=["quantity"],
    )
    op.create_index(
        "uq_bookings_active_user_event",
        "bookings",
        ["user_id", "event_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('CONFIRMED', 'WAITLISTED')"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_bookings_active_user_event",
        table_name="bookings",
        postgresql_where=sa.text("status IN ('CONFIRMED', 'WAITLISTED')"),
    )
    op.drop_index(
        "ix_bookings_waitlist",
        table_name="bookings",
        postgresql_where=sa.text("status = 'WAITLISTED'"),
        postgresql_include=["quantity"],
    )
    op.drop_index("ix_bookings_user", table_name="bookings")
    op.drop_index("ix_bookings_event_status", table_name="bookings")
    op.drop_table("bookings")
    op.drop_index("ix_events_status_starts_at", table_name="events")
    op.drop_index("ix_events_organizer", table_name="events")
    op.drop_table("events")
    op.drop_index("uq_users_email_lower", table_name="users")
    op.drop_table("users")
    op.execute(sa.schema.DropSequence(sa.Sequence("booking_waitlist_seq")))
