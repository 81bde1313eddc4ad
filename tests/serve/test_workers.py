"""`boxoffice serve --workers 2`: a rush of bookings over many connections never oversells."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psutil

from boxoffice.booking.invariants import check_invariants
from boxoffice.config import Settings
from boxoffice.db.session import Database
from tests.support.demo import demo_password
from tests.support.graphql import BOOK, REGISTER, graphql, login
from tests.support.servers import postgres_processes

FANS = 200
CAPACITY = 20
CREATE = "mutation($input: EventInput!) { createEvent(input: $input) { id } }"
PUBLISH = "mutation($id: ID!) { publishEvent(id: $id) { id status } }"
CONFIRMED = """
query($id: ID!) {
  event(id: $id) { seatsRemaining waitlistLength bookings(status: CONFIRMED) { quantity } }
}
"""


async def _register(client: httpx.AsyncClient, n: int) -> str:
    variables = {"e": f"fan{n}@example.com", "p": "a long enough password", "n": f"Fan {n}"}
    return str((await graphql(client, REGISTER, variables))["register"]["token"])


async def test_two_workers_never_oversell_a_rush(serve: Any) -> None:
    server = serve("--workers", "2")
    workers = [child for child in psutil.Process(server.process.pid).children() if "python" in child.name()]
    assert len(workers) >= 2, "serve --workers 2 should run two worker processes"

    # Many connections at once, so the kernel spreads them over both workers' accept queues.
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=120, limits=limits) as client:
        organizer, _ = await login(client, "organizer@example.com", demo_password("organizer@example.com"))
        starts = (datetime.now(UTC) + timedelta(days=10)).isoformat()
        event_input = {"title": "Rush", "venue": "Hall", "startsAt": starts, "capacity": CAPACITY}
        event_id = (await graphql(client, CREATE, {"input": event_input}, organizer))["createEvent"]["id"]
        await graphql(client, PUBLISH, {"id": event_id}, organizer)

        tokens = await asyncio.gather(*(_register(client, n) for n in range(FANS)))
        bookings = await asyncio.gather(*(graphql(client, BOOK, {"id": event_id}, token) for token in tokens))

        statuses = [booking["bookEvent"]["status"] for booking in bookings]
        assert statuses.count("CONFIRMED") == CAPACITY
        assert statuses.count("WAITLISTED") == FANS - CAPACITY
        positions = sorted(b["bookEvent"]["waitlistPosition"] for b in bookings if b["bookEvent"]["waitlistPosition"])
        assert positions == list(range(1, FANS - CAPACITY + 1))

        admin, _ = await login(client, "admin@example.com", demo_password("admin@example.com"))
        event = (await graphql(client, CONFIRMED, {"id": event_id}, admin))["event"]
        assert event["seatsRemaining"] == 0 and event["waitlistLength"] == FANS - CAPACITY
        assert sum(booking["quantity"] for booking in event["bookings"]) == CAPACITY

    # And straight from the table, through the embedded server's socket that serve printed.
    direct = Database(Settings(database_url=server.database_url(), pool_size=1, pool_max_overflow=0))
    try:
        async with direct.session() as session:
            report = await check_invariants(session, [int(event_id)])
        assert report.ok, report.violations
    finally:
        await direct.close()

    assert server.stop() == 0, server.text
    assert postgres_processes(server.data_dir) == []
