"""Shared fixtures: one real PostgreSQL per test run, migrated once, emptied before every test."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.booking.ledger import new_event
from boxoffice.config import Settings
from boxoffice.db.embedded import EmbeddedPostgres
from boxoffice.db.migrate import migrate
from boxoffice.db.models import Event, EventStatus, Role, User
from boxoffice.db.session import Database

TEST_DATABASE = "boxoffice_test"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """DATABASE_URL when set (a server you run), else a fresh embedded PostgreSQL for this run."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    embedded = EmbeddedPostgres(tmp_path_factory.mktemp("pg"), max_connections=1000)
    embedded.start(TEST_DATABASE)
    yield embedded.url(TEST_DATABASE)
    embedded.stop()


@pytest.fixture(scope="session")
def test_settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=Path(tmp_path_factory.mktemp("data")),
        environment="test",
        pool_size=8,
        pool_max_overflow=4,
    )


@pytest.fixture(scope="session")
async def db(test_settings: Settings) -> AsyncIterator[Database]:
    database = Database(test_settings)
    await migrate(database.engine)
    yield database
    await database.close()


@pytest.fixture(autouse=True)
async def clean_tables(request: pytest.FixtureRequest) -> None:
    """Every test that touches the database starts from empty tables."""
    if "db" not in request.fixturenames:
        return
    database: Database = request.getfixturevalue("db")
    async with database.engine.begin() as connection:
        await connection.execute(text("TRUNCATE bookings, events, users RESTART IDENTITY CASCADE"))


@pytest.fixture
async def session(db: Database) -> AsyncIterator[AsyncSession]:
    async with db.sessions() as session:
        yield session


UserFactory = Callable[..., Awaitable[User]]
EventFactory = Callable[..., Awaitable[Event]]


@pytest.fixture
def make_user(db: Database) -> UserFactory:
    counter = iter(range(1, 1_000_000))

    async def make(role: Role = Role.AUDIENCE, email: str | None = None, name: str | None = None) -> User:
        n = next(counter)
        user = User(
            email=email or f"user{n}@example.com",
            name=name or f"User {n}",
            role=role,
            password_hash="not-a-real-hash",
        )
        async with db.sessions() as s, s.begin():
            s.add(user)
        return user

    return make


@pytest.fixture
def make_event(db: Database, make_user: UserFactory) -> EventFactory:
    async def make(
        capacity: int = 10, status: EventStatus = EventStatus.PUBLISHED, organizer: User | None = None
    ) -> Event:
        organizer = organizer or await make_user(Role.ORGANIZER)
        event = new_event(
            organizer_id=organizer.id,
            title="Test concert",
            venue="Main hall",
            starts_at=datetime.now(UTC) + timedelta(days=30),
            capacity=capacity,
            status=status,
        )
        async with db.sessions() as s, s.begin():
            s.add(event)
        return event

    return make


async def make_users(db: Database, count: int, prefix: str = "bulk") -> list[int]:
    """Many audience users in one statement, for the concurrency tests."""
    async with db.engine.begin() as connection:
        rows = await connection.execute(
            text(
                "INSERT INTO users (email, name, role, password_hash) "
                "SELECT :prefix || n || '@example.com', 'Bulk ' || n, 'AUDIENCE', 'x' "
                "FROM generate_series(1, :count) n RETURNING id"
            ),
            {"prefix": prefix, "count": count},
        )
        return sorted(rows.scalars().all())
