"""The booking engine: book, cancel, resize, promote.

Every decision about a seat is taken while this transaction holds the event's row lock
(``SELECT ... FOR UPDATE``), and the lock is held for as few round trips as possible, because on a hot
event the time the lock is held is the throughput ceiling:

    lock + read counters  ->  decide (Python, no I/O)  ->  one write statement  ->  COMMIT

When two rows are locked, the event is always locked first and bookings are only ever changed under
their event's lock, so there is one global lock order and no deadlocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.db.driver import driver_connection, driver_transaction
from boxoffice.db.models import MAX_SEATS_PER_BOOKING, Booking, BookingStatus, CancelReason, EventStatus
from boxoffice.errors import BadUserInput, Conflict, NotFound


@dataclass(frozen=True, slots=True)
class LockedEvent:
    """The event's counters as read under its row lock."""

    id: int
    organizer_id: int
    status: str
    starts_at: datetime
    capacity: int
    seats_remaining: int
    waitlist_count: int


@dataclass(frozen=True, slots=True)
class Promotion:
    booking_ids: list[int]
    seats: int


_BOOKING_COLUMNS = (
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
    RETURNING {_BOOKING_COLUMNS}
"""

_BOOKING_EVENT_SQL = "SELECT event_id FROM bookings WHERE id = $1"
_READ_BOOKING_SQL = "SELECT user_id, quantity, status FROM bookings WHERE id = $1"

_CANCEL_BOOKING_SQL = f"""
    UPDATE bookings
       SET status = 'CANCELLED', waitlist_seq = NULL, cancelled_at = now(), cancel_reason = $2, updated_at = now()
     WHERE id = $1
    RETURNING {_BOOKING_COLUMNS}
"""

# The events where a user holds an active booking, in id order: the one order multi-event writers lock in.
_USER_ACTIVE_EVENTS_SQL = """
    SELECT DISTINCT event_id FROM bookings
     WHERE user_id = $1 AND status IN ('CONFIRMED', 'WAITLISTED')
     ORDER BY event_id
"""

_USER_ACTIVE_BOOKING_ON_EVENT_SQL = """
    SELECT id, quantity, status FROM bookings
     WHERE user_id = $1 AND event_id = $2 AND status IN ('CONFIRMED', 'WAITLISTED')
"""

# At most `free` bookings can be promoted (each takes at least one seat), so only that many are read.
_WAITLIST_HEAD_SQL = """
    SELECT id, sum(quantity) OVER (ORDER BY waitlist_seq) AS seats_through
      FROM bookings
     WHERE event_id = $1 AND status = 'WAITLISTED'
     ORDER BY waitlist_seq
     LIMIT $2
"""

_PROMOTE_SQL = """
    UPDATE bookings
       SET status = 'CONFIRMED', waitlist_seq = NULL, confirmed_at = now(), updated_at = now()
     WHERE id = ANY($1::bigint[])
"""

_SET_COUNTERS_SQL = """
    UPDATE events
       SET capacity = $2, seats_remaining = $3, waitlist_count = $4, updated_at = now()
     WHERE id = $1
"""

_WAITLIST_POSITIONS_SQL = text(
    """
    SELECT b.id,
           (SELECT count(*) FROM bookings w
             WHERE w.event_id = b.event_id AND w.status = 'WAITLISTED' AND w.waitlist_seq <= b.waitlist_seq)
      FROM bookings b
     WHERE b.id = ANY(:booking_ids) AND b.status = 'WAITLISTED'
    """
)


def validate_quantity(quantity: int) -> None:
    if not 1 <= quantity <= MAX_SEATS_PER_BOOKING:
        raise BadUserInput(f"Tickets must be between 1 and {MAX_SEATS_PER_BOOKING} (quantity was {quantity})")


def decide(event: LockedEvent, quantity: int) -> BookingStatus:
    """Confirm only when the seats are there and nobody is already waiting: a newcomer never overtakes."""
    if event.waitlist_count == 0 and event.seats_remaining >= quantity:
        return BookingStatus.CONFIRMED
    return BookingStatus.WAITLISTED


def _booking(record: asyncpg.Record) -> Booking:
    return Booking(**dict(record))


async def lock_event(conn: asyncpg.Connection, event_id: int) -> LockedEvent:
    record = await conn.fetchrow(LOCK_EVENT_SQL, event_id)
    if record is None:
        raise NotFound(f"Event {event_id} does not exist")
    return LockedEvent(*record)


def ensure_open_for_booking(event: LockedEvent, now: datetime | None = None) -> None:
    if event.status == EventStatus.DRAFT:
        raise Conflict("This event is not published yet, so it cannot be booked")
    if event.status == EventStatus.CANCELLED:
        raise Conflict("This event has been cancelled, so it cannot be booked")
    if event.starts_at <= (now or datetime.now(UTC)):
        raise Conflict("This event has already started, so it cannot be booked")


async def write_booking(
    conn: asyncpg.Connection, event: LockedEvent, user_id: int, quantity: int, status: BookingStatus
) -> asyncpg.Record:
    confirmed = status == BookingStatus.CONFIRMED
    return await conn.fetchrow(
        _WRITE_BOOKING_SQL,
        event.id,
        user_id,
        quantity,
        status.value,
        quantity if confirmed else 0,
        0 if confirmed else 1,
    )


async def book(session: AsyncSession, event_id: int, user_id: int, quantity: int = 1) -> Booking:
    """Book `quantity` seats for `user_id`: CONFIRMED if they are free and nobody waits, else WAITLISTED."""
    async with driver_connection(session) as conn:
        return await book_on(conn, event_id, user_id, quantity)


async def book_on(conn: asyncpg.Connection, event_id: int, user_id: int, quantity: int = 1) -> Booking:
    """`book` on a connection already in hand (simulation workers keep one for many bookers); its own transaction."""
    validate_quantity(quantity)
    try:
        async with conn.transaction():
            event = await lock_event(conn, event_id)
            ensure_open_for_booking(event)
            record = await write_booking(conn, event, user_id, quantity, decide(event, quantity))
    except asyncpg.UniqueViolationError as error:
        if error.constraint_name == "uq_bookings_active_user_event":
            raise Conflict("You already have an active booking for this event") from error
        raise
    except asyncpg.ForeignKeyViolationError as error:
        if error.constraint_name == "bookings_user_id_fkey":
            raise NotFound(f"User {user_id} does not exist") from error
        raise
    # Built after COMMIT: nothing that can wait runs while the lock is held.
    return _booking(record)


async def promote(conn: asyncpg.Connection, event_id: int, free: int) -> Promotion:
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


async def cancel(
    session: AsyncSession, booking_id: int, *, owner_id: int | None = None, by_user_id: int | None = None
) -> Booking:
    """Cancel a booking. A confirmed one frees its seats and promotes from the line in the same transaction.

    With `owner_id`, only that user's booking can be cancelled; anyone else's answers NOT_FOUND.
    `by_user_id` is who asked: someone other than the booking's user (an admin) is recorded as ADMIN.
    """
    async with driver_transaction(session) as conn:
        event_id = await conn.fetchval(_BOOKING_EVENT_SQL, booking_id)
        if event_id is None:
            raise NotFound(f"Booking {booking_id} does not exist")
        event = await lock_event(conn, event_id)
        # Re-read under the lock: bookings only change under their event's lock.
        current = await conn.fetchrow(_READ_BOOKING_SQL, booking_id)
        if owner_id is not None and current["user_id"] != owner_id:
            raise NotFound(f"Booking {booking_id} does not exist")
        if current["status"] == BookingStatus.CANCELLED:
            raise Conflict("This booking is already cancelled")
        by_other = by_user_id is not None and by_user_id != current["user_id"]
        reason = CancelReason.ADMIN if by_other else CancelReason.BOOKER
        cancelled, _ = await cancel_locked(conn, event, booking_id, current["status"], current["quantity"], reason)
    # Built after COMMIT, as in book_on: nothing that can wait runs while the lock is held.
    return _booking(cancelled)


async def cancel_locked(
    conn: asyncpg.Connection, event: LockedEvent, booking_id: int, status: str, quantity: int, reason: CancelReason
) -> tuple[asyncpg.Record, Promotion]:
    """Cancel an active booking of the locked `event` (status and quantity as read under the lock), promote
    from the line into what it frees, and set the event's counters. Runs in the caller's transaction."""
    cancelled = await conn.fetchrow(_CANCEL_BOOKING_SQL, booking_id, reason.value)
    seats_remaining, waitlist_count = event.seats_remaining, event.waitlist_count
    if status == BookingStatus.CONFIRMED:
        seats_remaining += quantity
    else:
        waitlist_count -= 1
    # Either way the line may move: freed seats, or a head that did not fit has left and the next one might.
    promotion = await promote(conn, event.id, seats_remaining if waitlist_count else 0)
    seats_remaining -= promotion.seats
    waitlist_count -= len(promotion.booking_ids)
    await conn.execute(_SET_COUNTERS_SQL, event.id, event.capacity, seats_remaining, waitlist_count)
    return cancelled, promotion


@dataclass(frozen=True, slots=True)
class UserCancellation:
    bookings: int
    promoted: int


async def cancel_user_bookings(conn: asyncpg.Connection, user_id: int) -> UserCancellation:
    """Cancel every active booking of `user_id` (e.g. an account being deleted), each under its event's lock
    with the line moving up behind it, in the caller's transaction. Events are locked in id order.

    A booking the user makes meanwhile on another event is not seen here: the caller re-checks once it has
    locked the user's row (see users/accounts.py).
    """
    cancelled = promoted = 0
    for record in await conn.fetch(_USER_ACTIVE_EVENTS_SQL, user_id):
        event = await lock_event(conn, record["event_id"])
        current = await conn.fetchrow(_USER_ACTIVE_BOOKING_ON_EVENT_SQL, user_id, event.id)
        if current is None:
            continue  # cancelled by its user meanwhile
        _, promotion = await cancel_locked(
            conn, event, current["id"], current["status"], current["quantity"], CancelReason.BOOKER
        )
        cancelled += 1
        promoted += len(promotion.booking_ids)
    return UserCancellation(cancelled, promoted)


async def resize(conn: asyncpg.Connection, event: LockedEvent, capacity: int) -> Promotion:
    """Set a locked event's capacity, promoting from the line if seats appear. Runs in the caller's transaction."""
    if capacity < 1:
        raise BadUserInput(f"Capacity must be at least 1 seat (got {capacity})")
    confirmed = event.capacity - event.seats_remaining
    if capacity < confirmed:
        raise BadUserInput(f"Capacity cannot be {capacity}: {confirmed} seats are already confirmed for this event")
    seats_remaining = capacity - confirmed
    promotion = await promote(conn, event.id, seats_remaining if event.waitlist_count else 0)
    await conn.execute(
        _SET_COUNTERS_SQL,
        event.id,
        capacity,
        seats_remaining - promotion.seats,
        event.waitlist_count - len(promotion.booking_ids),
    )
    return promotion


async def change_capacity(session: AsyncSession, event_id: int, capacity: int) -> Promotion:
    async with driver_transaction(session) as conn:
        event = await lock_event(conn, event_id)
        if event.status == EventStatus.CANCELLED:
            raise Conflict("This event has been cancelled; its capacity can no longer change")
        return await resize(conn, event, capacity)


async def waitlist_positions(session: AsyncSession, booking_ids: list[int]) -> dict[int, int]:
    """Each waitlisted booking's 1-based place in line right now, derived from the order of the line."""
    if not booking_ids:
        return {}
    rows = await session.execute(_WAITLIST_POSITIONS_SQL, {"booking_ids": booking_ids})
    return {booking_id: int(position) for booking_id, position in rows}


async def waitlist_position(session: AsyncSession, booking_id: int) -> int | None:
    return (await waitlist_positions(session, [booking_id])).get(booking_id)
