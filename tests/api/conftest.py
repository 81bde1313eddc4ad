"""An HTTP client on the app, over a real PostgreSQL (the shared `db` fixture), and helpers to call GraphQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from boxoffice.app import create_app
from boxoffice.auth.passwords import hash_password
from boxoffice.auth.tokens import TokenCodec
from boxoffice.config import Settings
from boxoffice.db.models import Role, User
from boxoffice.db.session import Database

TEST_ROUNDS = 4
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def api_settings(test_settings: Settings) -> Settings:
    # Cheap hashing: every round doubles bcrypt's cost and the suite signs in a lot.
    return test_settings.model_copy(update={"bcrypt_rounds": TEST_ROUNDS})


@pytest.fixture
def app(api_settings: Settings, db: Database) -> FastAPI:
    return create_app(api_settings, database=db)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture
def tokens(app: FastAPI) -> TokenCodec:
    return app.state.tokens


@dataclass
class Reply:
    status: int
    body: dict[str, Any]

    @property
    def data(self) -> Any:
        return self.body.get("data")

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.body.get("errors") or []

    @property
    def codes(self) -> list[str]:
        return [error.get("extensions", {}).get("code") for error in self.errors]

    @property
    def code(self) -> str | None:
        return self.codes[0] if self.codes else None


GraphQL = Callable[..., Awaitable[Reply]]


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GraphQL:
    async def call(
        query: str, variables: dict[str, Any] | None = None, token: str | None = None, **headers: str
    ) -> Reply:
        sent = dict(headers)
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        response = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=sent)
        return Reply(response.status_code, response.json())

    return call


@pytest.fixture
def token_for(tokens: TokenCodec) -> Callable[[User], str]:
    return lambda user: tokens.issue(user.id).token


@pytest.fixture
def make_account(db: Database) -> Callable[..., Awaitable[User]]:
    """A user with a real password hash, who can sign in with PASSWORD."""
    counter = iter(range(1, 1_000_000))

    async def make(role: Role = Role.AUDIENCE, email: str | None = None) -> User:
        n = next(counter)
        user = User(
            email=email or f"account{n}@example.com",
            name=f"Account {n}",
            role=role,
            password_hash=await hash_password(PASSWORD, TEST_ROUNDS),
        )
        async with db.sessions() as session, session.begin():
            session.add(user)
        return user

    return make


async def count_rows(db: Database) -> dict[str, int]:
    async with db.engine.connect() as connection:
        return {
            table: int((await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
            for table in ("users", "events", "bookings")
        }


async def table_snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to show a refused request changed nothing."""
    async with db.engine.connect() as connection:
        return {
            table: [tuple(row) for row in await connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))]
            for table in ("users", "events", "bookings")
        }
