"""Fan-out per snapshot, not per subscriber: shared renderings, per-caller myBooking, bounded memory."""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import Callable
from typing import Any

from graphql.execution.collect_fields import FieldDetails
from sqlalchemy import text

from boxoffice.api import fanout
from boxoffice.auth.actor import Actor
from boxoffice.booking.simulate import simulate_bookings
from boxoffice.db.models import Role
from boxoffice.db.session import Database
from boxoffice.live import LiveConfig, LiveHub
from tests.conftest import EventFactory, UserFactory
from tests.live.conftest import EVENT_UPDATES, Server, Subscribe, Subscription, open_subscription

BOOK = "mutation ($id: ID!) { bookEvent(eventId: $id) { id status waitlistPosition } }"
TITLE_ONLY = "subscription ($id: ID!) { eventUpdates(eventId: $id) { title seatsRemaining } }"
WITH_BOOKINGS = "subscription ($id: ID!) { eventUpdates(eventId: $id) { id description bookings { id } } }"
DESCRIPTION = "subscription ($id: ID!) { eventUpdates(eventId: $id) { id description organizer { name } } }"


async def _counters(db: Database, event_id: int) -> tuple[int, int]:
    async with db.engine.connect() as connection:
        row = (
            await connection.execute(
                text("SELECT seats_remaining, waitlist_count FROM events WHERE id = :id"), {"id": event_id}
            )
        ).one()
    return int(row[0]), int(row[1])


async def _collect_until(
    subscription: Subscription, predicate: Callable[[dict[str, Any]], bool], within: float = 60.0
) -> list[dict[str, Any]]:
    """Every push up to and including the first that matches `predicate`."""
    seen: list[dict[str, Any]] = []

    def matches(data: dict[str, Any]) -> bool:
        seen.append(data)
        return predicate(data)

    await subscription.until(matches, within)
    return seen


async def test_many_subscribers_of_one_document_all_end_on_the_final_state_from_shared_renderings(
    server: Server, db: Database, make_event: EventFactory, subscribe: Subscribe
) -> None:
    event = await make_event(capacity=40)
    variables = {"id": str(event.id)}
    renderings_before, shared_before = fanout.stats.renderings, fanout.stats.shared_subscriptions
    watchers = [await subscribe(server.ws_url, EVENT_UPDATES, variables) for _ in range(150)]
    for watcher in watchers:
        assert (await watcher.next_data())["eventUpdates"]["seatsRemaining"] == 40

    report = await simulate_bookings(db, Actor.system(), event.id, 500, max_users=20_000)
    assert report.failed == 0 and not report.overbooked
    seats, waitlist = await _counters(db, event.id)
    assert (seats, waitlist) == (0, 460)

    for watcher in watchers:
        final = await watcher.until(lambda d: d["eventUpdates"]["waitlistLength"] == waitlist, within=30)
        assert final["eventUpdates"]["seatsRemaining"] == 0
        assert final["eventUpdates"]["myBooking"] is None
    # Each snapshot was rendered once for all 150 of them, not once per subscriber.
    assert fanout.stats.shared_subscriptions - shared_before == 150
    assert fanout.stats.renderings - renderings_before <= server.hub.stats()["published"]


async def test_signed_in_subscribers_each_get_their_own_booking_and_never_another_ones(
    server: Server, make_user: UserFactory, make_event: EventFactory, subscribe: Subscribe
) -> None:
    event = await make_event(capacity=3)
    variables = {"id": str(event.id)}
    bookers = [await make_user() for _ in range(8)]
    bystander = await make_user()
    mine = {user.id: await subscribe(server.ws_url, EVENT_UPDATES, variables, server.token(user)) for user in bookers}
    others = [await subscribe(server.ws_url, EVENT_UPDATES, variables, server.token(bystander))]
    others += [await subscribe(server.ws_url, EVENT_UPDATES, variables) for _ in range(3)]
    for subscription in [*mine.values(), *others]:
        assert (await subscription.next_data())["eventUpdates"]["myBooking"] is None

    answers = await asyncio.gather(*(server.graphql(BOOK, variables, server.token(user)) for user in bookers))
    booked = {user.id: answer["bookEvent"] for user, answer in zip(bookers, answers, strict=True)}
    assert sorted(b["status"] for b in booked.values()) == ["CONFIRMED"] * 3 + ["WAITLISTED"] * 5

    for user_id, subscription in mine.items():
        pushes = await _collect_until(
            subscription,
            lambda d: d["eventUpdates"]["waitlistLength"] == 5 and d["eventUpdates"]["myBooking"] is not None,
        )
        # Never someone else's booking on the way, and their own (with its place in line) at the end.
        assert {p["eventUpdates"]["myBooking"]["id"] for p in pushes if p["eventUpdates"]["myBooking"]} == {
            booked[user_id]["id"]
        }
        assert pushes[-1]["eventUpdates"]["myBooking"] == booked[user_id]
    for subscription in others:
        pushes = await _collect_until(subscription, lambda d: d["eventUpdates"]["waitlistLength"] == 5)
        assert all(p["eventUpdates"]["myBooking"] is None for p in pushes)


async def test_other_variables_and_other_selections_get_their_own_rendering(
    server: Server, make_user: UserFactory, make_event: EventFactory, subscribe: Subscribe
) -> None:
    first, second = await make_event(capacity=5), await make_event(capacity=7)
    on_first = [await subscribe(server.ws_url, EVENT_UPDATES, {"id": str(first.id)}) for _ in range(3)]
    on_second = [await subscribe(server.ws_url, EVENT_UPDATES, {"id": str(second.id)}) for _ in range(3)]
    titles = [await subscribe(server.ws_url, TITLE_ONLY, {"id": str(first.id)}) for _ in range(3)]
    for subscription in [*on_first, *on_second, *titles]:
        await subscription.next_data()

    token = server.token(await make_user())
    await server.graphql(BOOK, {"id": str(first.id)}, token)
    await server.graphql(BOOK, {"id": str(second.id)}, token)

    for subscription in on_first:
        data = (await subscription.until(lambda d: d["eventUpdates"]["seatsRemaining"] == 4))["eventUpdates"]
        assert (data["id"], data["capacity"]) == (str(first.id), 5)
    for subscription in on_second:
        data = (await subscription.until(lambda d: d["eventUpdates"]["seatsRemaining"] == 6))["eventUpdates"]
        assert (data["id"], data["capacity"]) == (str(second.id), 7)
    for subscription in titles:
        data = (await subscription.until(lambda d: d["eventUpdates"]["seatsRemaining"] == 4))["eventUpdates"]
        assert data == {"title": first.title, "seatsRemaining": 4}


async def test_a_selection_that_depends_on_the_caller_is_answered_per_caller(
    server: Server, make_user: UserFactory, make_event: EventFactory, subscribe: Subscribe
) -> None:
    owner = await make_user(Role.ORGANIZER)
    event = await make_event(capacity=5, organizer=owner)
    variables = {"id": str(event.id)}
    shared_before = fanout.stats.shared_subscriptions
    organizer = await subscribe(server.ws_url, WITH_BOOKINGS, variables, server.token(owner))
    audience = await subscribe(server.ws_url, WITH_BOOKINGS, variables, server.token(await make_user()))
    assert (await organizer.next_data())["eventUpdates"]["bookings"] == []
    refused = await audience.message()
    assert refused["type"] == "next", refused
    assert [error["extensions"]["code"] for error in refused["payload"]["errors"]] == ["FORBIDDEN"]
    assert fanout.stats.shared_subscriptions == shared_before

    booked = (await server.graphql(BOOK, variables, server.token(await make_user())))["bookEvent"]
    data = await organizer.until(lambda d: d["eventUpdates"]["bookings"] != [])
    assert data["eventUpdates"]["bookings"] == [{"id": booked["id"]}]


def _field_details() -> int:
    gc.collect()
    return sum(1 for obj in gc.get_objects() if type(obj) is FieldDetails)


async def test_memory_per_subscription_does_not_grow_with_the_pushes(
    server: Server, db: Database, make_user: UserFactory, make_event: EventFactory, subscribe: Subscribe
) -> None:
    owner = await make_user(Role.ORGANIZER)
    event = await make_event(capacity=5, organizer=owner)
    variables = {"id": str(event.id)}
    # One shared rendering, and one executed per subscriber (a field only its organizer may see).
    shared = await subscribe(server.ws_url, DESCRIPTION, variables)
    executed = await subscribe(server.ws_url, WITH_BOOKINGS, variables, server.token(owner))
    await shared.next_data()
    await executed.next_data()

    async def push(count: int, start: int) -> None:
        for number in range(start, start + count):
            async with db.engine.begin() as connection:
                await connection.execute(
                    text("UPDATE events SET description = :d WHERE id = :id"), {"d": str(number), "id": event.id}
                )
            for subscription in (shared, executed):
                await subscription.until(lambda d, n=number: d["eventUpdates"]["description"] == str(n))

    await push(10, 0)
    after_warm_up = _field_details()
    await push(40, 10)
    # graphql-core's shared memo kept several FieldDetails per push per subscriber, forever.
    assert _field_details() - after_warm_up < 40


CANCEL = "mutation ($id: ID!) { cancelBooking(id: $id) { id status } }"
NESTED = """
subscription ($id: ID!) {
  eventUpdates(eventId: $id) { seatsRemaining waitlistLength myBooking { id event { seatsRemaining } } }
}
"""


async def test_a_subscriber_booking_answer_follows_its_promotion_and_places_in_line(
    server: Server, make_user: UserFactory, make_event: EventFactory, subscribe: Subscribe
) -> None:
    event = await make_event(capacity=1)
    variables = {"id": str(event.id)}
    users = [await make_user() for _ in range(4)]
    booked = [(await server.graphql(BOOK, variables, server.token(user)))["bookEvent"] for user in users]
    assert [b["waitlistPosition"] for b in booked] == [None, 1, 2, 3]
    watching = [await subscribe(server.ws_url, EVENT_UPDATES, variables, server.token(user)) for user in users[1:]]
    for subscription, mine in zip(watching, booked[1:], strict=True):
        # Their first snapshot already has their booking, even when a read was under way as they subscribed.
        assert (await subscription.next_data())["eventUpdates"]["myBooking"] == mine

    # The confirmed one leaves: the first in line is promoted, and everyone behind moves up.
    await server.graphql(CANCEL, {"id": booked[0]["id"]}, server.token(users[0]))
    expected = [("CONFIRMED", None), ("WAITLISTED", 1), ("WAITLISTED", 2)]
    for subscription, mine, (status, position) in zip(watching, booked[1:], expected, strict=True):
        data = await subscription.until(lambda d: d["eventUpdates"]["waitlistLength"] == 2)
        assert data["eventUpdates"]["myBooking"] == {"id": mine["id"], "status": status, "waitlistPosition": position}


async def test_a_booking_answer_that_includes_its_event_follows_every_snapshot(
    server: Server, make_user: UserFactory, make_event: EventFactory, subscribe: Subscribe
) -> None:
    event = await make_event(capacity=10)
    variables = {"id": str(event.id)}
    me = await make_user()
    mine = (await server.graphql(BOOK, variables, server.token(me)))["bookEvent"]
    watcher = await subscribe(server.ws_url, NESTED, variables, server.token(me))
    first = (await watcher.next_data())["eventUpdates"]
    assert first["myBooking"] == {"id": mine["id"], "event": {"seatsRemaining": 9}}

    for _ in range(3):
        await server.graphql(BOOK, variables, server.token(await make_user()))
    last = (await watcher.until(lambda d: d["eventUpdates"]["seatsRemaining"] == 6))["eventUpdates"]
    assert last["myBooking"] == {"id": mine["id"], "event": {"seatsRemaining": 6}}


def test_an_event_with_a_large_audience_is_read_less_often() -> None:
    hub = LiveHub(LiveConfig(min_read_interval=0.1, max_pushes_per_second=1_000))
    hub._event_subscribers[1] = {object() for _ in range(500)}  # type: ignore[misc]
    hub._event_subscribers[2] = {object() for _ in range(20)}  # type: ignore[misc]
    # 500 subscribers: two snapshots a second at most; a small audience keeps ten.
    assert (hub._read_interval(1), hub._read_interval(2), hub._read_interval(3)) == (0.5, 0.1, 0.1)


async def test_shared_pushes_carry_each_operation_own_id_on_one_connection(
    server: Server, make_event: EventFactory
) -> None:
    event = await make_event(capacity=5)
    variables = {"id": str(event.id)}
    first = await open_subscription(server.ws_url, EVENT_UPDATES, variables)
    socket = first.socket
    for operation, query in (("two", EVENT_UPDATES), ('th"ree', TITLE_ONLY)):
        payload = {"query": query, "variables": variables}
        await socket.send(json.dumps({"id": operation, "type": "subscribe", "payload": payload}))
    firsts: dict[str, dict[str, Any]] = {}
    while len(firsts) < 3:
        message = await first.message()
        assert message["type"] == "next", message
        firsts.setdefault(message["id"], message["payload"]["data"]["eventUpdates"])
    assert firsts["1"]["seatsRemaining"] == firsts["two"]["seatsRemaining"] == 5
    assert firsts['th"ree'] == {"title": event.title, "seatsRemaining": 5}
    await socket.send(json.dumps({"id": "two", "type": "complete"}))
    await socket.close()
