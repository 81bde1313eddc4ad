"""The booking engine: book, cancel (or decline an offer) and accept an offer, for a caller.

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
from boxoffice.auth.service import refuse_token_of
from boxoffice.auth.tokens import TokenSubject
from boxoffice.booking import idempotency, ledger
from boxoffice.booking.ledger import IdempotencyRecord, LockedBooking, LockedEvent
from boxoffice.db.driver import driver_connection
from boxoffice.db.models import (
    ACTIVE_BOOKING_STATUSES,
    MAX_SEATS_PER_BOOKING,
    Booking,
    BookingStatus,
    CancelReason,
    EventStatus,
    sql_in,
)
from boxoffice.errors import BadUserInput, Conflict, DomainError, Forbidden, NotFound, Unauthenticated


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


async def book(
    session: AsyncSession, actor: Actor, event_id: int, quantity: int = 1, idempotency_key: str | None = None
) -> Booking:
    """Book `quantity` seats for the actor: CONFIRMED if they are free and nobody waits, else WAITLISTED.

    An event the actor may not see (another organizer's DRAFT) answers NOT_FOUND, not "not published yet".
    With an `idempotency_key`, a retry answers the booking the first call made (see idempotency.py).
    """
    async with driver_connection(session) as conn:
        return await book_on(conn, actor, event_id, quantity, idempotency_key=idempotency_key)


async def book_for_token(session: AsyncSession, subject: TokenSubject, event_id: int, quantity: int = 1) -> Booking:
    """`book` for the holder of a token whose account has not been read yet: the account is read in the event's
    lock statement and checked there (auth's rules: UNAUTHENTICATED when it is gone, deactivated, or the password
    changed since the token), and the Actor built from it decides as in `book`. One round trip fewer than reading
    the account first. No idempotency key: a replay answers before any lock, so a keyed booking goes through
    `book` with an Actor whose account was checked already."""
    validate_quantity(quantity)
    async with driver_connection(session) as conn:
        record = await _book_locked(conn, subject, subject.user_id, event_id, quantity, None)
    return ledger.booking_from_record(record)


async def book_on(
    conn: asyncpg.Connection, actor: Actor, event_id: int, quantity: int = 1, idempotency_key: str | None = None
) -> Booking:
    """`book` on a connection already in hand (simulation workers keep one for many bookers); its own transaction."""
    user_id = actor.user_id
    if user_id is None:
        raise Unauthenticated("Sign in first: a booking belongs to a user")
    validate_quantity(quantity)
    key = None if idempotency_key is None else idempotency.for_booking(idempotency_key, event_id, quantity)
    return await idempotency.at_most_once(
        conn, user_id, key, lambda: _book_locked(conn, actor, user_id, event_id, quantity, key)
    )


async def _book_locked(
    conn: asyncpg.Connection,
    caller: Actor | TokenSubject,
    user_id: int,
    event_id: int,
    quantity: int,
    key: IdempotencyRecord | None,
) -> asyncpg.Record:
    try:
        async with conn.transaction():
            event, actor = await _lock_for(conn, caller, event_id)
            refusal = _booking_refusal(actor, event, event_id)
            if refusal is None:
                return await ledger.record_booking(conn, event, user_id, quantity, decide(event, quantity), key)
    except asyncpg.UniqueViolationError as error:
        if error.constraint_name in ("uq_bookings_active_user_event", "idempotency_keys_pkey"):
            raise Conflict("You already have an active booking for this event") from error
        raise
    except asyncpg.ForeignKeyViolationError as error:
        if error.constraint_name in ("bookings_user_id_fkey", "idempotency_keys_user_id_fkey"):
            raise NotFound(f"User {user_id} does not exist") from error
        raise
    # Refused after the lock settled the event's due offers: that much was kept (COMMIT), the booking is refused.
    raise refusal


async def _lock_for(conn: asyncpg.Connection, caller: Actor | TokenSubject, event_id: int) -> tuple[LockedEvent, Actor]:
    """The event's lock, and who acts: the Actor as given, or one built from the token holder's account as read
    with the lock (refused, and the transaction rolled back, by auth's token rules)."""
    if isinstance(caller, Actor):
        return await ledger.lock_event(conn, event_id), caller
    try:
        event, account = await ledger.lock_event_for_caller(conn, event_id, caller.user_id)
    except NotFound:
        # No event, so no account read with it: a refused account is still told so first, as before any lock
        # (it must not learn which events exist), at the cost of a round trip only on this path.
        refuse_token_of(await ledger.read_caller_account(conn, caller.user_id), caller.version)
        raise
    checked = refuse_token_of(account, caller.version)
    return event, Actor.user(checked.user_id, checked.role)


def _booking_refusal(actor: Actor, event: LockedEvent, event_id: int) -> DomainError | None:
    if not actor.may_see(event):
        return NotFound(f"Event {event_id} does not exist")
    try:
        ensure_open_for_booking(event)
    except Conflict as refused:
        return refused
    return None


async def cancel(session: AsyncSession, actor: Actor, booking_id: int, idempotency_key: str | None = None) -> Booking:
    """Cancel a booking: a confirmed one frees its seats, an offered one is declined, and the line moves up (or
    is offered the seats) in the same transaction. EXPIRED or CANCELLED bookings answer CONFLICT.

    Only its user or an admin may: anyone else's booking answers NOT_FOUND, so nothing tells it exists.
    With an `idempotency_key`, a retry answers the booking as the first call left it.
    """
    key = None if idempotency_key is None else idempotency.for_cancellation(idempotency_key, booking_id)
    user_id = actor.user_id
    if user_id is None:
        key = None  # keys belong to a user; the system's own cancellations are never retried by a client
    async with driver_connection(session) as conn:
        return await idempotency.at_most_once(conn, user_id, key, lambda: _cancel_locked(conn, actor, booking_id, key))


async def _lock_booking(conn: asyncpg.Connection, booking_id: int) -> tuple[LockedEvent, LockedBooking]:
    """Lock a booking's event, then re-read the booking under that lock (bookings only change under their event's
    lock, and the lock may just have expired an offer). NOT_FOUND if there is no such booking."""
    event_id = await ledger.booking_event_id(conn, booking_id)
    if event_id is None:
        raise NotFound(f"Booking {booking_id} does not exist")
    event = await ledger.lock_event(conn, event_id)
    return event, await ledger.read_booking(conn, booking_id)


async def _cancel_locked(
    conn: asyncpg.Connection, actor: Actor, booking_id: int, key: IdempotencyRecord | None
) -> asyncpg.Record:
    refusal: DomainError | None = None
    async with conn.transaction():
        event, current = await _lock_booking(conn, booking_id)
        if not actor.may_cancel(current):
            raise NotFound(f"Booking {booking_id} does not exist")
        if current.status is BookingStatus.CANCELLED:
            refusal = Conflict("This booking is already cancelled")
        elif current.status is BookingStatus.EXPIRED:
            refusal = Conflict("This offer has expired: its seats went to the next in line, there is nothing to cancel")
        else:
            # Who ended it, for the booker to be told: themselves, or an admin.
            reason = CancelReason.BOOKER if actor.is_user(current.user_id) else CancelReason.ADMIN
            cancelled, _ = await ledger.cancel_booking(
                conn, event, current, reason, idempotency=key, actor_user_id=actor.user_id
            )
            return cancelled
    # COMMIT kept what the lock settled (an offer expired just now); the cancellation itself is refused.
    raise refusal


async def accept_offer(session: AsyncSession, actor: Actor, booking_id: int) -> Booking:
    """Confirm an open offer: its seats were held for the booking until its deadline.

    Only the booking's user may accept it: an admin or the event's organizer is FORBIDDEN, anyone else gets
    NOT_FOUND. A deadline that has passed (on the database's clock) is never accepted, even before the sweeper
    ran: the offer is expired in this transaction, its seats handed on, and the answer is CONFLICT.
    """
    if not actor.signed_in and not actor.is_system:
        raise Unauthenticated("Sign in first: an offer is accepted by the person it was made to")
    async with driver_connection(session) as conn:
        record = await _accept_locked(conn, actor, booking_id)
    return ledger.booking_from_record(record)


async def _accept_locked(conn: asyncpg.Connection, actor: Actor, booking_id: int) -> asyncpg.Record:
    refusal: DomainError
    async with conn.transaction():
        event, current = await _lock_booking(conn, booking_id)
        if not actor.is_user(current.user_id):
            if actor.is_admin or actor.may_manage(event):
                raise Forbidden("Only the person the seats were offered to can accept them")
            raise NotFound(f"Booking {booking_id} does not exist")
        if current.status is BookingStatus.OFFERED:
            accepted = await ledger.accept_offer(conn, event, current)
            if accepted is not None:
                return accepted
            # The deadline passed between the lock's read and this statement: expire it now, like any due offer.
            await ledger.expire_due_offers(conn, event)
            refusal = Conflict(_EXPIRED_OFFER)
        else:
            refusal = Conflict(_NOT_ACCEPTABLE[current.status])
    # COMMIT kept the expiry (if this call found the deadline passed); the acceptance itself is refused.
    raise refusal


_EXPIRED_OFFER = "This offer has expired: its deadline passed, and its seats went to the next in line"
_NOT_ACCEPTABLE = {
    BookingStatus.EXPIRED: _EXPIRED_OFFER,
    BookingStatus.CONFIRMED: "This booking is already confirmed; there is no offer to accept",
    BookingStatus.WAITLISTED: "This booking is still waiting in line; it has no offer to accept yet",
    BookingStatus.CANCELLED: "This booking is cancelled; there is no offer to accept",
}


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
        _, promotion = await ledger.cancel_booking(conn, event, current, CancelReason.BOOKER)
        cancelled += 1
        promoted += len(promotion.booking_ids)
    return UserCancellation(cancelled, promoted)
