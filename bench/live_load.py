"""Live-update load: WebSocket subscribers (graphql-transport-ws, the `websockets` package) on one event.

Each subscriber keeps only the last snapshot it was sent and how many it got, so that after a run one can
check that everyone ended on the final state.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException
from websockets.typing import Subprotocol

PROTOCOL = Subprotocol("graphql-transport-ws")
CONNECT_TIMEOUT = 30.0
OPENING_AT_ONCE = 32

PUBLIC_SNAPSHOT = """
subscription ($id: ID!) { eventUpdates(eventId: $id) { id seatsRemaining waitlistLength status } }
"""
SIGNED_IN_SNAPSHOT = """
subscription ($id: ID!) {
  eventUpdates(eventId: $id) { id seatsRemaining waitlistLength status myBooking { id status waitlistPosition } }
}
"""


@dataclass
class Subscriber:
    """One connection with one `eventUpdates` subscription; signed in when it has a token."""

    token: str | None = None
    user_id: int | None = None
    last: dict[str, Any] | None = None
    messages: int = 0
    error: str | None = None
    got_first: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def query(self) -> str:
        return SIGNED_IN_SNAPSHOT if self.token else PUBLIC_SNAPSHOT

    def record(self, message: dict[str, Any]) -> None:
        payload = message.get("payload") or {}
        if payload.get("errors"):
            self.error = json.dumps(payload["errors"])[:300]
        else:
            self.last = payload["data"]["eventUpdates"]
            self.messages += 1
        self.got_first.set()


async def _listen(url: str, subscriber: Subscriber, event_id: int, opening: asyncio.Semaphore) -> None:
    try:
        async with opening:
            socket = await connect(
                url, subprotocols=[PROTOCOL], open_timeout=CONNECT_TIMEOUT, close_timeout=2, max_size=2**20
            )
        async with socket:
            payload = {"Authorization": f"Bearer {subscriber.token}"} if subscriber.token else {}
            await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
            ack = json.loads(await asyncio.wait_for(socket.recv(), CONNECT_TIMEOUT))
            if ack.get("type") != "connection_ack":
                raise RuntimeError(f"no connection_ack: {ack}")
            subscribe = {"query": subscriber.query, "variables": {"id": str(event_id)}}
            await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
            async for raw in socket:
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "ping":
                    await socket.send('{"type":"pong"}')
                elif kind == "next":
                    subscriber.record(message)
                elif kind in ("error", "complete"):
                    raise RuntimeError(f"subscription ended: {message}")
    except (OSError, WebSocketException, RuntimeError, TimeoutError) as error:
        subscriber.error = repr(error)[:300]
    finally:
        subscriber.got_first.set()


@dataclass
class Audience:
    """Subscribers listening in background tasks until close()."""

    subscribers: list[Subscriber]
    tasks: list[asyncio.Task[None]]

    @classmethod
    def open(cls, url: str, event_id: int, subscribers: Iterable[Subscriber]) -> Audience:
        opening = asyncio.Semaphore(OPENING_AT_ONCE)
        listed = list(subscribers)
        tasks = [asyncio.create_task(_listen(url, s, event_id, opening)) for s in listed]
        return cls(listed, tasks)

    async def first_snapshots(self, within: float) -> int:
        """Wait until every subscriber got its first snapshot (or failed); how many failed or never got one."""
        waits = [asyncio.create_task(s.got_first.wait()) for s in self.subscribers]
        _, pending = await asyncio.wait(waits, timeout=within)
        for waiting in pending:
            waiting.cancel()
        return sum(1 for s in self.subscribers if s.last is None or s.error)

    def failed(self) -> list[Subscriber]:
        return [s for s in self.subscribers if s.error]

    def messages(self) -> int:
        return sum(s.messages for s in self.subscribers)

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*self.tasks, return_exceptions=True)
