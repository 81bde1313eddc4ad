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

from sqlalchemy import Row, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.db.models import MAX_SEATS_PER_BOOKING, Booking, BookingStatus, EventStatus
from boxoffice.db.transaction import transaction
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
    user_ids: list[int]
    seats: int


_BOOKING_COLUMNS = (
    "id, event_id, user_id, quantity, status, waitlist_seq, created_at, confirmed_at, cancelled_at, updated_at"
)

LOCK_EVENT_SQL = text(
    "SELECT id, organizer_id, status, starts_at, capacity, seats_remaining, waitlist_count "
    "FROM events WHERE id = :event_id FOR UPDATE"
)

_WRITE_BOOKING_SQL = text(
    f"""
    WITH counters AS (
        UPDATE events
           SET seats_remaining = seats_remaining - :taken,
               waitlist_count = waitlist_count + :queued,
               updated_at = now()
         WHERE id = :event_id
    )
    INSERT INTO bookings (event_id, user_id, quantity, status, waitlist_seq, confirmed_at)
    VALUES (:event_id, :user_id, :quantity, :status,
            CASE WHEN :queued = 1 THEN nextval('booking_waitlist_seq') END,
            CASE WHEN :taken > 0 THEN now() END)
    RETURNING {_BOOKING_COLUMNS}
    """
)

_BOOKING_EVENT_SQL = text("SELECT event_id FROM bookings WHERE id = :booking_id")
_READ_BOOKING_SQL = text(f"SELECT {_BOOKING_COLUMNS} FROM bookings WHERE id = :booking_id")

_CANCEL_BOOKING_SQL = text(
    f"""
    UPDATE bookings
       SET status = 'CANCELLED', waitlist_seq = NULL, cancelled_at = now(), updated_at = now()
     WHERE id = :booking_id
    RETURNING {_BOOKING_COLUMNS}
    """
)

# At most `free` bookings can be promoted (each takes at least one seat), so only that many are read.
_WAITLIST_HEAD_SQL = text(
    """
    SELECT id, user_id, sum(quantity) OVER (ORDER BY waitlist_seq) AS seats_through
      FROM bookings
     WHERE event_id = :event_id AND status = 'WAITLISTED'
     ORDER BY waitlist_seq
     LIMIT :free
    """
)

_PROMOTE_SQL = text(
    """
    UPDATE bookings
       SET status = 'CONFIRMED', waitlist_seq = NULL, confirmed_at = now(), updated_at = now()
     WHERE id = ANY(:booking_ids)
    """
)

_SET_COUNTERS_SQL = text(
    """
    UPDATE events
       SET capacity = :capacity, seats_remaining = :seats_remaining, waitlist_count = :waitlist_count,
           updated_at = now()
     WHERE id = :event_id
    """
)

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
        raise BadUserInput(f"quantity must be between 1 and {MAX_SEATS_PER_BOOKING}, got {quantity}")


def decide(event: LockedEvent, quantity: int) -> BookingStatus:
    """Confirm only when the seats are there and nobody is already waiting: a newcomer never overtakes."""
    if event.waitlist_count == 0 and event.seats_remaining >= quantity:
        return BookingStatus.CONFIRMED
    return BookingStatus.WAITLISTED


def _booking(row: Row) -> Booking:
    return Booking(**row._asdict())


async def lock_event(session: AsyncSession, event_id: int) -> LockedEvent:
    row = (await session.execute(LOCK_EVENT_SQL, {"event_id": event_id})).first()
    if row is None:
        raise NotFound(f"Event {event_id} does not exist")
    return LockedEvent(*row)


def ensure_open_for_booking(event: LockedEvent, now: datetime | None = None) -> None:
    if event.status == EventStatus.DRAFT:
        raise Conflict("This event is not published yet, so it cannot be booked")
    if event.status == EventStatus.CANCELLED:
        raise Conflict("This event has been cancelled, so it cannot be booked")
    if event.starts_at <= (now or datetime.now(UTC)):
        raise Conflict("This event has already started, so it cannot be booked")


async def write_booking(
    session: AsyncSession, event: LockedEvent, user_id: int, quantity: int, status: BookingStatus
) -> Booking:
    confirmed = status == BookingStatus.CONFIRMED
    row = (
        await session.execute(
            _WRITE_BOOKING_SQL,
            {
                "event_id": event.id,
                "user_id": user_id,
                "quantity": quantity,
                "status": status.value,
                "taken": quantity if confirmed else 0,
                "queued": 0 if confirmed else 1,
            },
        )
    ).one()
    return _booking(row)


async def book(session: AsyncSession, event_id: int, user_id: int, quantity: int = 1) -> Booking:
    """Book `quantity` seats for `user_id`: CONFIRMED if they are free and nobody waits, else WAITLISTED."""
    validate_quantity(quantity)
    try:
        async with transaction(session):
            event = await lock_event(session, event_id)
            ensure_open_for_booking(event)
            return await write_booking(session, event, user_id, quantity, decide(event, quantity))
    except IntegrityError as error:
        raise _booking_integrity_error(error, user_id) from error


def _booking_integrity_error(error: IntegrityError, user_id: int) -> Exception:
    message = str(error.orig)
    if "uq_bookings_active_user_event" in message:
        return Conflict("You already have an active booking for this event")
    if "bookings_user_id_fkey" in message:
        return NotFound(f"User {user_id} does not exist")
    return error


async def _read_booking_event(session: AsyncSession, booking_id: int) -> int:
    event_id = (await session.execute(_BOOKING_EVENT_SQL, {"booking_id": booking_id})).scalar()
    if event_id is None:
        raise NotFound(f"Booking {booking_id} does not exist")
    return int(event_id)


async def promote(session: AsyncSession, event_id: int, free: int) -> Promotion:
    """Confirm waitlisted bookings from the head of the line while the head fits in `free` seats."""
    if free <= 0:
        return Promotion([], [], 0)
    heads = (await session.execute(_WAITLIST_HEAD_SQL, {"event_id": event_id, "free": free})).all()
    fitting = [head for head in heads if head.seats_through <= free]
    if not fitting:
        return Promotion([], [], 0)
    ids = [head.id for head in fitting]
    await session.execute(_PROMOTE_SQL, {"booking_ids": ids})
    return Promotion(ids, [head.user_id for head in fitting], int(fitting[-1].seats_through))


async def _set_counters(
    session: AsyncSession, event: LockedEvent, *, capacity: int, seats_remaining: int, waitlist_count: int
) -> None:
    await session.execute(
        _SET_COUNTERS_SQL,
        {
            "event_id": event.id,
            "capacity": capacity,
            "seats_remaining": seats_remaining,
            "waitlist_count": waitlist_count,
        },
    )


async def cancel(session: AsyncSession, booking_id: int, *, owner_id: int | None = None) -> Booking:
    """Cancel a booking. A confirmed one frees its seats and promotes from the line in the same transaction.

    With `owner_id`, only that user's booking can be cancelled; anyone else's answers NOT_FOUND.
    """
    async with transaction(session):
        event_id = await _read_booking_event(session, booking_id)
        event = await lock_event(session, event_id)
        # Re-read under the lock: bookings only change under their event's lock.
        current = _booking((await session.execute(_READ_BOOKING_SQL, {"booking_id": booking_id})).one())
        if owner_id is not None and current.user_id != owner_id:
            raise NotFound(f"Booking {booking_id} does not exist")
        if current.status == BookingStatus.CANCELLED:
            raise Conflict("This booking is already cancelled")
        cancelled = _booking((await session.execute(_CANCEL_BOOKING_SQL, {"booking_id": booking_id})).one())
        seats_remaining, waitlist_count = event.seats_remaining, event.waitlist_count
        if current.status == BookingStatus.CONFIRMED:
            seats_remaining += current.quantity
            promotion = await promote(session, event.id, seats_remaining if waitlist_count else 0)
            seats_remaining -= promotion.seats
            waitlist_count -= len(promotion.booking_ids)
        else:
            waitlist_count -= 1
        await _set_counters(
            session, event, capacity=event.capacity, seats_remaining=seats_remaining, waitlist_count=waitlist_count
        )
        return cancelled


async def resize(session: AsyncSession, event: LockedEvent, capacity: int) -> Promotion:
    """Set a locked event's capacity, promoting from the line if seats appear. Runs in the caller's transaction."""
    if capacity < 1:
        raise BadUserInput(f"capacity must be at least 1, got {capacity}")
    confirmed = event.capacity - event.seats_remaining
    if capacity < confirmed:
        raise BadUserInput(
            f"capacity cannot be {capacity}: {confirmed} seats are already confirmed for this event"
        )
    seats_remaining = capacity - confirmed
    promotion = await promote(session, event.id, seats_remaining if event.waitlist_count else 0)
    await _set_counters(
        session,
        event,
        capacity=capacity,
        seats_remaining=seats_remaining - promotion.seats,
        waitlist_count=event.waitlist_count - len(promotion.booking_ids),
    )
    return promotion


async def change_capacity(session: AsyncSession, event_id: int, capacity: int) -> Promotion:
    async with transaction(session):
        event = await lock_event(session, event_id)
        if event.status == EventStatus.CANCELLED:
            raise Conflict("This event has been cancelled; its capacity can no longer change")
        return await resize(session, event, capacity)


async def waitlist_positions(session: AsyncSession, booking_ids: list[int]) -> dict[int, int]:
    """Each waitlisted booking's 1-based place in line right now, derived from the order of the line."""
    if not booking_ids:
        return {}
    rows = await session.execute(_WAITLIST_POSITIONS_SQL, {"booking_ids": booking_ids})
    return {booking_id: int(position) for booking_id, position in rows}


async def waitlist_position(session: AsyncSession, booking_id: int) -> int | None:
    return (await waitlist_positions(session, [booking_id])).get(booking_id)
