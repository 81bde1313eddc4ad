"""Accounts: register, sign in, who is calling, and role changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.auth.actor import Actor
from boxoffice.auth.passwords import hash_password, verify_password
from boxoffice.auth.throttle import AuthThrottle
from boxoffice.db.driver import driver_connection
from boxoffice.db.models import Role, User
from boxoffice.db.transaction import transaction
from boxoffice.errors import BadUserInput, Conflict, Forbidden, NotFound, Unauthenticated


def _as_is(value: Any) -> Any:
    return value


def _as_enum(enum_class: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else enum_class(value)


def _user_fields() -> list[tuple[str, str, Callable[[Any], Any]]]:
    """(attribute, column, conversion) for every column of User; enum columns become their enum."""
    fields: list[tuple[str, str, Callable[[Any], Any]]] = []
    for attribute in sa_inspect(User).column_attrs:
        column = attribute.columns[0]
        enum_class = getattr(column.type, "enum_class", None)
        fields.append((attribute.key, column.name, _as_enum(enum_class) if enum_class else _as_is))
    return fields


_USER_FIELDS = _user_fields()
_USER_BY_ID_SQL = f"SELECT {', '.join(column for _, column, _ in _USER_FIELDS)} FROM users WHERE id = $1"

MIN_PASSWORD = 8
MAX_PASSWORD = 128
MAX_NAME = 100
MAX_EMAIL = 254


@dataclass(frozen=True)
class Registration:
    email: str
    password: str
    name: str


def normalize_email(email: str) -> str:
    if len(email) > MAX_EMAIL:
        raise BadUserInput(f"Email must be at most {MAX_EMAIL} characters")
    try:
        # Deliverability would need DNS on every sign-up; the address only has to be well formed.
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise BadUserInput(f"Email is not a valid address: {error}") from error
    return checked.normalized.lower()


def validate_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise BadUserInput(f"Password must be at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise BadUserInput(f"Password must be at most {MAX_PASSWORD} characters")
    return password


def validate_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise BadUserInput("Name must not be empty")
    if len(cleaned) > MAX_NAME:
        raise BadUserInput(f"Name must be at most {MAX_NAME} characters (this one has {len(cleaned)})")
    return cleaned


async def find_by_email(session: AsyncSession, email: str) -> User | None:
    query = select(User).where(func.lower(User.email) == email.strip().lower(), User.synthetic.is_(False))
    return (await session.execute(query)).scalar_one_or_none()


async def register(
    session: AsyncSession,
    registration: Registration,
    *,
    bcrypt_rounds: int,
    throttle: AuthThrottle | None = None,
    client: str | None = None,
) -> User:
    """A new AUDIENCE account; roles are only ever raised by an admin.

    The password is hashed between two short transactions, never while a pooled connection is held.
    """
    email = normalize_email(registration.email)
    password = validate_password(registration.password)
    name = validate_name(registration.name)
    if throttle is not None:
        await throttle.count_registration(session, client)
    if await find_by_email(session, email) is not None:
        raise Conflict("An account with this email already exists; sign in instead")
    await session.commit()  # gives the connection back to the pool while bcrypt runs
    password_hash = await hash_password(password, bcrypt_rounds)
    user = User(email=email, name=name, role=Role.AUDIENCE, password_hash=password_hash)
    try:
        async with transaction(session):
            session.add(user)
    except IntegrityError as error:
        # Two sign-ups with one address at once: the unique index on lower(email) decides.
        if "uq_users_email_lower" in str(error.orig):
            raise Conflict("An account with this email already exists; sign in instead") from error
        raise
    return user


async def create_admin(session: AsyncSession, email: str, password: str, name: str, *, bcrypt_rounds: int) -> User:
    """A new ADMIN account, for `boxoffice create-admin`: the way to the first admin of a production database."""
    email = normalize_email(email)
    password = validate_password(password)
    name = validate_name(name)
    if await find_by_email(session, email) is not None:
        raise Conflict(f"An account with the email {email} already exists")
    await session.commit()
    password_hash = await hash_password(password, bcrypt_rounds)
    user = User(email=email, name=name, role=Role.ADMIN.value, password_hash=password_hash)
    async with transaction(session):
        session.add(user)
    return user


async def login(
    session: AsyncSession,
    email: str,
    password: str,
    *,
    throttle: AuthThrottle,
    client: str | None,
    bcrypt_rounds: int,
) -> User:
    """The account, if the password is right. Throttled per (email, client), per client and per email (see
    auth/throttle.py); the password is checked with no transaction open and no pooled connection held."""
    await throttle.check_login(session, email, client)
    user = await find_by_email(session, email) if len(email) <= MAX_EMAIL else None
    await session.commit()
    # Unknown emails are checked against a dummy hash too, so timing does not tell which emails exist.
    valid = await verify_password(password[: MAX_PASSWORD * 4], user.password_hash if user else None, bcrypt_rounds)
    if user is None or not valid:
        await throttle.login_failed(session, email, client)
        raise Unauthenticated("Wrong email or password")
    await throttle.login_succeeded(session, email, client)
    # Told only to someone who knows the password, so it does not reveal which accounts are deactivated.
    if user.deactivated_at is not None:
        raise Unauthenticated(DEACTIVATED_MESSAGE)
    return user


DEACTIVATED_MESSAGE = "This account has been deactivated; ask an admin to reactivate it"


class TokenHolder(Protocol):
    """What a token is checked against: the account it was issued for, as read for this operation."""

    @property
    def token_version(self) -> int: ...

    @property
    def deactivated_at(self) -> datetime | None: ...


Holder = TypeVar("Holder", bound=TokenHolder)


def refuse_token_of(account: Holder | None, token_version: int) -> Holder:
    """The account a token of `token_version` stands for; UNAUTHENTICATED when it no longer exists, is deactivated,
    or the token was issued before the password last changed. The one place these rules live: the API's caller read
    and the booking engine's in-lock read (booking/service.py) both ask it."""
    if account is None:
        raise Unauthenticated("The account this token belongs to no longer exists")
    if account.deactivated_at is not None:
        raise Unauthenticated(DEACTIVATED_MESSAGE)
    if token_version != account.token_version:
        raise Unauthenticated("Your password was changed since you signed in here; sign in again")
    return account


async def load_user(session: AsyncSession, user_id: int) -> User | None:
    """The caller, read fresh on every request so role changes and deletions apply at once.

    One primary-key read straight on the session's pooled connection, outside the ORM's query pipeline and
    its identity map (this runs for every signed-in request): the User returned is a detached copy.
    """
    async with driver_connection(session) as connection:
        record = await connection.fetchrow(_USER_BY_ID_SQL, user_id)
    if record is None:
        return None
    return User(**{key: convert(record[column]) for key, column, convert in _USER_FIELDS})


async def set_user_role(session: AsyncSession, actor: Actor, user_id: int, role: Role) -> User:
    """Give a user a role (ADMIN only); the last admin cannot be demoted."""
    if not actor.is_admin:
        raise Forbidden("Only admins can do this")
    async with transaction(session):
        # Lock the admins first: two admins demoting each other at once must not leave nobody in charge.
        admins = (
            (await session.execute(select(User.id).where(User.role == Role.ADMIN).with_for_update())).scalars().all()
        )
        if role != Role.ADMIN and admins == [user_id]:
            raise Conflict("This is the last admin; make someone else an admin first")
        updated = await session.execute(update(User).where(User.id == user_id).values(role=role).returning(User.id))
        if updated.scalar_one_or_none() is None:
            raise NotFound(f"User {user_id} does not exist")
    user = await load_user(session, user_id)
    assert user is not None
    return user
