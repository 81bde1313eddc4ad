"""Real servers for the live tests: uvicorn in this process on free ports, over the shared test database,
and a small graphql-transport-ws client on the `websockets` library."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect

from boxoffice.app import create_app
from boxoffice.auth.tokens import TokenCodec
from boxoffice.config import Settings
from boxoffice.db.models import User
from boxoffice.db.session import Database
from boxoffice.live import LiveConfig, LiveHub
from tests.support.graphql import GraphQL
from tests.support.servers import free_port

# Short, so the slow-client test does not wait long for its drop.
TEST_LIVE_CONFIG = LiveConfig(send_timeout=1.5, feed_linger=0.5)


@dataclass
class Server:
    app: FastAPI
    port: int
    database: Database

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def hub(self) -> LiveHub:
        return self.app.state.live_hub

    def token(self, user: User) -> str:
        codec: TokenCodec = self.app.state.tokens
        return codec.issue(user.id).token

    async def graphql(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
        """`data`; any GraphQL error fails the test (GraphQLError)."""
        return await GraphQL(self.base_url, token)(query, variables)


@contextlib.asynccontextmanager
async def running_server(settings: Settings, database: Database) -> AsyncIterator[Server]:
    """An app on its own port: its own hub and LISTEN connection, as a separate worker or host would have."""
    app = create_app(settings, database=database)
    app.state.live_hub = LiveHub(TEST_LIVE_CONFIG)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app=app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield Server(app, port, database)
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)


@pytest.fixture
async def server(api_settings: Settings, db: Database) -> AsyncIterator[Server]:
    async with running_server(api_settings, db) as running:
        yield running


class Subscription:
    """One graphql-transport-ws connection carrying one subscription."""

    def __init__(self, socket_: ClientConnection, operation_id: str = "1") -> None:
        self.socket = socket_
        self.id = operation_id

    async def message(self, within: float = 10.0) -> dict[str, Any]:
        while True:
            message = json.loads(await asyncio.wait_for(self.socket.recv(), within))
            if message["type"] == "ping":
                await self.socket.send(json.dumps({"type": "pong"}))
                continue
            return message

    async def next_data(self, within: float = 10.0) -> dict[str, Any]:
        message = await self.message(within)
        assert message["type"] == "next", message
        assert not message["payload"].get("errors"), message
        return message["payload"]["data"]

    async def until(self, predicate: Callable[[dict[str, Any]], bool], within: float = 30.0) -> dict[str, Any]:
        """The first pushed data matching `predicate`, skipping earlier pushes."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            assert remaining > 0, "no matching push in time"
            data = await self.next_data(remaining)
            if predicate(data):
                return data


Subscribe = Callable[..., Awaitable[Subscription]]


async def open_subscription(
    url: str, query: str, variables: dict[str, Any] | None = None, token: str | None = None, **connect_options: Any
) -> Subscription:
    socket_ = await connect(
        url,
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        **connect_options,
    )
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    await socket_.send(json.dumps({"type": "connection_init", "payload": payload}))
    ack = json.loads(await asyncio.wait_for(socket_.recv(), 10))
    assert ack["type"] == "connection_ack", ack
    await socket_.send(
        json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables or {}}})
    )
    return Subscription(socket_)


@pytest.fixture
async def subscribe() -> AsyncIterator[Subscribe]:
    opened: list[Subscription] = []

    async def open_(
        url: str, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> Subscription:
        subscription = await open_subscription(url, query, variables, token)
        opened.append(subscription)
        return subscription

    yield open_
    for subscription in opened:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(subscription.socket.close(), 5)


async def wait_until(condition: Callable[[], bool], within: float = 10.0, what: str = "condition") -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


EVENT_UPDATES = """
subscription ($id: ID!) {
  eventUpdates(eventId: $id) {
    id capacity seatsRemaining waitlistLength status myBooking { id status waitlistPosition }
  }
}
"""

MY_BOOKING_UPDATES = """
subscription { myBookingUpdates { id status quantity waitlistPosition event { id seatsRemaining } user { id } } }
"""
