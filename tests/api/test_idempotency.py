"""Safe retries over HTTP: bookEvent and cancelBooking with an idempotencyKey, against a running server.

Each request is its own HTTP connection, as a phone retrying after a dropped connection would send it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text

from boxoffice.booking.invariants import check_invariants
from boxoffice.config import Settings
from boxoffice.db.session import Database
from tests.live.conftest import Server, running_server
from tests.support.graphql import GraphQL, Reply
from tests.support.tables import table_snapshot

BOOK = """mutation($id: ID!, $q: Int! = 1, $key: String) {
  bookEvent(eventId: $id, quantity: $q, idempotencyKey: $key) { id status quantity }
}"""
CANCEL = "mutation($id: ID!, $key: String) { cancelBooking(id: $id, idempotencyKey: $key) { id status } }"
RETRIES = 20


@pytest.fixture
async def server(api_settings: Settings, db: Database) -> AsyncIterator[Server]:
    async with running_server(api_settings, db) as running:
        yield running


def client(server: Server, user: Any) -> GraphQL:
    return GraphQL(server.base_url, server.token(user))


async def _bookings_of(db: Database, user_id: int) -> list[tuple[int, str]]:
    async with db.engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT id, status FROM bookings WHERE user_id = :u ORDER BY id"), {"u": user_id}
        )
        return [(int(row[0]), str(row[1])) for row in rows]


async def _invariants_hold(db: Database) -> None:
    async with db.sessions() as session:
        report = await check_invariants(session)
    assert report.ok, report.violations


async def test_concurrent_retries_with_one_key_make_one_booking_and_every_answer_names_it(
    server: Server, db: Database, make_user, make_event
) -> None:
    event = await make_event(capacity=5)
    user = await make_user()
    retrying = client(server, user)

    replies: list[Reply] = await asyncio.gather(
        *(retrying.reply(BOOK, {"id": str(event.id), "key": "tap-1"}) for _ in range(RETRIES))
    )

    assert [reply.errors for reply in replies] == [[]] * RETRIES
    answers = {(r.data["bookEvent"]["id"], r.data["bookEvent"]["status"]) for r in replies}
    booked = await _bookings_of(db, user.id)
    assert len(booked) == 1
    assert answers == {(str(booked[0][0]), "CONFIRMED")}
    await _invariants_hold(db)


async def test_a_later_retry_answers_the_first_booking_as_it_is_now(
    server: Server, db: Database, make_user, make_event
) -> None:
    event = await make_event(capacity=5)
    retrying = client(server, await make_user())
    first = (await retrying(BOOK, {"id": str(event.id), "key": "tap-2"}))["bookEvent"]
    await retrying(CANCEL, {"id": first["id"]})

    again = (await retrying(BOOK, {"id": str(event.id), "key": "tap-2"}))["bookEvent"]

    # Not a second booking, and not the CONFLICT a second plain bookEvent would have met: the first outcome.
    assert (again["id"], again["status"]) == (first["id"], "CANCELLED")


async def test_the_same_key_with_other_arguments_is_bad_input_and_changes_nothing(
    server: Server, db: Database, make_user, make_event
) -> None:
    event, other_event = await make_event(capacity=5), await make_event(capacity=5)
    retrying = client(server, await make_user())
    (await retrying(BOOK, {"id": str(event.id), "key": "tap-3"}))["bookEvent"]
    before = await table_snapshot(db)

    other_quantity = await retrying.reply(BOOK, {"id": str(event.id), "q": 2, "key": "tap-3"})
    other_event_reply = await retrying.reply(BOOK, {"id": str(other_event.id), "key": "tap-3"})

    assert other_quantity.codes == ["BAD_USER_INPUT"], other_quantity.body
    assert other_event_reply.codes == ["BAD_USER_INPUT"], other_event_reply.body
    assert await table_snapshot(db) == before


async def test_a_booking_key_reused_to_cancel_is_bad_input_and_cancels_nothing(
    server: Server, db: Database, make_user, make_event
) -> None:
    event = await make_event(capacity=5)
    retrying = client(server, await make_user())
    booked = (await retrying(BOOK, {"id": str(event.id), "key": "tap-4"}))["bookEvent"]

    reply = await retrying.reply(CANCEL, {"id": booked["id"], "key": "tap-4"})

    assert reply.codes == ["BAD_USER_INPUT"], reply.body
    assert (await retrying("{ myBookings { status } }"))["myBookings"] == [{"status": "CONFIRMED"}]


@pytest.mark.parametrize("key", ["", "k" * 129], ids=["empty", "129 characters"])
async def test_a_key_out_of_bounds_is_bad_input_and_books_nothing(
    server: Server, db: Database, make_user, make_event, key: str
) -> None:
    event = await make_event(capacity=5)
    user = await make_user()

    reply = await client(server, user).reply(BOOK, {"id": str(event.id), "key": key})

    assert reply.codes == ["BAD_USER_INPUT"], reply.body
    assert "128" in reply.errors[0]["message"]
    assert await _bookings_of(db, user.id) == []


async def test_a_key_that_cannot_be_stored_is_bad_input_and_books_nothing(
    server: Server, db: Database, make_user, make_event
) -> None:
    event = await make_event(capacity=5)
    user = await make_user()

    reply = await client(server, user).reply(BOOK, {"id": str(event.id), "key": "tap\u0000"})

    assert reply.codes == ["BAD_USER_INPUT"], reply.body
    assert await _bookings_of(db, user.id) == []


async def test_a_key_of_128_characters_is_taken(server: Server, db: Database, make_user, make_event) -> None:
    event = await make_event(capacity=5)
    retrying = client(server, await make_user())
    key = "k" * 128

    first = (await retrying(BOOK, {"id": str(event.id), "key": key}))["bookEvent"]
    again = (await retrying(BOOK, {"id": str(event.id), "key": key}))["bookEvent"]

    assert first == again


async def test_one_key_sent_by_two_users_makes_two_bookings(
    server: Server, db: Database, make_user, make_event
) -> None:
    event = await make_event(capacity=5)
    alice, bob = client(server, await make_user()), client(server, await make_user())

    first = (await alice(BOOK, {"id": str(event.id), "key": "same"}))["bookEvent"]
    second = (await bob(BOOK, {"id": str(event.id), "key": "same"}))["bookEvent"]

    assert first["id"] != second["id"]
    assert (first["status"], second["status"]) == ("CONFIRMED", "CONFIRMED")


async def test_concurrent_cancel_retries_with_one_key_cancel_once_and_promote_once(
    server: Server, db: Database, make_user, make_event
) -> None:
    event = await make_event(capacity=1)
    holder, waiting = await make_user(), await make_user()
    retrying = client(server, holder)
    held = (await retrying(BOOK, {"id": str(event.id)}))["bookEvent"]
    waited = (await client(server, waiting)(BOOK, {"id": str(event.id)}))["bookEvent"]
    assert waited["status"] == "WAITLISTED"

    replies: list[Reply] = await asyncio.gather(
        *(retrying.reply(CANCEL, {"id": held["id"], "key": "cancel-1"}) for _ in range(RETRIES))
    )

    # No retry met "already cancelled": each answers the one cancellation.
    assert [reply.errors for reply in replies] == [[]] * RETRIES
    assert {(r.data["cancelBooking"]["id"], r.data["cancelBooking"]["status"]) for r in replies} == {
        (held["id"], "CANCELLED")
    }
    assert await _bookings_of(db, waiting.id) == [(int(waited["id"]), "CONFIRMED")]
    async with db.engine.connect() as connection:
        cancellations = (
            await connection.execute(
                text("SELECT count(*) FROM booking_history WHERE booking_id = :b AND status = 'CANCELLED'"),
                {"b": int(held["id"])},
            )
        ).scalar_one()
    assert cancellations == 1
    await _invariants_hold(db)
