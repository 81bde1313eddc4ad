"""Shared fixtures: one real PostgreSQL per test run, migrated once, emptied before every test; the app over it.

The helpers behind these fixtures live in tests/support/.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.app import create_app
from boxoffice.auth.tokens import TokenCodec
from boxoffice.booking.ledger import OFFER_MINUTE, set_offer_minute
from boxoffice.config import Settings
from boxoffice.db.embedded import EmbeddedPostgres, remove_orphaned_clusters
from boxoffice.db.migrate import migrate
from boxoffice.db.models import User
from boxoffice.db.session import Database
from tests.support.factories import TEST_BCRYPT_ROUNDS, EventFactory, UserFactory
from tests.support.graphql import Reply, post

TEST_DATABASE = "boxoffice_test"


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Run as root, a data directory under a private (0700) temporary directory keeps its cluster under
    /var/lib/boxoffice (db/embedded.py): remove those whose temporary directory is gone."""
    remove_orphaned_clusters(under=Path(tempfile.gettempdir()))


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
def api_settings(test_settings: Settings) -> Settings:
    """The settings of every app the tests build: cheap hashing, since the suite signs in a lot."""
    return test_settings.model_copy(update={"bcrypt_rounds": TEST_BCRYPT_ROUNDS})


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
        await connection.execute(text("TRUNCATE bookings, events, users, auth_throttle RESTART IDENTITY CASCADE"))


@pytest.fixture
def offer_minute() -> Iterator[Callable[[float], None]]:
    """`offer_minute(seconds)`: how long an offer's minute lasts in this test (BOXOFFICE_OFFER_MINUTE_SECONDS), so
    that a deadline passes in a moment; restored afterwards."""
    before = OFFER_MINUTE.seconds
    yield set_offer_minute
    set_offer_minute(before)


@pytest.fixture
async def seat_check_dropped(db: Database) -> AsyncIterator[None]:
    """For the control tests: remove the database's own last line of defence (seats_remaining >= 0) too, to show
    what the lock alone prevents; the tables are emptied and the check restored afterwards."""
    async with db.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE events DROP CONSTRAINT ck_events_seats_nonnegative"))
    yield
    async with db.engine.begin() as connection:
        await connection.execute(text("TRUNCATE bookings, events, users RESTART IDENTITY CASCADE"))
        await connection.execute(
            text("ALTER TABLE events ADD CONSTRAINT ck_events_seats_nonnegative CHECK (seats_remaining >= 0)")
        )


@pytest.fixture
async def session(db: Database) -> AsyncIterator[AsyncSession]:
    async with db.sessions() as session:
        yield session


@pytest.fixture
def make_user(db: Database) -> UserFactory:
    return UserFactory(db)


@pytest.fixture
def make_event(db: Database, make_user: UserFactory) -> EventFactory:
    return EventFactory(db, make_user)


@pytest.fixture
def app(api_settings: Settings, db: Database) -> FastAPI:
    return create_app(api_settings, database=db)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP to the app in this process (no port), over the test database."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=120) as http:
        yield http


@pytest.fixture
def tokens(app: FastAPI) -> TokenCodec:
    codec: TokenCodec = app.state.tokens
    return codec


@pytest.fixture
def token_for(tokens: TokenCodec) -> Callable[[User], str]:
    return lambda user: tokens.issue(user.id).token


GraphQLCall = Callable[..., Any]


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GraphQLCall:
    """`await gql(query, variables, token=..., **headers)` on the app: the whole Reply, errors included."""

    async def call(
        query: str, variables: dict[str, Any] | None = None, token: str | None = None, **headers: str
    ) -> Reply:
        return await post(client, query, variables, token, headers)

    return call
