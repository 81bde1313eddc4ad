"""Bounded overload: requests wait for the database in arrival order, and are turned away fast, having written
nothing, when the line is full or their wait too long. Against a real server with a deliberately tiny pool."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text

from boxoffice.api.overload import Admission
from boxoffice.config import Settings
from boxoffice.db.session import Database
from boxoffice.errors import RateLimited
from tests.live.conftest import Server, running_server, wait_until
from tests.support.graphql import GraphQL

BOOK = "mutation($id: ID!) { bookEvent(eventId: $id) { id status } }"


@contextlib.asynccontextmanager
async def tiny_server(api_settings: Settings, **limits: Any) -> AsyncIterator[Server]:
    """A server whose pool has one connection, so one request at a time has the database."""
    settings = api_settings.model_copy(update={"pool_size": 1, "pool_max_overflow": 0, **limits})
    database = Database(settings)
    try:
        async with running_server(settings, database) as server:
            yield server
    finally:
        await database.close()


@contextlib.asynccontextmanager
async def event_locked(db: Database, event_id: int) -> AsyncIterator[None]:
    """Hold the event's row lock from outside the server, so a booking that reaches it waits in the database."""
    async with db.engine.connect() as connection:
        transaction = await connection.begin()
        await connection.execute(text("SELECT id FROM events WHERE id = :id FOR UPDATE"), {"id": event_id})
        try:
            yield
        finally:
            await transaction.commit()


async def book(server: Server, event_id: int, token: str) -> dict[str, Any]:
    reply = await GraphQL(server.base_url, token).reply(BOOK, {"id": str(event_id)})
    assert reply.status == 200
    return reply.body


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors") or []]


async def booked_users(db: Database, event_id: int) -> set[int]:
    async with db.engine.connect() as connection:
        rows = await connection.execute(text("SELECT user_id FROM bookings WHERE event_id = :id"), {"id": event_id})
        return {row[0] for row in rows}


async def test_a_full_line_turns_newcomers_away_at_once_and_they_write_nothing(
    api_settings, db, make_event, make_user
) -> None:
    event = await make_event(capacity=100)
    users = [await make_user() for _ in range(10)]
    async with tiny_server(api_settings, overload_max_waiting=2, overload_max_wait_seconds=60) as server:
        admission: Admission = server.app.state.admission
        tokens = [server.token(user) for user in users]
        async with event_locked(db, event.id):
            first = asyncio.create_task(book(server, event.id, tokens[0]))
            await wait_until(lambda: admission.in_use == 1, what="the first booking to hold the database")
            waiting = [asyncio.create_task(book(server, event.id, token)) for token in tokens[1:3]]
            await wait_until(lambda: admission.waiting == 2, what="two bookings to wait in line")
            # The line is full: the rest are answered while the first booking still waits for the row lock.
            turned_away = await asyncio.gather(*(book(server, event.id, token) for token in tokens[3:]))
            assert not first.done()
        admitted = [await first, *await asyncio.gather(*waiting)]
    for body in turned_away:
        assert codes(body) == ["RATE_LIMITED"]
        assert body["data"] is None
    for body in admitted:
        assert codes(body) == []
        assert body["data"]["bookEvent"]["status"] == "CONFIRMED"
    assert await booked_users(db, event.id) == {user.id for user in users[:3]}


async def test_a_request_that_waits_too_long_is_turned_away_and_writes_nothing(
    api_settings, db, make_event, make_user
) -> None:
    event = await make_event(capacity=100)
    holder, late = await make_user(), await make_user()
    async with tiny_server(api_settings, overload_max_waiting=10, overload_max_wait_seconds=0.3) as server:
        admission: Admission = server.app.state.admission
        async with event_locked(db, event.id):
            first = asyncio.create_task(book(server, event.id, server.token(holder)))
            await wait_until(lambda: admission.in_use == 1, what="the first booking to hold the database")
            refused = await book(server, event.id, server.token(late))
            assert not first.done()
        assert codes(await first) == []
    assert codes(refused) == ["RATE_LIMITED"]
    assert await booked_users(db, event.id) == {holder.id}


async def test_a_cached_public_read_does_not_wait_for_the_database(api_settings, db, make_event, make_user) -> None:
    event = await make_event(capacity=100)
    holder = await make_user()
    query = "query($id: ID!) { event(id: $id) { id seatsRemaining } }"
    async with tiny_server(api_settings, overload_max_waiting=0, overload_max_wait_seconds=60) as server:
        admission: Admission = server.app.state.admission
        await wait_until(lambda: server.app.state.read_cache.enabled, what="the read cache")
        assert (await server.graphql(query, {"id": str(event.id)}))["event"]["seatsRemaining"] == 100
        async with event_locked(db, event.id):
            first = asyncio.create_task(book(server, event.id, server.token(holder)))
            await wait_until(lambda: admission.in_use == 1, what="the booking to hold the database")
            # The database's only place is taken and nobody may wait, yet the cached read is answered.
            assert (await server.graphql(query, {"id": str(event.id)}))["event"]["seatsRemaining"] == 100
        assert codes(await first) == []


async def test_places_are_handed_out_in_arrival_order() -> None:
    admission = Admission(1, max_waiting=10, max_wait=60)
    await admission.acquire()
    served: list[int] = []

    async def take(n: int) -> None:
        await admission.acquire()
        served.append(n)

    waiters = []
    for n in range(5):
        waiters.append(asyncio.create_task(take(n)))
        await wait_until(lambda n=n: admission.waiting == n + 1, what="the waiter to queue")
    for _ in range(5):
        admission.release()
        await wait_until(lambda: len(served) == len([w for w in waiters if w.done()]) and admission.waiting < 5)
    await asyncio.gather(*waiters)
    assert served == [0, 1, 2, 3, 4]


async def test_a_waiter_that_gave_up_does_not_keep_a_place() -> None:
    admission = Admission(1, max_waiting=10, max_wait=0.05)
    await admission.acquire()
    with pytest.raises(RateLimited):
        await admission.acquire()
    admission.release()
    assert admission.in_use == 0
    await admission.acquire()
    assert admission.in_use == 1


async def test_every_request_gives_its_place_back(api_settings, db, make_event, make_user) -> None:
    event = await make_event(capacity=100)
    users = [await make_user() for _ in range(6)]
    async with tiny_server(api_settings, overload_max_waiting=10, overload_max_wait_seconds=60) as server:
        admission: Admission = server.app.state.admission
        replies = await asyncio.gather(*(book(server, event.id, server.token(user)) for user in users))
        # Also a request that fails inside a resolver, and one refused before any resolver runs.
        failed = await book(server, event.id, server.token(users[0]))
        refused = await GraphQL(server.base_url).reply("{ nope }")
        await wait_until(lambda: admission.in_use == 0, what="every place to be given back")
    assert [codes(reply) for reply in replies] == [[]] * 6
    assert codes(failed) == ["CONFLICT"]
    assert codes(refused.body) == ["BAD_USER_INPUT"]
