"""The seat ledger: the one module that changes an event's counters or a booking's status.

An event's `seats_remaining`, `offered_seats` and `waitlist_count` are kept in step with its bookings, and all
only ever change while the transaction holds the event's row lock (`lock_event`). Every statement that writes a
counter or a booking's status is here, built from the enums, so a rule about seats has exactly one place to
change: booking, cancelling, declining, accepting and expiring offers, promoting, resizing, switching the
waitlist policy, cancelling an event, and purging synthetic bookings. Callers (the booking service, the events
service, the sweeper, the synthetic-user purge, the seed) decide who may act; the ledger decides what happens
to the seats.

Each statement here changes bookings, appends their history rows (`booking_history`) and moves the counters
by exactly what it changed, in one round trip: the counters are changed relatively, from the rows the statement
itself changed, so even a missing lock would hit a check constraint rather than oversell silently.
`seats_remaining` is capacity - confirmed - offered seats.

Offers: under the OFFER policy, promotion makes the head of the line OFFERED until a deadline on the database's
clock (now + offer_minutes x the offer minute). Due offers are expired, and their seats handed on, whenever the
event is locked (`lock_event` reads `offers_due_at` with the lock, so this costs nothing until one is due) and
by the sweeper (`claim_due_event`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from boxoffice.db.models import (
    ACTIVE_BOOKING_STATUSES,
    DEFAULT_OFFER_MINUTES,
    Booking,
    BookingStatus,
    CancelReason,
    ChangeReason,
    Event,
    EventStatus,
    Role,
    WaitlistPolicy,
    sql_in,
)
from boxoffice.errors import BadUserInput, NotFound

# The operations an idempotency key is stored for (the API's mutation names).
BOOK_EVENT = "bookEvent"
CANCEL_BOOKING = "cancelBooking"

CONFIRMED, WAITLISTED, CANCELLED = BookingStatus.CONFIRMED, BookingStatus.WAITLISTED, BookingStatus.CANCELLED
OFFERED, EXPIRED = BookingStatus.OFFERED, BookingStatus.EXPIRED
_ACTIVE = sql_in("status", ACTIVE_BOOKING_STATUSES)
# The stored value -> the enum member: a dict lookup, cheaper under the lock than calling the enum.
_EVENT_STATUSES: dict[str, EventStatus] = {status.value: status for status in EventStatus}
_POLICIES: dict[str, WaitlistPolicy] = {policy.value: policy for policy in WaitlistPolicy}
_BOOKING_STATUSES: dict[str, BookingStatus] = {status.value: status for status in BookingStatus}
_ROLES: dict[str, Role] = {role.value: role for role in Role}


class _OfferMinute:
    """How long an offer's "minute" lasts, in seconds: 60, except where a test or a demo makes it shorter
    (BOXOFFICE_OFFER_MINUTE_SECONDS, applied by the app). One value per process, like every setting."""

    seconds: float = 60.0


OFFER_MINUTE = _OfferMinute()


def set_offer_minute(seconds: float) -> None:
    if seconds <= 0:
        raise ValueError(f"an offer minute must last a positive number of seconds, not {seconds}")
    OFFER_MINUTE.seconds = seconds


@dataclass(frozen=True, slots=True)
class LockedEvent:
    """The event's counters as read under its row lock (after any due offers were expired)."""

    id: int
    organizer_id: int
    status: EventStatus
    starts_at: datetime
    capacity: int
    seats_remaining: int
    waitlist_count: int
    offered_seats: int
    waitlist_policy: WaitlistPolicy
    offer_minutes: int


@dataclass(frozen=True, slots=True)
class LockedBooking:
    """A booking as re-read under its event's lock."""

    id: int
    user_id: int
    quantity: int
    status: BookingStatus


@dataclass(frozen=True, slots=True)
class Promotion:
    """Whom the line moved: bookings confirmed or offered (`status`), and the seats they took."""

    booking_ids: list[int]
    seats: int
    status: BookingStatus = CONFIRMED


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """A client's key, stored in the statement that makes the change it names."""

    key: str
    arguments: str


BOOKING_COLUMNS = (
    "id, event_id, user_id, quantity, status, waitlist_seq, created_at, confirmed_at, cancelled_at, cancel_reason, "
    "offer_expires_at, updated_at"
)

# `due` is computed on the database's clock: an offer's deadline is never judged by a server's own clock.
LOCK_EVENT_SQL = (
    "SELECT id, organizer_id, status, starts_at, capacity, seats_remaining, waitlist_count, offered_seats, "
    "waitlist_policy, offer_minutes, offers_due_at <= clock_timestamp() AS due "
    "FROM events WHERE id = $1 FOR UPDATE"
)

# The same lock, with the caller's account read in the same round trip (only the event's row is locked; the
# account is as committed when the lock was granted). No account: the users columns are NULL.
LOCK_EVENT_FOR_CALLER_SQL = (
    "SELECT e.id, e.organizer_id, e.status, e.starts_at, e.capacity, e.seats_remaining, e.waitlist_count, "
    "e.offered_seats, e.waitlist_policy, e.offer_minutes, e.offers_due_at <= clock_timestamp() AS due, "
    "u.id, u.role, u.token_version, u.deactivated_at "
    "FROM events e LEFT JOIN users u ON u.id = $2 WHERE e.id = $1 FOR UPDATE OF e"
)
_CALLER_ACCOUNT_SQL = "SELECT u.id, u.role, u.token_version, u.deactivated_at FROM users u WHERE u.id = $1"

# The sweeper's claim: one event with a due offer that nobody else holds locked; the same columns as the lock.
CLAIM_DUE_EVENT_SQL = (
    "SELECT id, organizer_id, status, starts_at, capacity, seats_remaining, waitlist_count, offered_seats, "
    "waitlist_policy, offer_minutes, true AS due "
    "FROM events WHERE offers_due_at <= clock_timestamp() "
    "ORDER BY offers_due_at LIMIT 1 FOR UPDATE SKIP LOCKED"
)

_HISTORY = "INSERT INTO booking_history (booking_id, event_id, status, reason, waitlist_position)"

# The booking, its first history row, both counters and the client's idempotency key in one statement: one round
# trip under the lock. created_at is the moment of the decision (clock_timestamp, not the transaction's start),
# so it follows the line's order; a waiting booking's place is the line's length plus one ($8).
_WRITE_BOOKING = f"""
    WITH counters AS (
        UPDATE events
           SET seats_remaining = seats_remaining - $5::int,
               waitlist_count = waitlist_count + $6::int,
               updated_at = now()
         WHERE id = $1
    ), booking AS (
        INSERT INTO bookings (event_id, user_id, quantity, status, waitlist_seq, created_at, confirmed_at)
        VALUES ($1, $2, $3, $4,
                CASE WHEN $6::int = 1 THEN nextval('booking_waitlist_seq') END,
                clock_timestamp(),
                CASE WHEN $5::int > 0 THEN clock_timestamp() END)
        RETURNING {BOOKING_COLUMNS}
    ), history AS (
        {_HISTORY}
        SELECT id, event_id, status, $7::text, $8::int FROM booking
    )"""
_WRITE_BOOKING_SQL = f"{_WRITE_BOOKING}\n    SELECT {BOOKING_COLUMNS} FROM booking\n"
# The same with the client's key: a second statement text, so that a booking without a key plans no key insert.
_WRITE_BOOKING_WITH_KEY_SQL = f"""{_WRITE_BOOKING}, idempotency AS (
        INSERT INTO idempotency_keys (user_id, key, operation, arguments, booking_id)
        SELECT user_id, $9::text, '{BOOK_EVENT}', $10::text, id FROM booking
    )
    SELECT {BOOKING_COLUMNS} FROM booking
"""

_BOOKING_EVENT_SQL = "SELECT event_id FROM bookings WHERE id = $1"
_READ_BOOKING_SQL = "SELECT id, user_id, quantity, status FROM bookings WHERE id = $1"


# The earliest deadline among the event's open offers other than those this statement ends (a statement does not
# see its own changes, so the ended ones are left out by id).
def _next_due(event_param: str, ended: str) -> str:
    return (
        f"(SELECT min(o.offer_expires_at) FROM bookings o WHERE o.event_id = {event_param} "
        f"AND o.status = '{OFFERED}' AND o.id NOT IN (SELECT id FROM {ended}))"
    )


# Cancels (or declines) one booking if it still has the status read under the lock; the counters move only if it
# did. $5 seats freed, $6 offered seats released, $7 places in line left.
_CANCEL_BOOKING_SQL = f"""
    WITH cancelled AS (
        UPDATE bookings
           SET status = '{CANCELLED}', waitlist_seq = NULL, offer_expires_at = NULL, cancelled_at = now(),
               cancel_reason = $2, updated_at = now()
         WHERE id = $1 AND status = $3::text
        RETURNING {BOOKING_COLUMNS}
    ), history AS (
        {_HISTORY}
        SELECT id, event_id, status, $4::text, NULL FROM cancelled
    ), counters AS (
        UPDATE events
           SET seats_remaining = seats_remaining + $5::int,
               offered_seats = offered_seats - $6::int,
               waitlist_count = waitlist_count - $7::int,
               offers_due_at = CASE WHEN $6::int > 0 THEN {_next_due("$8", "cancelled")} ELSE offers_due_at END,
               updated_at = now()
         WHERE id = $8 AND EXISTS (SELECT 1 FROM cancelled)
    ), idempotency AS (
        INSERT INTO idempotency_keys (user_id, key, operation, arguments, booking_id)
        SELECT $9::bigint, $10::text, '{CANCEL_BOOKING}', $11::text, id FROM cancelled WHERE $10::text IS NOT NULL
    )
    SELECT {BOOKING_COLUMNS} FROM cancelled
"""

# An open offer accepted before its deadline (on the database's clock, at this very statement).
_ACCEPT_SQL = f"""
    WITH accepted AS (
        UPDATE bookings
           SET status = '{CONFIRMED}', offer_expires_at = NULL, confirmed_at = now(), updated_at = now()
         WHERE id = $1 AND status = '{OFFERED}' AND offer_expires_at > clock_timestamp()
        RETURNING {BOOKING_COLUMNS}
    ), history AS (
        {_HISTORY}
        SELECT id, event_id, status, '{ChangeReason.ACCEPTED}', NULL FROM accepted
    ), counters AS (
        UPDATE events
           SET offered_seats = offered_seats - (SELECT quantity FROM accepted),
               offers_due_at = {_next_due("$2", "accepted")},
               updated_at = now()
         WHERE id = $2 AND EXISTS (SELECT 1 FROM accepted)
    )
    SELECT {BOOKING_COLUMNS} FROM accepted
"""

# Every open offer of the event whose deadline has passed becomes EXPIRED; its seats are free again.
_EXPIRE_DUE_SQL = f"""
    WITH expired AS (
        UPDATE bookings
           SET status = '{EXPIRED}', offer_expires_at = NULL, updated_at = now()
         WHERE event_id = $1 AND status = '{OFFERED}' AND offer_expires_at <= clock_timestamp()
        RETURNING id, quantity
    ), history AS (
        {_HISTORY}
        SELECT id, $1, '{EXPIRED}', '{ChangeReason.EXPIRED}', NULL FROM expired
    ), counters AS (
        UPDATE events
           SET seats_remaining = seats_remaining + (SELECT coalesce(sum(quantity), 0) FROM expired),
               offered_seats = offered_seats - (SELECT coalesce(sum(quantity), 0) FROM expired),
               offers_due_at = {_next_due("$1", "expired")},
               updated_at = now()
         WHERE id = $1
    )
    SELECT count(*) FROM expired
"""

# The head of the line, as far as it fits in $2 free seats (strict FIFO: it stops at the first that does not),
# confirmed ($3 = CONFIRMED) or offered until a deadline $4 seconds from now on the database's clock. At most
# `free` bookings can move (each takes at least one seat), so only that many are read. Each history row carries
# the place the booking held in line just before.
_PROMOTE_SQL = f"""
    WITH heads AS (
        SELECT id, row_number() OVER line AS position, sum(quantity) OVER line AS seats_through
          FROM bookings
         WHERE event_id = $1 AND status = '{WAITLISTED}'
        WINDOW line AS (ORDER BY waitlist_seq)
         ORDER BY waitlist_seq
         LIMIT $2
    ), deadline AS (
        SELECT CASE WHEN $3::text = '{OFFERED}' THEN clock_timestamp() + $4::float8 * interval '1 second' END AS due
    ), moved AS (
        UPDATE bookings b
           SET status = $3::text, waitlist_seq = NULL,
               confirmed_at = CASE WHEN $3::text = '{CONFIRMED}' THEN now() END,
               offer_expires_at = (SELECT due FROM deadline),
               updated_at = now()
          FROM heads h
         WHERE b.id = h.id AND h.seats_through <= $2 AND b.status = '{WAITLISTED}'
        RETURNING b.id, b.quantity, h.position
    ), history AS (
        {_HISTORY}
        SELECT id, $1, $3::text, $5::text, position FROM moved
    ), counters AS (
        UPDATE events
           SET seats_remaining = seats_remaining - (SELECT coalesce(sum(quantity), 0) FROM moved),
               offered_seats = offered_seats
                   + CASE WHEN $3::text = '{OFFERED}' THEN (SELECT coalesce(sum(quantity), 0) FROM moved) ELSE 0 END,
               waitlist_count = waitlist_count - (SELECT count(*) FROM moved),
               offers_due_at = CASE WHEN EXISTS (SELECT 1 FROM moved) AND $3::text = '{OFFERED}'
                                    THEN least(offers_due_at, (SELECT due FROM deadline))
                                    ELSE offers_due_at END,
               updated_at = now()
         WHERE id = $1
    )
    SELECT id, quantity FROM moved ORDER BY position
"""

_RESIZE_SQL = """
    UPDATE events SET capacity = $2, seats_remaining = seats_remaining + ($2 - capacity), updated_at = now()
     WHERE id = $1
"""

# The policy and offer length; switching to AUTO_CONFIRM confirms the open offers (their seats are held already).
_SET_POLICY_SQL = f"""
    WITH confirmed AS (
        UPDATE bookings
           SET status = '{CONFIRMED}', offer_expires_at = NULL, confirmed_at = now(), updated_at = now()
         WHERE event_id = $1 AND status = '{OFFERED}' AND $2::text = '{WaitlistPolicy.AUTO_CONFIRM}'
        RETURNING id, quantity
    ), history AS (
        {_HISTORY}
        SELECT id, $1, '{CONFIRMED}', '{ChangeReason.PROMOTED}', NULL FROM confirmed
    )
    UPDATE events
       SET waitlist_policy = $2::text, offer_minutes = $3::int,
           offered_seats = offered_seats - (SELECT coalesce(sum(quantity), 0) FROM confirmed),
           offers_due_at = CASE WHEN $2::text = '{WaitlistPolicy.AUTO_CONFIRM}' THEN NULL ELSE offers_due_at END,
           updated_at = now()
     WHERE id = $1
    RETURNING offered_seats
"""

_CANCEL_EVENT_SQL = f"""
    WITH cancelled AS (
        UPDATE bookings
           SET status = '{CANCELLED}', waitlist_seq = NULL, offer_expires_at = NULL, cancelled_at = now(),
               cancel_reason = '{CancelReason.EVENT_CANCELLED}', updated_at = now()
         WHERE event_id = $1 AND {_ACTIVE}
        RETURNING id
    ), history AS (
        {_HISTORY}
        SELECT id, $1, '{CANCELLED}', '{ChangeReason.EVENT_CANCELLED}', NULL FROM cancelled
    )
    UPDATE events
       SET status = '{EventStatus.CANCELLED}', seats_remaining = capacity, offered_seats = 0, offers_due_at = NULL,
           waitlist_count = 0, updated_at = now()
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
    UPDATE events e
       SET (seats_remaining, offered_seats, waitlist_count, offers_due_at) = (
               SELECT e.capacity - coalesce(sum(b.quantity) FILTER (WHERE b.status IN ('{CONFIRMED}', '{OFFERED}')), 0),
                      coalesce(sum(b.quantity) FILTER (WHERE b.status = '{OFFERED}'), 0),
                      count(*) FILTER (WHERE b.status = '{WAITLISTED}'),
                      min(b.offer_expires_at) FILTER (WHERE b.status = '{OFFERED}')
                 FROM bookings b WHERE b.event_id = e.id),
           updated_at = now()
     WHERE e.id = $1
    RETURNING seats_remaining, offered_seats, waitlist_count
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
    waitlist_policy: WaitlistPolicy = WaitlistPolicy.AUTO_CONFIRM,
    offer_minutes: int = DEFAULT_OFFER_MINUTES,
) -> Event:
    """A new event, its counters opened on its capacity: every seat free, nobody waiting, nothing offered."""
    return Event(
        organizer_id=organizer_id,
        title=title,
        description=description,
        venue=venue,
        starts_at=starts_at,
        capacity=capacity,
        seats_remaining=capacity,
        waitlist_count=0,
        offered_seats=0,
        offers_due_at=None,
        waitlist_policy=waitlist_policy,
        offer_minutes=offer_minutes,
        status=status,
    )


def booking_from_record(record: asyncpg.Record | dict[str, Any]) -> Booking:
    """A Booking built from a row this module returned (after COMMIT: nothing here runs under the lock)."""
    fields = dict(record)
    fields["status"] = BookingStatus(fields["status"])
    if fields.get("cancel_reason") is not None:
        fields["cancel_reason"] = CancelReason(fields["cancel_reason"])
    return Booking(**fields)


def _locked(record: asyncpg.Record | tuple[Any, ...]) -> LockedEvent:
    (
        event_id,
        organizer_id,
        status,
        starts_at,
        capacity,
        seats_remaining,
        waitlist_count,
        offered_seats,
        policy,
        offer_minutes,
        _due,
    ) = record
    return LockedEvent(
        event_id,
        organizer_id,
        _EVENT_STATUSES[status],
        starts_at,
        capacity,
        seats_remaining,
        waitlist_count,
        offered_seats,
        _POLICIES[policy],
        offer_minutes,
    )


async def lock_event(conn: asyncpg.Connection, event_id: int) -> LockedEvent:
    """Take the event's row lock and read its counters; NOT_FOUND if it does not exist.

    Offers whose deadline has passed are expired first, and their seats handed on, so that nothing decided in
    this transaction ever sees a due offer as open.
    """
    record = await conn.fetchrow(LOCK_EVENT_SQL, event_id)
    if record is None:
        raise NotFound(f"Event {event_id} does not exist")
    if record[10]:
        return await _settle_due_offers(conn, _locked(record))
    return _locked(record)


@dataclass(frozen=True, slots=True)
class CallerAccount:
    """The caller's account as read with the event's lock: what a token's holder is checked against."""

    user_id: int
    role: Role
    token_version: int
    deactivated_at: datetime | None


async def lock_event_for_caller(
    conn: asyncpg.Connection, event_id: int, user_id: int
) -> tuple[LockedEvent, CallerAccount | None]:
    """`lock_event`, and the account of `user_id` read in the same statement (None when there is none)."""
    record = await conn.fetchrow(LOCK_EVENT_FOR_CALLER_SQL, event_id, user_id)
    if record is None:
        raise NotFound(f"Event {event_id} does not exist")
    account = _caller_account(record[11:])
    event = _locked(record[:11])
    if record[10]:
        return await _settle_due_offers(conn, event), account
    return event, account


async def read_caller_account(conn: asyncpg.Connection, user_id: int) -> CallerAccount | None:
    """The account alone, as `lock_event_for_caller` reads it: for when there was no event to lock."""
    record = await conn.fetchrow(_CALLER_ACCOUNT_SQL, user_id)
    return None if record is None else _caller_account(tuple(record))


def _caller_account(columns: asyncpg.Record | tuple[Any, ...]) -> CallerAccount | None:
    user_id, role, token_version, deactivated_at = columns
    return None if user_id is None else CallerAccount(user_id, _ROLES[role], token_version, deactivated_at)


async def claim_due_event(conn: asyncpg.Connection) -> LockedEvent | None:
    """Lock one event with a due offer that no other transaction holds (SKIP LOCKED), and settle its offers.

    None when there is none. Workers sweeping at once each take a different event, and never wait for a booker.
    """
    record = await conn.fetchrow(CLAIM_DUE_EVENT_SQL)
    if record is None:
        return None
    return await _settle_due_offers(conn, _locked(record))


async def _settle_due_offers(conn: asyncpg.Connection, event: LockedEvent) -> LockedEvent:
    """Expire the locked event's due offers and hand their seats to the next in line; the counters after it."""
    await conn.execute(_EXPIRE_DUE_SQL, event.id)
    settled = _locked(_one(await conn.fetchrow(LOCK_EVENT_SQL, event.id)))
    if settled.waitlist_count and settled.seats_remaining > 0:
        await _promote(conn, settled, settled.seats_remaining, _freed_reason(settled))
        settled = _locked(_one(await conn.fetchrow(LOCK_EVENT_SQL, event.id)))
    return settled


def _freed_reason(event: LockedEvent) -> ChangeReason:
    """Why the line moves into seats someone left: promoted at once, or offered."""
    return ChangeReason.OFFERED if event.waitlist_policy is WaitlistPolicy.OFFER else ChangeReason.PROMOTED


def offer_seconds(event: LockedEvent) -> float:
    return event.offer_minutes * OFFER_MINUTE.seconds


async def record_booking(
    conn: asyncpg.Connection,
    event: LockedEvent,
    user_id: int,
    quantity: int,
    status: BookingStatus,
    idempotency: IdempotencyRecord | None = None,
) -> asyncpg.Record:
    """Write a booking decided under `event`'s lock, take its seats or its place in line, and append its first
    history row (and store the client's idempotency key), in one statement."""
    confirmed = status is CONFIRMED
    arguments = (
        event.id,
        user_id,
        quantity,
        status.value,
        quantity if confirmed else 0,
        0 if confirmed else 1,
        ChangeReason.BOOKED.value if confirmed else ChangeReason.WAITLISTED.value,
        None if confirmed else event.waitlist_count + 1,
    )
    if idempotency is None:
        return _one(await conn.fetchrow(_WRITE_BOOKING_SQL, *arguments))
    return _one(await conn.fetchrow(_WRITE_BOOKING_WITH_KEY_SQL, *arguments, idempotency.key, idempotency.arguments))


async def booking_event_id(conn: asyncpg.Connection, booking_id: int) -> int | None:
    """The event a booking belongs to (it never changes), read without a lock to know which event to lock."""
    event_id: int | None = await conn.fetchval(_BOOKING_EVENT_SQL, booking_id)
    return event_id


async def read_booking(conn: asyncpg.Connection, booking_id: int) -> LockedBooking:
    """A booking re-read under its event's lock (bookings only change under their event's lock)."""
    booking_id, user_id, quantity, status = _one(await conn.fetchrow(_READ_BOOKING_SQL, booking_id))
    return LockedBooking(booking_id, user_id, quantity, _BOOKING_STATUSES[status])


async def _promote(conn: asyncpg.Connection, event: LockedEvent, free: int, reason: ChangeReason) -> Promotion:
    """Move bookings from the head of the line while the head fits in `free` seats: confirmed under
    AUTO_CONFIRM, offered under OFFER. One statement with their history rows and the counters."""
    status = OFFERED if event.waitlist_policy is WaitlistPolicy.OFFER else CONFIRMED
    if free <= 0 or not event.waitlist_count:
        return Promotion([], 0, status)
    moved = await conn.fetch(_PROMOTE_SQL, event.id, free, status.value, offer_seconds(event), reason.value)
    return Promotion([row["id"] for row in moved], sum(row["quantity"] for row in moved), status)


async def read_active_booking_of(conn: asyncpg.Connection, event: LockedEvent, user_id: int) -> LockedBooking | None:
    """The user's active booking on the locked event, if any."""
    record = await conn.fetchrow(_USER_ACTIVE_BOOKING_SQL, user_id, event.id)
    if record is None:
        return None
    booking_id, user_id, quantity, status = record
    return LockedBooking(booking_id, user_id, quantity, _BOOKING_STATUSES[status])


async def cancel_booking(
    conn: asyncpg.Connection,
    event: LockedEvent,
    booking: LockedBooking,
    reason: CancelReason = CancelReason.BOOKER,
    *,
    idempotency: IdempotencyRecord | None = None,
    actor_user_id: int | None = None,
) -> tuple[asyncpg.Record, Promotion]:
    """Cancel an active booking of the locked event (declining it if it is an offer); the seats it held go to the
    line. Answers the cancelled row and whom the line promoted (or offered) into what it freed.

    The client's idempotency key, if any, is stored under `actor_user_id` in the cancelling statement.
    """
    held = booking.quantity if booking.status in (CONFIRMED, OFFERED) else 0
    offered = booking.quantity if booking.status is OFFERED else 0
    waiting = 1 if booking.status is WAITLISTED else 0
    change = ChangeReason.DECLINED if booking.status is OFFERED else _cancel_reason(reason)
    cancelled = _one(
        await conn.fetchrow(
            _CANCEL_BOOKING_SQL,
            booking.id,
            reason.value,
            booking.status.value,
            change.value,
            held,
            offered,
            waiting,
            event.id,
            actor_user_id,
            idempotency.key if idempotency else None,
            idempotency.arguments if idempotency else None,
        )
    )
    # Either way the line may move: freed seats, or a head that did not fit has left and the next one might.
    after = dataclasses.replace(
        event,
        seats_remaining=event.seats_remaining + held,
        offered_seats=event.offered_seats - offered,
        waitlist_count=event.waitlist_count - waiting,
    )
    promotion = await _promote(conn, after, after.seats_remaining, _freed_reason(after))
    return cancelled, promotion


def _cancel_reason(reason: CancelReason) -> ChangeReason:
    return ChangeReason.EVENT_CANCELLED if reason is CancelReason.EVENT_CANCELLED else ChangeReason.CANCELLED


async def accept_offer(conn: asyncpg.Connection, event: LockedEvent, booking: LockedBooking) -> asyncpg.Record | None:
    """Confirm an open offer of the locked event; None if its deadline has passed meanwhile (the caller expires
    it). Its seats are held already, so only the offered counter moves."""
    record: asyncpg.Record | None = await conn.fetchrow(_ACCEPT_SQL, booking.id, event.id)
    return record


async def expire_due_offers(conn: asyncpg.Connection, event: LockedEvent) -> LockedEvent:
    """Expire the locked event's due offers now (an accept that found its deadline passed) and hand them on."""
    return await _settle_due_offers(conn, event)


async def resize(conn: asyncpg.Connection, event: LockedEvent, capacity: int) -> Promotion:
    """Set a locked event's capacity, promoting (or offering) from the line if seats appear. Runs in the caller's
    transaction.

    Below the seats already confirmed or held by open offers is refused with BAD_USER_INPUT.
    """
    if capacity < 1:
        raise BadUserInput(f"Capacity must be at least 1 seat (got {capacity})")
    held = event.capacity - event.seats_remaining
    if capacity < held:
        confirmed = held - event.offered_seats
        detail = f"{confirmed} seats are already confirmed"
        if event.offered_seats:
            detail += f" and {event.offered_seats} are held by open offers"
        raise BadUserInput(f"Capacity cannot be {capacity}: {detail} for this event")
    await conn.execute(_RESIZE_SQL, event.id, capacity)
    resized = dataclasses.replace(event, capacity=capacity, seats_remaining=capacity - held)
    return await _promote(conn, resized, resized.seats_remaining, ChangeReason.CAPACITY_CHANGED)


async def set_waitlist_policy(
    conn: asyncpg.Connection, event: LockedEvent, policy: WaitlistPolicy, offer_minutes: int
) -> LockedEvent:
    """Set a locked event's waitlist policy and offer length. Switching to AUTO_CONFIRM confirms its open offers
    (history reason PROMOTED); offers already made keep their deadline when the length changes."""
    offered_seats = await conn.fetchval(_SET_POLICY_SQL, event.id, policy.value, offer_minutes)
    return dataclasses.replace(event, waitlist_policy=policy, offer_minutes=offer_minutes, offered_seats=offered_seats)


async def publish_event(conn: asyncpg.Connection, event: LockedEvent) -> None:
    """Open a locked DRAFT event for booking."""
    await conn.execute(_PUBLISH_EVENT_SQL, event.id)


async def cancel_event(conn: asyncpg.Connection, event: LockedEvent) -> None:
    """Cancel a locked event and every active booking on it (open offers too); all its seats are free again,
    nobody waits."""
    await conn.execute(_CANCEL_EVENT_SQL, event.id)


@dataclass(frozen=True, slots=True)
class SyntheticPurge:
    """What purging one event's synthetic bookings did."""

    bookings: int  # active synthetic bookings removed
    seats_freed: int  # confirmed or offered seats they held
    promoted_booking_ids: list[int]  # real users' bookings confirmed (or offered) into those seats


async def purge_synthetic_bookings(conn: asyncpg.Connection, event: LockedEvent) -> SyntheticPurge:
    """Delete a locked event's bookings by synthetic users and recount; real users waiting behind them move up."""
    removed = await conn.fetch(_DELETE_SYNTHETIC_BOOKINGS_SQL, event.id)
    active = [record for record in removed if _BOOKING_STATUSES[record["status"]] in ACTIVE_BOOKING_STATUSES]
    seats_freed = sum(
        record["quantity"] for record in removed if _BOOKING_STATUSES[record["status"]] in (CONFIRMED, OFFERED)
    )
    seats_remaining, offered_seats, waitlist_count = _one(await conn.fetchrow(_RECOUNT_SQL, event.id))
    promoted: list[int] = []
    if event.status is not EventStatus.CANCELLED and waitlist_count:
        recounted = dataclasses.replace(
            event, seats_remaining=seats_remaining, offered_seats=offered_seats, waitlist_count=waitlist_count
        )
        promoted = (await _promote(conn, recounted, seats_remaining, ChangeReason.PURGED)).booking_ids
    return SyntheticPurge(len(active), seats_freed, promoted)
