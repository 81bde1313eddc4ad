"""`boxoffice serve` as a real subprocess, and a small GraphQL-over-HTTP helper."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers import ServeProcess

# Cheap hashing for the seeded logins and every registration: each bcrypt round doubles the cost.
TEST_BCRYPT_ROUNDS = "4"


class GraphQLError(AssertionError):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.codes = [error.get("extensions", {}).get("code") for error in errors]


async def graphql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, token: str | None = None
) -> dict[str, Any]:
    """POST /graphql and return `data`; GraphQL errors raise GraphQLError carrying their codes."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    body = response.json()
    if body.get("errors"):
        raise GraphQLError(body["errors"])
    return body["data"]


LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token user { id email role } } }"
REGISTER = "mutation($e: String!, $p: String!, $n: String!) { register(email: $e, password: $p, name: $n) { token } }"
BOOK = "mutation($id: ID!) { bookEvent(eventId: $id) { id status waitlistPosition } }"


async def login(client: httpx.AsyncClient, email: str, password: str) -> tuple[str, dict[str, Any]]:
    payload = (await graphql(client, LOGIN, {"e": email, "p": password}))["login"]
    return payload["token"], payload["user"]


@pytest.fixture
def serve() -> Iterator[Any]:
    """Start `boxoffice serve` with a fresh embedded database; anything still running at the end is stopped.

    The data directory is not pytest's tmp_path: pytest prunes old numbered temp roots when another run
    starts, which can delete a live server's data directory when several test runs share the machine.
    """
    started: list[ServeProcess] = []
    with tempfile.TemporaryDirectory(prefix="boxoffice-serve-", ignore_cleanup_errors=True) as tmp:
        yield from _serving(Path(tmp), started)


def _serving(tmp_path: Path, started: list[ServeProcess]) -> Iterator[Any]:
    def start(*args: str) -> ServeProcess:
        server = ServeProcess.start(
            tmp_path / "data", *args, cwd=tmp_path, env={"BOXOFFICE_BCRYPT_ROUNDS": TEST_BCRYPT_ROUNDS}
        )
        started.append(server)
        return server

    yield start
    for server in started:
        if server.process.poll() is None:
            server.stop()
