"""The booking engine: book and cancel, for a caller.

Every decision about a seat is taken while this transaction holds the event's row lock
(``SELECT ... FOR UPDATE``), and the lock is held for as few round trips as possible, because on a hot
event the time the lock is held is the throughput ceiling:

    lock + read counters  ->  decide (Python, no I/O)  ->  one write statement  ->  COMMIT

The statements themselves (the lock, the write, the promotion) belong to the seat ledger (`ledger.py`);
this module decides and orchestrates. When two rows are locked, the event is always locked first and
bookings are only ever changed under their event's lock, so there is one global lock order and no deadlocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.auth.actor import Actor
from boxoffice.booking import ledger
from boxoffice.booking.ledger import LockedEvent
from boxoffice.db.driver import driver_connection, driver_transaction
from boxoffice.db.models import (
    ACTIVE_BOOKING_STATUSES,
    MAX_SEATS_PER_BOOKING,
    Booking,
    BookingStatus,
    CancelReason,
    EventStatus,
    sql_in,
)
from boxoffice.errors import BadUserInput, Conflict, NotFound, Unauthenticated


def validate_quantity(quantity: int) -> None:
    if not 1 <= quantity <= MAX_SEATS_PER_BOOKING:
        raise BadUserInput(f"Tickets must be between 1 and {MAX_SEATS_PER_BOOKING} (quantity was {quantity})")


def decide(event: LockedEvent, quantity: int) -> BookingStatus:
    """Confirm only when the seats are there and nobody is already waiting: a newcomer never overtakes."""
    if event.waitlist_count == 0 and event.seats_remaining >= quantity:
        return BookingStatus.CONFIRMED
    return BookingStatus.WAITLISTED


def ensure_open_for_booking(event: LockedEvent, now: datetime | None = None) -> None:
    if event.status is EventStatus.DRAFT:
        raise Conflict("This event is not published yet, so it cannot be booked")
    if event.status is EventStatus.CANCELLED:
        raise Conflict("This event has been cancelled, so it cannot be booked")
    if event.starts_at <= (now or datetime.now(UTC)):
        raise Conflict("This event has already started, so it cannot be booked")


async def book(session: AsyncSession, actor: Actor, event_id: int, quantity: int = 1) -> Booking:
    """Book `quantity` seats for the actor: CONFIRMED if they are free and nobody waits, else WAITLISTED.

    An event the actor may not see (another organizer's DRAFT) answers NOT_FOUND, not "not published yet".
    """
    async with driver_connection(session) as conn:
        return await book_on(conn, actor, event_id, quantity)


async def book_on(conn: asyncpg.Connection, actor: Actor, event_id: int, quantity: int = 1) -> Booking:
    """`book` on a connection already in hand (simulation workers keep one for many bookers); its own transaction."""
    user_id = actor.user_id
    if user_id is None:
        raise Unauthenticated("Sign in first: a booking belongs to a user")
    validate_quantity(quantity)
    try:
        async with conn.transaction():
            event = await ledger.lock_event(conn, event_id)
            if not actor.may_see(event):
                raise NotFound(f"Event {event_id} does not exist")
            ensure_open_for_booking(event)
            record = await ledger.record_booking(conn, event, user_id, quantity, decide(event, quantity))
    except asyncpg.UniqueViolationError as error:
        if error.constraint_name == "uq_bookings_active_user_event":
            raise Conflict("You already have an active booking for this event") from error
        raise
    except asyncpg.ForeignKeyViolationError as error:
        if error.constraint_name == "bookings_user_id_fkey":
            raise NotFound(f"User {user_id} does not exist") from error
        raise
    # Built after COMMIT: nothing that can wait runs while the lock is held.
    return ledger.booking_from_record(record)


async def cancel(session: AsyncSession, actor: Actor, booking_id: int) -> Booking:
    """Cancel a booking. A confirmed one frees its seats and promotes from the line in the same transaction.

    Only its user or an admin may: anyone else's booking answers NOT_FOUND, so nothing tells it exists.
    """
    async with driver_transaction(session) as conn:
        event_id = await ledger.booking_event_id(conn, booking_id)
        if event_id is None:
            raise NotFound(f"Booking {booking_id} does not exist")
        event = await ledger.lock_event(conn, event_id)
        # Re-read under the lock: bookings only change under their event's lock.
        current = await ledger.read_booking(conn, booking_id)
        if not actor.may_cancel(current):
            raise NotFound(f"Booking {booking_id} does not exist")
        if current.status is BookingStatus.CANCELLED:
            raise Conflict("This booking is already cancelled")
        # Who ended it, for the booker to be told: themselves, or an admin.
        reason = CancelReason.BOOKER if actor.is_user(current.user_id) else CancelReason.ADMIN
        cancelled = await ledger.cancel_booking(conn, event, current, reason)
    # Built after COMMIT, as in book_on: nothing that can wait runs while the lock is held.
    return ledger.booking_from_record(cancelled)


@dataclass(frozen=True, slots=True)
class UserCancellation:
    bookings: int
    promoted: int


# The events where a user holds an active booking, in id order: the one order multi-event writers lock in.
_USER_ACTIVE_EVENTS_SQL = f"""
    SELECT DISTINCT event_id FROM bookings
     WHERE user_id = $1 AND {sql_in("status", ACTIVE_BOOKING_STATUSES)}
     ORDER BY event_id
"""


async def cancel_user_bookings(conn: asyncpg.Connection, user_id: int) -> UserCancellation:
    """Cancel every active booking of `user_id` (an account being deleted), each under its event's lock with
    the line moving up behind it, in the caller's transaction. Events are locked in id order.

    A booking the user makes meanwhile on another event is not seen here: the caller re-checks once it has
    locked the user's row (see users/accounts.py).
    """
    cancelled = promoted = 0
    for record in await conn.fetch(_USER_ACTIVE_EVENTS_SQL, user_id):
        event = await ledger.lock_event(conn, record["event_id"])
        current = await ledger.read_active_booking_of(conn, event, user_id)
        if current is None:
            continue  # cancelled by its user meanwhile
        _, promotion = await ledger.cancel_booking_promoting(conn, event, current, CancelReason.BOOKER)
        cancelled += 1
        promoted += len(promotion.booking_ids)
    return UserCancellation(cancelled, promoted)
