"""A person's own account (name, password, deletion) and the admin's deactivation of accounts.

Deleting an account cancels its active bookings through the booking engine, in the same transaction as the
deletion, so the people waiting behind them move up exactly as if each booking had been cancelled by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.auth.actor import Actor
from boxoffice.auth.passwords import hash_password, verify_password
from boxoffice.auth.service import MAX_PASSWORD, load_user, validate_name, validate_password
from boxoffice.auth.throttle import AuthThrottle
from boxoffice.booking.service import cancel_user_bookings
from boxoffice.db.driver import driver_transaction
from boxoffice.db.models import ACTIVE_BOOKING_STATUSES, Role, User, sql_in
from boxoffice.errors import BadUserInput, Conflict, Forbidden, NotFound, Unauthenticated

# A booking made on another event while the deletion runs is seen once the user's row is locked; the
# deletion then starts over (without holding that row) rather than risk a lock cycle with the booker.
_DELETE_ATTEMPTS = 5

_LOCK_USER_SQL = "SELECT role FROM users WHERE id = $1 FOR UPDATE"
_ACTIVE_BOOKINGS_SQL = (
    f"SELECT count(*) FROM bookings WHERE user_id = $1 AND {sql_in('status', ACTIVE_BOOKING_STATUSES)}"
)
_ORGANIZED_EVENTS_SQL = "SELECT count(*) FROM events WHERE organizer_id = $1"
_OTHER_ADMINS_SQL = f"SELECT count(*) FROM users WHERE role = '{Role.ADMIN}' AND id <> $1 AND deactivated_at IS NULL"


@dataclass(frozen=True)
class AccountDeletion:
    cancelled_bookings: int
    promoted: int


def _own_account(actor: Actor) -> int:
    """The account an actor changes for itself: their own, so they must be signed in."""
    if actor.user_id is None:
        raise Unauthenticated("Sign in first: this needs a valid token (`Authorization: Bearer <token>`)")
    return actor.user_id


class _BookedMeanwhile(Exception):
    """The user booked something while their account was being deleted: start over."""


async def _user(session: AsyncSession, user_id: int) -> User:
    user = await load_user(session, user_id)
    if user is None:
        raise NotFound(f"User {user_id} does not exist")
    return user


async def _check_password(
    session: AsyncSession, user_id: int, password: str, *, throttle: AuthThrottle, bcrypt_rounds: int
) -> User:
    """The user, once `password` is theirs; wrong guesses count towards the sign-in throttle of their email."""
    user = await _user(session, user_id)
    await throttle.check_reauthentication(session, user.email)
    await session.commit()  # no pooled connection held while bcrypt runs
    if not await verify_password(password[: MAX_PASSWORD * 4], user.password_hash, bcrypt_rounds):
        await throttle.reauthentication_failed(session, user.email)
        raise BadUserInput("Current password is not right")
    return user


async def change_name(session: AsyncSession, actor: Actor, name: str) -> User:
    """The actor's own display name."""
    user_id = _own_account(actor)
    cleaned = validate_name(name)
    async with driver_transaction(session) as conn:
        updated = await conn.fetchval("UPDATE users SET name = $2 WHERE id = $1 RETURNING id", user_id, cleaned)
    if updated is None:
        raise NotFound(f"User {user_id} does not exist")
    return await _user(session, user_id)


async def change_password(
    session: AsyncSession,
    actor: Actor,
    current_password: str,
    new_password: str,
    *,
    throttle: AuthThrottle,
    bcrypt_rounds: int,
) -> User:
    """Set the actor's new password and bump the token version: every token issued before stops working."""
    user_id = _own_account(actor)
    validate_password(new_password)
    await _check_password(session, user_id, current_password, throttle=throttle, bcrypt_rounds=bcrypt_rounds)
    password_hash = await hash_password(new_password, bcrypt_rounds)
    async with driver_transaction(session) as conn:
        await conn.execute(
            "UPDATE users SET password_hash = $2, token_version = token_version + 1 WHERE id = $1",
            user_id,
            password_hash,
        )
    return await _user(session, user_id)


async def delete_account(
    session: AsyncSession, actor: Actor, password: str, *, throttle: AuthThrottle, bcrypt_rounds: int
) -> AccountDeletion:
    """Delete the actor's own account: its active bookings are cancelled (the line moves up behind each), then
    the user and their booking history go, all in one transaction."""
    user_id = _own_account(actor)
    await _check_password(session, user_id, password, throttle=throttle, bcrypt_rounds=bcrypt_rounds)
    for _ in range(_DELETE_ATTEMPTS):
        try:
            async with driver_transaction(session) as conn:
                return await _delete(conn, user_id)
        except _BookedMeanwhile:
            continue
    raise Conflict("Your bookings kept changing while the account was being deleted; try again")


async def _delete(conn: asyncpg.Connection, user_id: int) -> AccountDeletion:
    # Event locks first, in id order, as every booking writer takes them.
    cancelled = await cancel_user_bookings(conn, user_id)
    # Then the user's row: from here on no booking can be made for them (its foreign key check waits for
    # this transaction, then finds the user gone). One made just before shows up below.
    role = await conn.fetchval(_LOCK_USER_SQL, user_id)
    if role is None:
        raise NotFound(f"User {user_id} does not exist")
    if await conn.fetchval(_ACTIVE_BOOKINGS_SQL, user_id):
        raise _BookedMeanwhile
    if await conn.fetchval(_ORGANIZED_EVENTS_SQL, user_id):
        raise Conflict("This account organizes events, so it cannot be deleted; ask an admin to deactivate it instead")
    if role == Role.ADMIN and not await conn.fetchval(_OTHER_ADMINS_SQL, user_id):
        raise Conflict("This is the last admin; make someone else an admin first")
    await conn.execute("DELETE FROM users WHERE id = $1", user_id)
    return AccountDeletion(cancelled_bookings=cancelled.bookings, promoted=cancelled.promoted)


async def set_user_active(session: AsyncSession, actor: Actor, user_id: int, active: bool) -> User:
    """Deactivate (no sign-in, tokens refused) or reactivate an account (ADMIN only). Admins cannot deactivate
    themselves, so at least one active admin always remains."""
    if not actor.is_admin:
        raise Forbidden("Only admins can do this")
    if not active and actor.is_user(user_id):
        raise Conflict("You cannot deactivate your own account")
    async with driver_transaction(session) as conn:
        updated = await conn.fetchval(
            "UPDATE users SET deactivated_at = CASE WHEN $2 THEN NULL ELSE coalesce(deactivated_at, now()) END "
            "WHERE id = $1 AND NOT synthetic RETURNING id",
            user_id,
            active,
        )
    if updated is None:
        raise NotFound(f"User {user_id} does not exist")
    return await _user(session, user_id)
