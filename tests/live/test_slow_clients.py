"""A client that stops reading is dropped, and costs the others nothing while it stalls."""

from __future__ import annotations

import asyncio
import json
import socket

from sqlalchemy import text
from websockets.asyncio.client import connect

from boxoffice.db.session import Database
from tests.live.conftest import Server, Subscribe, open_subscription, wait_until
from tests.support.factories import EventFactory

# ~125 kB per push: a stalled reader fills the socket buffers within seconds instead of minutes.
_ALIASES = " ".join(f"d{n}: description" for n in range(25))
HEAVY = "subscription ($id: ID!) { eventUpdates(eventId: $id) { " + _ALIASES + " } }"
LIGHT = "subscription ($id: ID!) { eventUpdates(eventId: $id) { id description } }"


async def _keep_changing(db: Database, event_id: int, stop: asyncio.Event, counter: list[int]) -> None:
    """A hot event: its description changes every few milliseconds, each time to a numbered text."""
    while not stop.is_set():
        counter[0] += 1
        async with db.engine.begin() as connection:
            await connection.execute(
                text("UPDATE events SET description = :d WHERE id = :id"),
                {"d": f"{counter[0]:08d}" + "x" * 4_990, "id": event_id},
            )
        await asyncio.sleep(0.005)


def _number(description: str) -> int:
    return int(description[:8]) if description[:8].isdigit() else 0


async def test_a_stalled_subscriber_is_dropped_without_stalling_the_others(
    server: Server, db: Database, make_event: EventFactory, subscribe: Subscribe
) -> None:
    event = await make_event(capacity=100)
    variables = {"id": str(event.id)}

    # The stalled client: a tiny receive buffer, a one-message queue, no compression (the pushes must fill
    # the socket buffers, not shrink to nothing), and it never reads.
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.setblocking(False)
    await asyncio.get_running_loop().sock_connect(raw, ("127.0.0.1", server.port))
    stalled = await open_subscription(server.ws_url, HEAVY, variables, sock=raw, max_queue=1, compression=None)

    reader = await subscribe(server.ws_url, LIGHT, variables)
    await reader.next_data()
    await wait_until(lambda: server.hub.stats()["event_subscribers"] == 2, what="both subscriptions")

    stop, counter = asyncio.Event(), [0]
    writer = asyncio.create_task(_keep_changing(db, event.id, stop, counter))
    loop = asyncio.get_running_loop()
    try:
        # While the stalled one fills its buffers and is dropped, the reader keeps getting fresh snapshots.
        worst_gap, last = 0.0, loop.time()
        deadline = last + 60
        while server.hub.stats()["dropped"] == 0:
            data = (await reader.next_data(within=5))["eventUpdates"]
            now = loop.time()
            worst_gap, last = max(worst_gap, now - last), now
            assert counter[0] - _number(data["description"]) < 200, "the reader fell behind"
            assert now < deadline, "the stalled subscriber was never dropped"
        assert worst_gap < 2.0, worst_gap
        assert server.hub.stats()["event_subscribers"] == 1

        # And after the drop, still fresh.
        target = counter[0]
        await reader.until(lambda d: _number(d["eventUpdates"]["description"]) >= target, within=5)
    finally:
        stop.set()
        await writer
        stalled.socket.transport.abort()

    await reader.socket.close()
    await wait_until(lambda: server.hub.stats()["event_subscribers"] == 0, what="the reader to leave")
    assert server.hub.stats()["dropped"] == 1


async def test_a_client_that_goes_away_is_forgotten(
    server: Server, make_event: EventFactory, subscribe: Subscribe
) -> None:
    event = await make_event()
    async with connect(server.ws_url, subprotocols=["graphql-transport-ws"]) as socket_:  # type: ignore[list-item]
        await socket_.send('{"type": "connection_init", "payload": {}}')
        await socket_.recv()
        query = f'subscription {{ eventUpdates(eventId: "{event.id}") {{ id }} }}'
        await socket_.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        await socket_.recv()
        assert server.hub.stats()["event_subscribers"] == 1
    await wait_until(lambda: server.hub.stats()["event_subscribers"] == 0, what="the subscriber to be forgotten")
