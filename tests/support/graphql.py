"""GraphQL over HTTP for every test: the ASGI app in process, `boxoffice serve`, or a server on a port.

Two ways to call, on any `httpx.AsyncClient`:
- `post(http, query, ...)` answers a `Reply` (status, body, data, errors, codes), for tests about errors;
- `graphql(http, query, ...)` answers `data` and raises `GraphQLError` (carrying the codes) on any error.
`GraphQL` binds a base URL (and optionally a token) for tests that act as several people.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

import httpx

LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token user { id email role } } }"
REGISTER = "mutation($e: String!, $p: String!, $n: String!) { register(email: $e, password: $p, name: $n) { token } }"
BOOK = "mutation($id: ID!) { bookEvent(eventId: $id) { id status waitlistPosition } }"
# Registrations made by `GraphQL.register`; long enough for the password rules.
REGISTER_PASSWORD = "long-enough-password"


class GraphQLError(AssertionError):
    """The server answered a test's own call with errors; `codes` are their extensions' codes."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"GraphQL errors: {errors}")
        self.errors = errors
        self.codes = [error.get("extensions", {}).get("code") for error in errors]


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

    def ok(self) -> Any:
        """`data`, or GraphQLError if the reply carries errors."""
        if self.errors:
            raise GraphQLError(self.errors)
        return self.data


def _headers(token: str | None, headers: dict[str, str] | None) -> dict[str, str]:
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    return sent


async def post(
    http: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """POST /graphql (relative to the client's base URL) and keep the whole answer."""
    sent = {"query": query, "variables": variables or {}}
    response = await http.post("/graphql", json=sent, headers=_headers(token, headers))
    return Reply(response.status_code, response.json())


async def graphql(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, token: str | None = None
) -> Any:
    """POST /graphql and return `data`; GraphQL errors raise GraphQLError carrying their codes."""
    return (await post(http, query, variables, token)).ok()


async def login(http: httpx.AsyncClient, email: str, password: str) -> tuple[str, dict[str, Any]]:
    """Sign in: the token and the user's id, email and role."""
    payload = (await graphql(http, LOGIN, {"e": email, "p": password}))["login"]
    return payload["token"], payload["user"]


@dataclass(frozen=True)
class GraphQL:
    """A client of one server, signed in as `email` when it has a token; each call opens its own connection."""

    base_url: str
    token: str | None = None
    email: str | None = None
    timeout: float = 120

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout)

    async def reply(self, query: str, variables: dict[str, Any] | None = None) -> Reply:
        async with self._client() as http:
            return await post(http, query, variables, self.token)

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        return (await self.reply(query, variables)).ok()

    def signed_in(self, token: str, email: str | None = None) -> GraphQL:
        return replace(self, token=token, email=email)

    async def login(self, email: str, password: str) -> GraphQL:
        async with self._client() as http:
            token, _ = await login(http, email, password)
        return self.signed_in(token, email)

    async def register(self, label: str) -> GraphQL:
        """Registers a fresh AUDIENCE user (unique email) and returns a client signed in as them."""
        email = f"{label}-{uuid.uuid4().hex[:8]}@example.com"
        name = label.replace("-", " ").title()
        data = await self(REGISTER, {"e": email, "p": REGISTER_PASSWORD, "n": name})
        return self.signed_in(data["register"]["token"], email)

    async def book(self, event_id: str, quantity: int) -> dict[str, Any]:
        data = await self(
            "mutation($id: ID!, $q: Int!) { bookEvent(eventId: $id, quantity: $q) { id status waitlistPosition } }",
            {"id": event_id, "q": quantity},
        )
        booking: dict[str, Any] = data["bookEvent"]
        return booking

    async def cancel_booking(self, booking_id: str) -> None:
        await self("mutation($id: ID!) { cancelBooking(id: $id) { id status } }", {"id": booking_id})

    async def event(self, event_id: str) -> dict[str, Any]:
        data = await self(
            "query($id: ID!) { event(id: $id) { id title capacity seatsRemaining waitlistLength status } }",
            {"id": event_id},
        )
        event: dict[str, Any] = data["event"]
        return event

    async def published_events(self) -> list[dict[str, Any]]:
        data = await self(
            "{ events(status: PUBLISHED, first: 50) { edges { node { id title capacity seatsRemaining } } } }"
        )
        return [edge["node"] for edge in data["events"]["edges"]]
