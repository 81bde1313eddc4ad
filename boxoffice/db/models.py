"""The tables. Constraints here keep the invariants true even if application code is wrong."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Sequence,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Role(enum.StrEnum):
    AUDIENCE = "AUDIENCE"
    ORGANIZER = "ORGANIZER"
    ADMIN = "ADMIN"


class EventStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    CANCELLED = "CANCELLED"


class BookingStatus(enum.StrEnum):
    CONFIRMED = "CONFIRMED"
    WAITLISTED = "WAITLISTED"
    CANCELLED = "CANCELLED"


class CancelReason(enum.StrEnum):
    """Who ended a cancelled booking."""

    BOOKER = "BOOKER"
    ADMIN = "ADMIN"
    EVENT_CANCELLED = "EVENT_CANCELLED"


ACTIVE_BOOKING_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.WAITLISTED)
MAX_SEATS_PER_BOOKING = 10


def sql_in(column: str, values: Iterable[enum.StrEnum]) -> str:
    """`column IN ('A', 'B')` for enum members: SQL conditions are built from the enums, never spelled out."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


def _stored_as_text(enum_class: type[enum.StrEnum]) -> Enum:
    """A non-native enum column: VARCHAR(16) holding the member's value, as the migrations created it.

    The CHECK constraint that limits its values is the named one in each table's arguments (ck_*_status,
    ck_users_role), which migration 0001 created; SQLAlchemy does not add a second one.
    """
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        length=16,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


class Base(DeclarativeBase):
    pass


# One global sequence orders every waitlist: a booking's place in line is derived from it, never stored.
waitlist_sequence = Sequence("booking_waitlist_seq", metadata=Base.metadata)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        Index("uq_users_email_lower", func.lower(text("email")), unique=True),
        CheckConstraint(sql_in("role", Role), name="ck_users_role"),
        CheckConstraint("length(email) BETWEEN 3 AND 254", name="ck_users_email_length"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_stored_as_text(Role), default=Role.AUDIENCE)
    password_hash: Mapped[str] = mapped_column(String(255))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # Bumped by a password change: tokens issued at an older version are refused.
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # Set while an admin has deactivated the account: no sign-in, no tokens.
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("capacity >= 1", name="ck_events_capacity_positive"),
        CheckConstraint("seats_remaining >= 0", name="ck_events_seats_nonnegative"),
        CheckConstraint("seats_remaining <= capacity", name="ck_events_seats_within_capacity"),
        CheckConstraint("waitlist_count >= 0", name="ck_events_waitlist_nonnegative"),
        CheckConstraint(sql_in("status", EventStatus), name="ck_events_status"),
        CheckConstraint("length(title) BETWEEN 1 AND 200", name="ck_events_title_length"),
        CheckConstraint("length(venue) BETWEEN 1 AND 200", name="ck_events_venue_length"),
        Index("ix_events_status_starts_at", "status", "starts_at", "id"),
        Index("ix_events_organizer", "organizer_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    organizer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    venue: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    capacity: Mapped[int] = mapped_column(Integer)
    status: Mapped[EventStatus] = mapped_column(_stored_as_text(EventStatus), default=EventStatus.DRAFT)
    # The seat counter and the line length, kept in step with bookings under the event's row lock.
    seats_remaining: Mapped[int] = mapped_column(Integer)
    waitlist_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint(f"quantity BETWEEN 1 AND {MAX_SEATS_PER_BOOKING}", name="ck_bookings_quantity"),
        CheckConstraint(sql_in("status", BookingStatus), name="ck_bookings_status"),
        CheckConstraint(
            f"(status = '{BookingStatus.WAITLISTED}') = (waitlist_seq IS NOT NULL)", name="ck_bookings_waitlist_seq"
        ),
        CheckConstraint(
            f"status <> '{BookingStatus.CONFIRMED}' OR confirmed_at IS NOT NULL", name="ck_bookings_confirmed_at"
        ),
        CheckConstraint(
            f"(status = '{BookingStatus.CANCELLED}') = (cancelled_at IS NOT NULL)", name="ck_bookings_cancelled_at"
        ),
        # One active booking per user and event.
        Index(
            "uq_bookings_active_user_event",
            "user_id",
            "event_id",
            unique=True,
            postgresql_where=text(sql_in("status", ACTIVE_BOOKING_STATUSES)),
        ),
        # The line of an event, in order: positions and promotion read this index only.
        Index(
            "ix_bookings_waitlist",
            "event_id",
            "waitlist_seq",
            postgresql_where=text(f"status = '{BookingStatus.WAITLISTED}'"),
            postgresql_include=["quantity"],
        ),
        CheckConstraint(
            f"cancel_reason IS NULL OR (status = '{BookingStatus.CANCELLED}' "
            f"AND {sql_in('cancel_reason', CancelReason)})",
            name="ck_bookings_cancel_reason",
        ),
        Index("ix_bookings_event_status", "event_id", "status"),
        Index("ix_bookings_event_id", "event_id", "id"),
        Index("ix_bookings_user", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[BookingStatus] = mapped_column(_stored_as_text(BookingStatus))
    waitlist_seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    cancel_reason: Mapped[CancelReason | None] = mapped_column(_stored_as_text(CancelReason), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
