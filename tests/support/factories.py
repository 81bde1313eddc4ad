"""Rows the tests start from: users (optionally with a password that signs in), events, many users at once."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from boxoffice.auth.actor import Actor
from boxoffice.auth.passwords import hash_password
from boxoffice.booking.ledger import new_event
from boxoffice.db.models import Event, EventStatus, Role, User, WaitlistPolicy
from boxoffice.db.session import Database

# Cheap hashing for every password the tests set or sign in with: each bcrypt round doubles the cost.
TEST_BCRYPT_ROUNDS = 4
# The password of users made with `password=PASSWORD` (any string works; this one is long enough to register).
PASSWORD = "correct horse battery"
# Stored for users who never sign in: no password matches it, and it costs no hashing.
NO_PASSWORD_HASH = "not-a-real-hash"


def booker(user_id: int) -> Actor:
    """The Actor of an audience user booking or cancelling for themself (admins and organizers book the same way)."""
    return Actor.user(user_id, Role.AUDIENCE)


class UserFactory:
    """`await make_user(role, email=..., name=..., password=...)`: one committed user with a fresh email."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._numbers = itertools.count(1)

    async def __call__(
        self,
        role: Role = Role.AUDIENCE,
        email: str | None = None,
        name: str | None = None,
        password: str | None = None,
    ) -> User:
        n = next(self._numbers)
        password_hash = NO_PASSWORD_HASH if password is None else await hash_password(password, TEST_BCRYPT_ROUNDS)
        user = User(
            email=email or f"user{n}@example.com",
            name=name or f"User {n}",
            role=role,
            password_hash=password_hash,
        )
        async with self._db.sessions() as session, session.begin():
            session.add(user)
        return user


class EventFactory:
    """`await make_event(capacity, status, organizer, waitlist_policy=..., offer_minutes=...)`: one committed event,
    a month ahead, no bookings yet."""

    def __init__(self, db: Database, make_user: UserFactory) -> None:
        self._db = db
        self._make_user = make_user

    async def __call__(
        self,
        capacity: int = 10,
        status: EventStatus = EventStatus.PUBLISHED,
        organizer: User | None = None,
        *,
        waitlist_policy: WaitlistPolicy = WaitlistPolicy.AUTO_CONFIRM,
        offer_minutes: int = 60,
    ) -> Event:
        organizer = organizer or await self._make_user(Role.ORGANIZER)
        event = new_event(
            organizer_id=organizer.id,
            title="Test concert",
            venue="Main hall",
            starts_at=datetime.now(UTC) + timedelta(days=30),
            capacity=capacity,
            status=status,
            waitlist_policy=waitlist_policy,
            offer_minutes=offer_minutes,
        )
        async with self._db.sessions() as session, session.begin():
            session.add(event)
        return event


async def make_users(db: Database, count: int, prefix: str = "bulk") -> list[int]:
    """Many audience users in one statement, for the concurrency tests; their ids in order."""
    async with db.engine.begin() as connection:
        rows = await connection.execute(
            text(
                "INSERT INTO users (email, name, role, password_hash) "
                "SELECT :prefix || n || '@example.com', 'Bulk ' || n, 'AUDIENCE', :hash "
                "FROM generate_series(1, :count) n RETURNING id"
            ),
            {"prefix": prefix, "count": count, "hash": NO_PASSWORD_HASH},
        )
        return sorted(rows.scalars().all())
