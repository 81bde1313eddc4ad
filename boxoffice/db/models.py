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
    # Seats held for the booking until offer_expires_at (an event under the OFFER policy).
    OFFERED = "OFFERED"
    # An offer nobody accepted in time: ended, like CANCELLED.
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"


class CancelReason(enum.StrEnum):
    """Who ended a cancelled booking."""

    BOOKER = "BOOKER"
    ADMIN = "ADMIN"
    EVENT_CANCELLED = "EVENT_CANCELLED"


class WaitlistPolicy(enum.StrEnum):
    """What promotion from an event's line does: confirm at once, or offer the seats until a deadline."""

    AUTO_CONFIRM = "AUTO_CONFIRM"
    OFFER = "OFFER"


class ChangeReason(enum.StrEnum):
    """Why a booking's history row was written (booking_history.reason)."""

    BOOKED = "BOOKED"
    WAITLISTED = "WAITLISTED"
    PROMOTED = "PROMOTED"
    OFFERED = "OFFERED"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"
    EVENT_CANCELLED = "EVENT_CANCELLED"
    CAPACITY_CHANGED = "CAPACITY_CHANGED"
    PURGED = "PURGED"


ACTIVE_BOOKING_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.WAITLISTED, BookingStatus.OFFERED)
MIN_OFFER_MINUTES = 1
MAX_OFFER_MINUTES = 10_080  # a week
DEFAULT_OFFER_MINUTES = 60
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
        CheckConstraint("waitlist_count >= 0", name="ck_events_waitlist_nonnegative"),
        # Seats held by open offers count against the capacity like confirmed ones.
        CheckConstraint("offered_seats >= 0", name="ck_events_offered_nonnegative"),
        CheckConstraint("seats_remaining + offered_seats <= capacity", name="ck_events_seats_within_capacity"),
        CheckConstraint("(offered_seats = 0) = (offers_due_at IS NULL)", name="ck_events_offers_due_at"),
        CheckConstraint(sql_in("waitlist_policy", WaitlistPolicy), name="ck_events_waitlist_policy"),
        CheckConstraint(
            f"offer_minutes BETWEEN {MIN_OFFER_MINUTES} AND {MAX_OFFER_MINUTES}", name="ck_events_offer_minutes"
        ),
        CheckConstraint(sql_in("status", EventStatus), name="ck_events_status"),
        CheckConstraint("length(title) BETWEEN 1 AND 200", name="ck_events_title_length"),
        CheckConstraint("length(venue) BETWEEN 1 AND 200", name="ck_events_venue_length"),
        Index("ix_events_status_starts_at", "status", "starts_at", "id"),
        Index("ix_events_organizer", "organizer_id"),
        # The sweeper's claim: events whose earliest open offer is due.
        Index("ix_events_offers_due_at", "offers_due_at", postgresql_where=text("offers_due_at IS NOT NULL")),
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
    waitlist_policy: Mapped[WaitlistPolicy] = mapped_column(
        _stored_as_text(WaitlistPolicy),
        default=WaitlistPolicy.AUTO_CONFIRM,
        server_default=text(f"'{WaitlistPolicy.AUTO_CONFIRM}'"),
    )
    offer_minutes: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_OFFER_MINUTES, server_default=text(str(DEFAULT_OFFER_MINUTES))
    )
    # Seats held by open offers, and the earliest open offer's deadline (NULL when none): the lock's read sees
    # a due offer with no extra query, and the sweeper finds due events by index.
    offered_seats: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    offers_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
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
        CheckConstraint(
            f"(status = '{BookingStatus.OFFERED}') = (offer_expires_at IS NOT NULL)",
            name="ck_bookings_offer_expires_at",
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
        # An event's open offers by deadline: expiry and the earliest deadline read this index only.
        Index(
            "ix_bookings_offers",
            "event_id",
            "offer_expires_at",
            postgresql_where=text(f"status = '{BookingStatus.OFFERED}'"),
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
    # Set exactly while OFFERED: the offer's deadline, on the database's clock.
    offer_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class BookingChange(Base):
    """One row of a booking's history: append-only (a trigger refuses UPDATE), written in the transaction of the
    change it records, the first in the very statement that creates the booking."""

    __tablename__ = "booking_history"
    __table_args__ = (
        CheckConstraint(sql_in("status", BookingStatus), name="ck_booking_history_status"),
        CheckConstraint(sql_in("reason", ChangeReason), name="ck_booking_history_reason"),
        CheckConstraint("waitlist_position IS NULL OR waitlist_position >= 1", name="ck_booking_history_position"),
        Index("ix_booking_history_booking", "booking_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
    status: Mapped[BookingStatus] = mapped_column(_stored_as_text(BookingStatus))
    reason: Mapped[ChangeReason] = mapped_column(_stored_as_text(ChangeReason))
    # The place in line where it applies: the place joined (WAITLISTED), or held just before leaving the line.
    waitlist_position: Mapped[int | None] = mapped_column(Integer, nullable=True)


class IdempotencyKey(Base):
    """A client's key for one bookEvent or cancelBooking, stored with the change it made: a retry with the same key
    answers that booking instead of acting again. Pruned after a day by the sweeper."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        CheckConstraint("length(key) BETWEEN 1 AND 128", name="ck_idempotency_keys_key"),
        Index("ix_idempotency_keys_created_at", "created_at"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    operation: Mapped[str] = mapped_column(String(32))
    arguments: Mapped[str] = mapped_column(Text)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
