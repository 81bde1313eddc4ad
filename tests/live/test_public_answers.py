"""Whole answers to signed-out queries are kept in the read cache: only when computed from it alone for a signed-out
caller, and dropped by the next announced change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select, text

from boxoffice.booking.ledger import new_event
from boxoffice.booking.service import book
from boxoffice.db.models import Event, EventStatus, Role
from tests.live.conftest import Server
from tests.live.test_read_cache import announced, listening
from tests.support.factories import booker as as_booker
from tests.support.graphql import post

PAGE = "{ events(first: 50) { edges { node { id seatsRemaining } } } }"
EVENT_TITLE = "query($id: ID!) { event(id: $id) { title } }"
WITH_ORGANIZER = "query($id: ID!) { event(id: $id) { id organizer { name } } }"


async def _answers(server: Server) -> int:
    return int((await listening(server)).stats()["answers"])


async def test_a_repeated_signed_out_query_is_answered_from_the_cache(server: Server, make_event) -> None:
    cache = await listening(server)
    await make_event(capacity=10)
    first = await server.graphql(PAGE)
    hits = cache.hits
    assert await server.graphql(PAGE) == first
    assert await _answers(server) == 1
    assert cache.hits == hits + 1


async def test_a_kept_answer_is_dropped_once_a_change_is_announced(server: Server, db, make_event, make_user) -> None:
    cache = await listening(server)
    event = await make_event(capacity=10)
    booker = await make_user()
    for _ in range(2):
        assert (await server.graphql(PAGE))["events"]["edges"][0]["node"]["seatsRemaining"] == 10
    seen = cache.notifications
    async with db.sessions() as session:
        await book(session, as_booker(booker.id), event.id, 3)
    await announced(cache, seen)
    assert (await server.graphql(PAGE))["events"]["edges"][0]["node"]["seatsRemaining"] == 7


async def test_a_signed_in_callers_answer_is_not_kept(server: Server, make_event, make_user) -> None:
    await listening(server)
    await make_event()
    token = server.token(await make_user())
    for _ in range(2):
        await server.graphql(PAGE, token=token)
    assert await _answers(server) == 0


async def test_an_answer_that_read_the_database_is_not_kept(server: Server, db, make_event, make_user) -> None:
    await listening(server)
    organizer = await make_user(Role.ORGANIZER, name="Before")
    variables = {"id": str((await make_event(organizer=organizer)).id)}
    for _ in range(2):
        assert (await server.graphql(WITH_ORGANIZER, variables))["event"]["organizer"]["name"] == "Before"
    assert await _answers(server) == 0
    # A user's name is not announced on the events feed: a kept answer would show the old one.
    async with db.engine.begin() as connection:
        await connection.execute(text("UPDATE users SET name = 'After' WHERE id = :id"), {"id": organizer.id})
    assert (await server.graphql(WITH_ORGANIZER, variables))["event"]["organizer"]["name"] == "After"


async def test_an_answer_that_found_no_event_is_not_kept(server: Server, db, make_user) -> None:
    await listening(server)
    organizer = await make_user(Role.ORGANIZER)
    async with db.sessions() as session:
        unused = await session.scalar(select(func.coalesce(func.max(Event.id), 0) + 1000))
    variables = {"id": str(unused)}
    for _ in range(2):
        assert (await server.graphql(EVENT_TITLE, variables))["event"] is None
    # A new event is not announced (only changes are): it is seen at once all the same.
    async with db.sessions() as session, session.begin():
        event = new_event(
            organizer_id=organizer.id,
            title="Just added",
            venue="Hall",
            starts_at=datetime.now(UTC) + timedelta(days=3),
            capacity=5,
            status=EventStatus.PUBLISHED,
        )
        event.id = unused
        session.add(event)
    assert (await server.graphql(EVENT_TITLE, variables))["event"] == {"title": "Just added"}


async def test_an_answer_with_errors_is_not_kept(server: Server) -> None:
    await listening(server)
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        for _ in range(2):
            assert (await post(http, "{ events(first: 0) { edges { cursor } } }")).codes == ["BAD_USER_INPUT"]
    assert await _answers(server) == 0


async def test_a_bad_token_is_refused_though_the_signed_out_answer_is_kept(server: Server, make_event) -> None:
    await listening(server)
    await make_event()
    for _ in range(2):
        await server.graphql(PAGE)
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        assert (await post(http, PAGE, token="not-a-token")).codes == ["UNAUTHENTICATED"]
