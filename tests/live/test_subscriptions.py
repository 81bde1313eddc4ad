"""Subscriptions over a real WebSocket against a running server: bursts, promotions, auth, other workers."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text

from boxoffice.auth.actor import Actor
from boxoffice.booking.simulate import simulate_bookings
from boxoffice.config import Settings
from boxoffice.db.models import EventStatus, Role
from boxoffice.db.session import Database
from tests.live.conftest import (
    EVENT_UPDATES,
    MY_BOOKING_UPDATES,
    Server,
    Subscribe,
    running_server,
    wait_until,
)
from tests.support.factories import EventFactory, UserFactory

BOOK = "mutation ($id: ID!) { bookEvent(eventId: $id) { id status waitlistPosition } }"
CANCEL = "mutation ($id: ID!) { cancelBooking(id: $id) { id status } }"


async def _counters(db: Database, event_id: int) -> tuple[int, int]:
    async with db.engine.connect() as connection:
        row = (
            await connection.execute(
                text("SELECT seats_remaining, waitlist_count FROM events WHERE id = :id"), {"id": event_id}
            )
        ).one()
    return int(row[0]), int(row[1])


async def _drain(subscription: Any, quiet: float = 0.5) -> int:
    """How many more pushes arrive before `quiet` seconds pass without one."""
    count = 0
    while True:
        try:
            await subscription.next_data(within=quiet)
        except TimeoutError:
            return count
        count += 1


async def test_subscriber_sees_a_simulation_sell_out_and_ends_on_the_table_state(
    server: Server, db: Database, make_event: EventFactory, subscribe: Subscribe
) -> None:
    event = await make_event(capacity=150)
    watcher = await subscribe(server.ws_url, EVENT_UPDATES, {"id": str(event.id)})
    first = (await watcher.next_data())["eventUpdates"]
    assert (first["seatsRemaining"], first["waitlistLength"], first["myBooking"]) == (150, 0, None)

    bookers = 1_500
    run = asyncio.create_task(simulate_bookings(db, Actor.system(), event.id, bookers, max_users=20_000))
    pushes = 0

    def sold_out(data: dict[str, Any]) -> bool:
        nonlocal pushes
        pushes += 1
        return data["eventUpdates"]["seatsRemaining"] == 0

    await watcher.until(sold_out, within=120)
    report = await run
    assert report.failed == 0 and not report.overbooked

    seats, waitlist = await _counters(db, event.id)
    assert (seats, waitlist) == (0, bookers - 150)
    final = await watcher.until(lambda d: d["eventUpdates"]["waitlistLength"] == waitlist, within=30)
    assert final["eventUpdates"]["seatsRemaining"] == seats
    pushes += 1 + await _drain(watcher)
    # Every booking was announced, but the subscriber got a few snapshots a second, not one per booking.
    assert server.hub.stats()["notifications"] >= bookers
    assert pushes < bookers // 5, pushes


async def test_waitlisted_user_is_told_of_new_places_and_of_the_promotion(
    server: Server, make_user: UserFactory, make_event: EventFactory, subscribe: Subscribe
) -> None:
    event = await make_event(capacity=1)
    holder, ahead, me = await make_user(), await make_user(), await make_user()
    held = (await server.graphql(BOOK, {"id": str(event.id)}, server.token(holder)))["bookEvent"]
    queued = (await server.graphql(BOOK, {"id": str(event.id)}, server.token(ahead)))["bookEvent"]
    mine = (await server.graphql(BOOK, {"id": str(event.id)}, server.token(me)))["bookEvent"]
    assert (held["status"], queued["status"], mine["waitlistPosition"]) == ("CONFIRMED", "WAITLISTED", 2)

    feed = await subscribe(server.ws_url, MY_BOOKING_UPDATES, token=server.token(me))
    await wait_until(lambda: server.hub.stats()["booking_subscribers_ready"] == 1, what="the subscription")

    # Someone ahead leaves: my row does not change, my place in line does. (A read that raced the subscription
    # may resend my place before; what matters is that the new one arrives.)
    await server.graphql(CANCEL, {"id": queued["id"]}, server.token(ahead))
    moved_up = (await feed.until(lambda d: d["myBookingUpdates"]["waitlistPosition"] == 1))["myBookingUpdates"]
    assert (moved_up["id"], moved_up["status"], moved_up["waitlistPosition"]) == (mine["id"], "WAITLISTED", 1)

    # The confirmed one cancels: I am promoted in the same transaction, and told.
    await server.graphql(CANCEL, {"id": held["id"]}, server.token(holder))
    promoted = (await feed.next_data())["myBookingUpdates"]
    assert (promoted["id"], promoted["status"], promoted["waitlistPosition"]) == (mine["id"], "CONFIRMED", None)
    assert promoted["event"]["seatsRemaining"] == 0
    assert promoted["user"]["id"] == str(me.id)

    # Other people's bookings are not mine to hear about.
    await server.graphql(BOOK, {"id": str(event.id)}, server.token(await make_user()))
    assert await _drain(feed) == 0


async def test_a_subscriber_on_one_worker_sees_a_booking_made_through_another(
    api_settings: Settings, db: Database, make_user: UserFactory, make_event: EventFactory, subscribe: Subscribe
) -> None:
    event = await make_event(capacity=5)
    me = await make_user()
    # Two apps, each with its own engine, hub and LISTEN connection, on one database: two workers or hosts.
    worker_b_database = Database(api_settings)
    try:
        async with running_server(api_settings, db) as worker_a, running_server(api_settings, worker_b_database) as b:
            watcher = await subscribe(worker_a.ws_url, EVENT_UPDATES, {"id": str(event.id)}, worker_a.token(me))
            assert (await watcher.next_data())["eventUpdates"]["seatsRemaining"] == 5
            feed = await subscribe(worker_a.ws_url, MY_BOOKING_UPDATES, token=worker_a.token(me))
            await wait_until(lambda: worker_a.hub.stats()["booking_subscribers_ready"] == 1, what="the subscription")

            booked = (await b.graphql(BOOK, {"id": str(event.id)}, b.token(me)))["bookEvent"]

            snapshot = (await watcher.until(lambda d: d["eventUpdates"]["seatsRemaining"] == 4))["eventUpdates"]
            assert snapshot["myBooking"] == {"id": booked["id"], "status": "CONFIRMED", "waitlistPosition": None}
            news = (await feed.next_data())["myBookingUpdates"]
            assert (news["id"], news["status"]) == (booked["id"], "CONFIRMED")
            assert b.hub.stats()["event_subscribers"] == 0
    finally:
        await worker_b_database.close()


async def test_my_booking_updates_without_a_token_is_refused(server: Server, subscribe: Subscribe) -> None:
    refused = await subscribe(server.ws_url, MY_BOOKING_UPDATES)
    message = await refused.message()
    assert message["type"] == "error", message
    assert [error["extensions"]["code"] for error in message["payload"]] == ["UNAUTHENTICATED"]
    assert server.hub.stats()["booking_subscribers"] == 0


async def test_a_bad_token_is_refused_too(server: Server, subscribe: Subscribe, make_event: EventFactory) -> None:
    event = await make_event()
    refused = await subscribe(server.ws_url, EVENT_UPDATES, {"id": str(event.id)}, "not-a-token")
    message = await refused.message()
    assert message["type"] == "error", message
    assert message["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_event_updates_follows_the_visibility_rules_of_queries(
    server: Server, make_user: UserFactory, make_event: EventFactory, subscribe: Subscribe
) -> None:
    owner = await make_user(Role.ORGANIZER)
    draft = await make_event(status=EventStatus.DRAFT, organizer=owner)
    for token in (None, server.token(await make_user()), server.token(await make_user(Role.ORGANIZER))):
        hidden = await subscribe(server.ws_url, EVENT_UPDATES, {"id": str(draft.id)}, token)
        message = await hidden.message()
        assert message["type"] == "error", message
        assert message["payload"][0]["extensions"]["code"] == "NOT_FOUND"
    missing = await subscribe(server.ws_url, EVENT_UPDATES, {"id": "999999"})
    assert (await missing.message())["payload"][0]["extensions"]["code"] == "NOT_FOUND"

    for token in (server.token(owner), server.token(await make_user(Role.ADMIN))):
        allowed = await subscribe(server.ws_url, EVENT_UPDATES, {"id": str(draft.id)}, token)
        assert (await allowed.next_data())["eventUpdates"]["status"] == "DRAFT"


async def test_publishing_and_cancelling_are_pushed(
    server: Server, make_user: UserFactory, make_event: EventFactory, subscribe: Subscribe
) -> None:
    owner = await make_user(Role.ORGANIZER)
    draft = await make_event(status=EventStatus.DRAFT, organizer=owner, capacity=3)
    token = server.token(owner)
    watcher = await subscribe(server.ws_url, EVENT_UPDATES, {"id": str(draft.id)}, token)
    assert (await watcher.next_data())["eventUpdates"]["status"] == "DRAFT"
    await server.graphql("mutation ($id: ID!) { publishEvent(id: $id) { id } }", {"id": str(draft.id)}, token)
    assert (await watcher.next_data())["eventUpdates"]["status"] == "PUBLISHED"
    await server.graphql(
        "mutation ($id: ID!) { updateEvent(id: $id, input: {capacity: 7}) { id } }", {"id": str(draft.id)}, token
    )
    resized = (await watcher.next_data())["eventUpdates"]
    assert (resized["capacity"], resized["seatsRemaining"]) == (7, 7)
    await server.graphql("mutation ($id: ID!) { cancelEvent(id: $id) { id } }", {"id": str(draft.id)}, token)
    assert (await watcher.next_data())["eventUpdates"]["status"] == "CANCELLED"


async def test_my_own_cancellation_is_pushed_to_me(
    server: Server, make_user: UserFactory, make_event: EventFactory, subscribe: Subscribe
) -> None:
    event, me = await make_event(capacity=3), await make_user()
    mine = (await server.graphql(BOOK, {"id": str(event.id)}, server.token(me)))["bookEvent"]
    feed = await subscribe(server.ws_url, MY_BOOKING_UPDATES, token=server.token(me))
    await wait_until(lambda: server.hub.stats()["booking_subscribers_ready"] == 1, what="the subscription")

    await server.graphql(CANCEL, {"id": mine["id"]}, server.token(me))

    # The first push this connection gets is of an ended booking: nothing about it was cached before.
    cancelled = (await feed.next_data())["myBookingUpdates"]
    assert (cancelled["id"], cancelled["status"], cancelled["event"]["seatsRemaining"]) == (mine["id"], "CANCELLED", 3)
