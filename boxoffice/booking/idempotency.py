"""Safe retries: a client's idempotency key names the outcome of its first bookEvent or cancelBooking.

The key, the caller, the operation, its arguments and the booking it made are stored in the very statement that
makes the change (ledger.py), so a key exists exactly when its change committed. A retry looks the key up before
taking any lock (cheap, and no second booking); a retry racing the first call loses on the event's lock, fails
on a unique index, and looks the key up again after its rollback. The same key with other arguments is refused.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import asyncpg

from boxoffice.booking.ledger import BOOK_EVENT, BOOKING_COLUMNS, CANCEL_BOOKING, IdempotencyRecord, booking_from_record
from boxoffice.db.models import Booking
from boxoffice.errors import BadUserInput, DomainError

MAX_KEY_LENGTH = 128
# Keys are kept at least this long (API.md: 24 hours), then pruned by the sweeper.
KEY_TTL_SECONDS = 24 * 3600.0

_LOOKUP_SQL = f"""
    SELECT k.operation AS key_operation, k.arguments AS key_arguments,
           {", ".join(f"b.{column.strip()}" for column in BOOKING_COLUMNS.split(","))}
      FROM idempotency_keys k JOIN bookings b ON b.id = k.booking_id
     WHERE k.user_id = $1 AND k.key = $2
"""

_PRUNE_SQL = "DELETE FROM idempotency_keys WHERE created_at < now() - $1::float8 * interval '1 second'"


def validate_key(key: str) -> None:
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise BadUserInput(f"idempotencyKey must be 1 to {MAX_KEY_LENGTH} characters long (this one has {len(key)})")


def _canonical(operation: str, **arguments: int) -> str:
    # The operation is part of the arguments: one key cannot name a booking and a cancellation.
    return json.dumps({"operation": operation, **arguments}, sort_keys=True, separators=(",", ":"))


def for_booking(key: str, event_id: int, quantity: int) -> IdempotencyRecord:
    validate_key(key)
    return IdempotencyRecord(key, _canonical(BOOK_EVENT, eventId=event_id, quantity=quantity))


def for_cancellation(key: str, booking_id: int) -> IdempotencyRecord:
    validate_key(key)
    return IdempotencyRecord(key, _canonical(CANCEL_BOOKING, bookingId=booking_id))


async def replay(conn: asyncpg.Connection, user_id: int, record: IdempotencyRecord) -> Booking | None:
    """The booking (as it is now) that the user's first call with this key made; None if no call with it
    committed. The same key with other arguments is BAD_USER_INPUT."""
    found = await conn.fetchrow(_LOOKUP_SQL, user_id, record.key)
    if found is None:
        return None
    fields = dict(found)
    if fields.pop("key_operation") is None or fields.pop("key_arguments") != record.arguments:
        raise BadUserInput(
            "This idempotencyKey was already used for a different request; send a fresh key for a new request"
        )
    return booking_from_record(fields)


async def at_most_once(
    conn: asyncpg.Connection,
    user_id: int | None,
    key: IdempotencyRecord | None,
    change: Callable[[], Awaitable[asyncpg.Record]],
) -> Booking:
    """Make `change` (a transaction of its own that stores `key` with what it writes) unless the user's key already
    names a committed outcome, and answer the booking. A change refused because a racing call with the same key
    won (on the lock or a unique index) answers that call's outcome instead."""
    if key is None or user_id is None:
        return booking_from_record(await change())
    if (first := await replay(conn, user_id, key)) is not None:
        return first
    try:
        record = await change()
    except DomainError:
        if (first := await replay(conn, user_id, key)) is not None:
            return first
        raise
    # Built after COMMIT: nothing that can wait runs while the lock is held.
    return booking_from_record(record)


async def prune_keys(conn: asyncpg.Connection, older_than_seconds: float = KEY_TTL_SECONDS) -> int:
    """Forget keys older than `older_than_seconds`; how many went."""
    # asyncpg answers a command tag such as "DELETE 12".
    return int((await conn.execute(_PRUNE_SQL, older_than_seconds)).split()[-1])
