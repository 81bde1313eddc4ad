"""The seat ledger: the one module that changes an event's counters or a booking's status.

An event's `seats_remaining` and `waitlist_count` are kept in step with its bookings, and both only ever
change while the transaction holds the event's row lock (`lock_event`). Every statement that writes a counter
or a booking's status is here, built from the enums, so a rule about seats has exactly one place to change:
booking, cancelling, promoting, resizing, cancelling an event, and purging synthetic bookings. Callers (the
booking service, the events service, the synthetic-user purge, the seed) decide who may act; the ledger
decides what happens to the seats.

A new event's counters come from `new_event`. Counters are changed relatively where a booking takes or frees
seats, so even a missing lock would hit a check constraint rather than oversell silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from boxoffice.db.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    CancelReason,
    Event,
    EventStatus,
    sql_in,
)
from boxoffice.errors import BadUserInput, NotFound

CONFIRMED, WAITLISTED, CANCELLED = BookingStatus.CONFIRMED, BookingStatus.WAITLISTED, BookingStatus.CANCELLED
_ACTIVE = sql_in("status", ACTIVE_BOOKING_STATUSES)
# The stored value -> the enum member: a dict lookup, cheaper under the lock than calling the enum.
_EVENT_STATUSES: dict[str, EventStatus] = {status.value: status for status in EventStatus}


@dataclass(frozen=True, slots=True)
class LockedEvent:
    """The event's counters as read under its row lock."""

    id: int
    organizer_id: int
    status: EventStatus
    starts_at: datetime
    capacity: int
    seats_remaining: int
    waitlist_count: int


@dataclass(frozen=True, slots=True)
class LockedBooking:
    """A booking as re-read under its event's lock."""

    id: int
    user_id: int
    quantity: int
    status: BookingStatus


@dataclass(frozen=True, slots=True)
class Promotion:
    booking_ids: list[int]
    seats: int


BOOKING_COLUMNS = (
    "id, event_id, user_id, quantity, status, waitlist_seq, created_at, confirmed_at, cancelled_at, cancel_reason, "
    "updated_at"
)

LOCK_EVENT_SQL = (
    "SELECT id, organizer_id, status, starts_at, capacity, seats_remaining, waitlist_count "
    "FROM events WHERE id = $1 FOR UPDATE"
)

# The booking and both counters in one statement: one round trip under the lock. created_at is the
# moment of the decision (clock_timestamp, not the transaction's start), so it follows the line's order.
_WRITE_BOOKING_SQL = f"""
    WITH counters AS (
        UPDATE events
           SET seats_remaining = seats_remaining - $5::int,
               waitlist_count = waitlist_count + $6::int,
               updated_at = now()
         WHERE id = $1
    )
    INSERT INTO bookings (event_id, user_id, quantity, status, waitlist_seq, created_at, confirmed_at)
    VALUES ($1, $2, $3, $4,
            CASE WHEN $6::int = 1 THEN nextval('booking_waitlist_seq') END,
            clock_timestamp(),
            CASE WHEN $5::int > 0 THEN clock_timestamp() END)
    RETURNING {BOOKING_COLUMNS}
"""

_BOOKING_EVENT_SQL = "SELECT event_id FROM bookings WHERE id = $1"
_READ_BOOKING_SQL = "SELECT id, user_id, quantity, status FROM bookings WHERE id = $1"

_CANCEL_BOOKING_SQL = f"""
    UPDATE bookings
       SET status = '{CANCELLED}', waitlist_seq = NULL, cancelled_at = now(), cancel_reason = $2, updated_at = now()
     WHERE id = $1
    RETURNING {BOOKING_COLUMNS}
"""

# At most `free` bookings can be promoted (each takes at least one seat), so only that many are read.
_WAITLIST_HEAD_SQL = f"""
    SELECT id, sum(quantity) OVER (ORDER BY waitlist_seq) AS seats_through
      FROM bookings
     WHERE event_id = $1 AND status = '{WAITLISTED}'
     ORDER BY waitlist_seq
     LIMIT $2
"""

_PROMOTE_SQL = f"""
    UPDATE bookings
       SET status = '{CONFIRMED}', waitlist_seq = NULL, confirmed_at = now(), updated_at = now()
     WHERE id = ANY($1::bigint[])
"""

_SET_COUNTERS_SQL = """
    UPDATE events
       SET capacity = $2, seats_remaining = $3, waitlist_count = $4, updated_at = now()
     WHERE id = $1
"""

_CANCEL_EVENT_BOOKINGS_SQL = f"""
    UPDATE bookings
       SET status = '{CANCELLED}', waitlist_seq = NULL, cancelled_at = now(),
           cancel_reason = '{CancelReason.EVENT_CANCELLED}', updated_at = now()
     WHERE event_id = $1 AND {_ACTIVE}
"""

_CANCEL_EVENT_SQL = f"""
    UPDATE events
       SET status = '{EventStatus.CANCELLED}', seats_remaining = capacity, waitlist_count = 0, updated_at = now()
     WHERE id = $1
"""

_PUBLISH_EVENT_SQL = f"UPDATE events SET status = '{EventStatus.PUBLISHED}', updated_at = now() WHERE id = $1"

_DELETE_SYNTHETIC_BOOKINGS_SQL = """
    DELETE FROM bookings b USING users u
     WHERE b.event_id = $1 AND u.id = b.user_id AND u.synthetic
    RETURNING b.status, b.quantity
"""

# A user's active booking on one event (at most one), read under the event's lock.
_USER_ACTIVE_BOOKING_SQL = f"""
    SELECT id, user_id, quantity, status FROM bookings WHERE user_id = $1 AND event_id = $2 AND {_ACTIVE}
"""

# Counters straight from what is left in the table, not adjusted from the old ones.
_RECOUNT_SQL = f"""
    SELECT e.capacity - coalesce(sum(b.quantity) FILTER (WHERE b.status = '{CONFIRMED}'), 0),
           count(*) FILTER (WHERE b.status = '{WAITLISTED}')
      FROM events e LEFT JOIN bookings b ON b.event_id = e.id
     WHERE e.id = $1
     GROUP BY e.id, e.capacity
"""


def _one(record: asyncpg.Record | None) -> asyncpg.Record:
    """The row a statement on a locked, existing row returns (always one)."""
    if record is None:
        raise RuntimeError("expected a row from a statement on a locked row")
    return record


def new_event(
    *,
    organizer_id: int,
    title: str,
    venue: str,
    starts_at: datetime,
    capacity: int,
    description: str = "",
    status: EventStatus = EventStatus.DRAFT,
) -> Event:
    """A new event, its counters opened on its capacity: every seat free, nobody waiting."""
    return Event(
        organizer_id=organizer_id,
        title=title,
        description=description,
        venue=venue,
        starts_at=starts_at,
        capacity=capacity,
        seats_remaining=capacity,
        waitlist_count=0,
        status=status,
    )


def booking_from_record(record: asyncpg.Record) -> Booking:
    """A Booking built from a row this module returned (after COMMIT: nothing here runs under the lock)."""
    fields = dict(record)
    fields["status"] = BookingStatus(fields["status"])
    if fields.get("cancel_reason") is not None:
        fields["cancel_reason"] = CancelReason(fields["cancel_reason"])
    return Booking(**fields)


async def lock_event(conn: asyncpg.Connection, event_id: int) -> LockedEvent:
    """Take the event's row lock and read its counters; NOT_FOUND if it does not exist."""
    record = await conn.fetchrow(LOCK_EVENT_SQL, event_id)
    if record is None:
        raise NotFound(f"Event {event_id} does not exist")
    event_id, organizer_id, status, starts_at, capacity, seats_remaining, waitlist_count = record
    return LockedEvent(
        event_id, organizer_id, _EVENT_STATUSES[status], starts_at, capacity, seats_remaining, waitlist_count
    )


async def record_booking(
    conn: asyncpg.Connection, event: LockedEvent, user_id: int, quantity: int, status: BookingStatus
) -> asyncpg.Record:
    """Write a booking decided under `event`'s lock, and take its seats or its place in line, in one statement."""
    confirmed = status is CONFIRMED
    record = await conn.fetchrow(
        _WRITE_BOOKING_SQL,
        event.id,
        user_id,
        quantity,
        status.value,
        quantity if confirmed else 0,
        0 if confirmed else 1,
    )
    return _one(record)


async def booking_event_id(conn: asyncpg.Connection, booking_id: int) -> int | None:
    """The event a booking belongs to (it never changes), read without a lock to know which event to lock."""
    event_id: int | None = await conn.fetchval(_BOOKING_EVENT_SQL, booking_id)
    return event_id


async def read_booking(conn: asyncpg.Connection, booking_id: int) -> LockedBooking:
    """A booking re-read under its event's lock (bookings only change under their event's lock)."""
    booking_id, user_id, quantity, status = _one(await conn.fetchrow(_READ_BOOKING_SQL, booking_id))
    return LockedBooking(booking_id, user_id, quantity, BookingStatus(status))


async def _promote(conn: asyncpg.Connection, event_id: int, free: int) -> Promotion:
    """Confirm waitlisted bookings from the head of the line while the head fits in `free` seats."""
    if free <= 0:
        return Promotion([], 0)
    heads = await conn.fetch(_WAITLIST_HEAD_SQL, event_id, free)
    fitting = [head for head in heads if head["seats_through"] <= free]
    if not fitting:
        return Promotion([], 0)
    ids = [head["id"] for head in fitting]
    await conn.execute(_PROMOTE_SQL, ids)
    return Promotion(ids, int(fitting[-1]["seats_through"]))


async def read_active_booking_of(conn: asyncpg.Connection, event: LockedEvent, user_id: int) -> LockedBooking | None:
    """The user's active booking on the locked event, if any."""
    record = await conn.fetchrow(_USER_ACTIVE_BOOKING_SQL, user_id, event.id)
    if record is None:
        return None
    booking_id, user_id, quantity, status = record
    return LockedBooking(booking_id, user_id, quantity, BookingStatus(status))


async def cancel_booking(
    conn: asyncpg.Connection, event: LockedEvent, booking: LockedBooking, reason: CancelReason = CancelReason.BOOKER
) -> asyncpg.Record:
    """Cancel an active booking of the locked event. A confirmed one frees its seats, and the line moves."""
    cancelled, _ = await cancel_booking_promoting(conn, event, booking, reason)
    return cancelled


async def cancel_booking_promoting(
    conn: asyncpg.Connection, event: LockedEvent, booking: LockedBooking, reason: CancelReason = CancelReason.BOOKER
) -> tuple[asyncpg.Record, Promotion]:
    """`cancel_booking`, also telling whom the line promoted into what it freed."""
    cancelled = _one(await conn.fetchrow(_CANCEL_BOOKING_SQL, booking.id, reason.value))
    seats_remaining, waitlist_count = event.seats_remaining, event.waitlist_count
    if booking.status is CONFIRMED:
        seats_remaining += booking.quantity
    else:
        waitlist_count -= 1
    # Either way the line may move: freed seats, or a head that did not fit has left and the next one might.
    promotion = await _promote(conn, event.id, seats_remaining if waitlist_count else 0)
    seats_remaining -= promotion.seats
    waitlist_count -= len(promotion.booking_ids)
    await conn.execute(_SET_COUNTERS_SQL, event.id, event.capacity, seats_remaining, waitlist_count)
    return cancelled, promotion


async def resize(conn: asyncpg.Connection, event: LockedEvent, capacity: int) -> Promotion:
    """Set a locked event's capacity, promoting from the line if seats appear. Runs in the caller's transaction.

    Below the seats already confirmed is refused with BAD_USER_INPUT.
    """
    if capacity < 1:
        raise BadUserInput(f"Capacity must be at least 1 seat (got {capacity})")
    confirmed = event.capacity - event.seats_remaining
    if capacity < confirmed:
        raise BadUserInput(f"Capacity cannot be {capacity}: {confirmed} seats are already confirmed for this event")
    seats_remaining = capacity - confirmed
    promotion = await _promote(conn, event.id, seats_remaining if event.waitlist_count else 0)
    await conn.execute(
        _SET_COUNTERS_SQL,
        event.id,
        capacity,
        seats_remaining - promotion.seats,
        event.waitlist_count - len(promotion.booking_ids),
    )
    return promotion


async def publish_event(conn: asyncpg.Connection, event: LockedEvent) -> None:
    """Open a locked DRAFT event for booking."""
    await conn.execute(_PUBLISH_EVENT_SQL, event.id)


async def cancel_event(conn: asyncpg.Connection, event: LockedEvent) -> None:
    """Cancel a locked event and every active booking on it; all its seats are free again, nobody waits."""
    await conn.execute(_CANCEL_EVENT_BOOKINGS_SQL, event.id)
    await conn.execute(_CANCEL_EVENT_SQL, event.id)


@dataclass(frozen=True, slots=True)
class SyntheticPurge:
    """What purging one event's synthetic bookings did."""

    bookings: int  # active synthetic bookings removed
    seats_freed: int  # confirmed seats they held
    promoted_booking_ids: list[int]  # real users' bookings confirmed into those seats


async def purge_synthetic_bookings(conn: asyncpg.Connection, event: LockedEvent) -> SyntheticPurge:
    """Delete a locked event's bookings by synthetic users and recount; real users waiting behind them move up."""
    removed = await conn.fetch(_DELETE_SYNTHETIC_BOOKINGS_SQL, event.id)
    active = [record for record in removed if BookingStatus(record["status"]) in ACTIVE_BOOKING_STATUSES]
    seats_freed = sum(record["quantity"] for record in removed if BookingStatus(record["status"]) is CONFIRMED)
    seats_remaining, waitlist_count = _one(await conn.fetchrow(_RECOUNT_SQL, event.id))
    promoted: list[int] = []
    if event.status is not EventStatus.CANCELLED and waitlist_count:
        promotion = await _promote(conn, event.id, seats_remaining)
        seats_remaining -= promotion.seats
        waitlist_count -= len(promotion.booking_ids)
        promoted = promotion.booking_ids
    await conn.execute(_SET_COUNTERS_SQL, event.id, event.capacity, seats_remaining, waitlist_count)
    return SyntheticPurge(len(active), seats_freed, promoted)
