"""`boxoffice serve` end to end: a fresh data directory, the demo logins, the small event's waitlist, Ctrl-C."""

from __future__ import annotations

from typing import Any

import httpx

from boxoffice.seed.demo import DEMO_LOGINS
from tests.support.graphql import BOOK, REGISTER, graphql, login
from tests.support.servers import postgres_processes

EVENTS = "{ events(first: 50) { edges { node { id title capacity seatsRemaining waitlistLength status } } } }"


async def test_serve_seeds_the_demo_serves_it_and_stops_cleanly_on_ctrl_c(serve: Any) -> None:
    server = serve()
    assert "alice@example.com" in server.text and "/graphql" in server.text
    assert postgres_processes(server.data_dir), "the embedded PostgreSQL should run under the data directory"

    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        tokens = {}
        for demo in DEMO_LOGINS:
            token, user = await login(client, demo.email, demo.password)
            assert (user["email"], user["role"]) == (demo.email, demo.role.value)
            tokens[demo.email] = token

        events = [edge["node"] for edge in (await graphql(client, EVENTS))["events"]["edges"]]
        assert len(events) >= 3 and all(event["status"] == "PUBLISHED" for event in events)
        small = next(event for event in events if event["capacity"] == 10)
        assert "10 seats" in small["title"]

        # Every demo login books a seat, then newcomers register and book until the line starts.
        bookings = [(await graphql(client, BOOK, {"id": small["id"]}, token))["bookEvent"] for token in tokens.values()]
        newcomer = 0
        while bookings[-1]["status"] == "CONFIRMED":
            newcomer += 1
            variables = {"e": f"fan{newcomer}@example.com", "p": "a long enough password", "n": f"Fan {newcomer}"}
            token = (await graphql(client, REGISTER, variables))["register"]["token"]
            bookings.append((await graphql(client, BOOK, {"id": small["id"]}, token))["bookEvent"])

        assert [booking["status"] for booking in bookings] == ["CONFIRMED"] * 10 + ["WAITLISTED"]
        assert bookings[-1]["waitlistPosition"] == 1
        after = await graphql(client, f'{{ event(id: "{small["id"]}") {{ seatsRemaining waitlistLength }} }}')
        assert after["event"] == {"seatsRemaining": 0, "waitlistLength": 1}

    assert server.stop() == 0, server.text
    assert "Boxoffice stopped" in server.text
    assert postgres_processes(server.data_dir) == [], "the embedded PostgreSQL should stop with the server"


async def test_serve_keeps_an_existing_database_and_no_demo_skips_the_seed(serve: Any) -> None:
    first = serve("--no-demo")
    assert "skipped (--no-demo)" in first.text
    async with httpx.AsyncClient(base_url=first.base_url, timeout=30) as client:
        assert (await graphql(client, EVENTS))["events"]["edges"] == []
        await graphql(client, REGISTER, {"e": "early@example.com", "p": "a long enough password", "n": "Early"})
    assert first.stop() == 0, first.text

    # Same data directory: the user registered above is kept and the demo is not seeded over it.
    second = serve()
    assert "not seeded, the database already has users" in second.text
    async with httpx.AsyncClient(base_url=second.base_url, timeout=30) as client:
        await login(client, "early@example.com", "a long enough password")
        assert (await graphql(client, EVENTS))["events"]["edges"] == []
    assert second.stop() == 0, second.text
    assert postgres_processes(second.data_dir) == []
