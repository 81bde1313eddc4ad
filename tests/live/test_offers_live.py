"""Offers, live: the offered person is pushed the offer and its deadline, then what became of it; event snapshots and
the public read cache show the seats offers hold."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from boxoffice.api import fanout
from boxoffice.db.models import User, WaitlistPolicy
from boxoffice.db.session import Database
from tests.live.conftest import Server, Subscribe, wait_until
from tests.live.test_read_cache import announced, listening
from tests.support.factories import EventFactory, UserFactory
from tests.support.offers import offer_event, set_policy

BOOK = "mutation ($id: ID!) { bookEvent(eventId: $id) { id status waitlistPosition } }"
CANCEL = "mutation ($id: ID!) { cancelBooking(id: $id) { id status } }"
ACCEPT = "mutation ($id: ID!) { acceptOffer(bookingId: $id) { id status } }"
MY_OFFERS = """
subscription {
  myBookingUpdates { id status offerExpiresAt waitlistPosition event { id seatsRemaining offeredSeats } }
}
"""
SNAPSHOTS = """
subscription ($id: ID!) {
  eventUpdates(eventId: $id) { seatsRemaining offeredSeats waitlistLength waitlistPolicy offerMinutes }
}
"""
WITH_MINE = """
subscription ($id: ID!) {
  eventUpdates(eventId: $id) { offeredSeats myBooking { id status offerExpiresAt } }
}
"""


async def _line(server: Server, event_id: int, *users: User) -> list[dict[str, Any]]:
    """Each user books one seat, in order: the first holds the seat, the others wait."""
    return [(await server.graphql(BOOK, {"id": str(event_id)}, server.token(user)))["bookEvent"] for user in users]


async def test_the_offer_is_pushed_with_its_deadline_then_its_confirmation(
    server: Server, db: Database, make_user: UserFactory, make_event: EventFactory, subscribe: Subscribe
) -> None:
    event = await offer_event(make_event, db)
    holder, me = await make_user(), await make_user()
    held, mine = await _line(server, event.id, holder, me)
    feed = await subscribe(server.ws_url, MY_OFFERS, token=server.token(me))
    await wait_until(lambda: server.hub.stats()["booking_subscribers_ready"] == 1, what="the subscription")

    await server.graphql(CANCEL, {"id": held["id"]}, server.token(holder))
    offered = (await feed.until(lambda d: d["myBookingUpdates"]["status"] == "OFFERED"))["myBookingUpdates"]
    assert (offered["id"], offered["waitlistPosition"]) == (mine["id"], None)
    assert datetime.fromisoformat(offered["offerExpiresAt"]) > datetime.now(UTC)
    assert offered["event"] == {"id": str(event.id), "seatsRemaining": 0, "offeredSeats": 1}

    await server.graphql(ACCEPT, {"id": mine["id"]}, server.token(me))
    confirmed = (await feed.next_data())["myBookingUpdates"]
    assert (confirmed["id"], confirmed["status"], confirmed["offerExpiresAt"]) == (mine["id"], "CONFIRMED", None)
    assert confirmed["event"] == {"id": str(event.id), "seatsRemaining": 0, "offeredSeats": 0}


async def test_an_offer_left_alone_is_pushed_expired_and_the_next_in_line_is_offered(
    server: Server,
    db: Database,
    make_user: UserFactory,
    make_event: EventFactory,
    subscribe: Subscribe,
    offer_minute: Callable[[float], None],
) -> None:
    # A one-minute offer that lasts a second or two: the server's own sweeper, not a request, has to expire it.
    offer_minute(1.5)
    event = await offer_event(make_event, db, minutes=1)
    holder, me, next_in_line = await make_user(), await make_user(), await make_user()
    held, mine, behind = await _line(server, event.id, holder, me, next_in_line)
    my_feed = await subscribe(server.ws_url, MY_OFFERS, token=server.token(me))
    their_feed = await subscribe(server.ws_url, MY_OFFERS, token=server.token(next_in_line))
    await wait_until(lambda: server.hub.stats()["booking_subscribers_ready"] == 2, what="the subscriptions")
    await server.graphql(CANCEL, {"id": held["id"]}, server.token(holder))
    await my_feed.until(lambda d: d["myBookingUpdates"]["status"] == "OFFERED")
    # Longer offers from now on (the one open keeps its deadline), so the next one is still open when looked at.
    await set_policy(db, event.id, WaitlistPolicy.OFFER, minutes=60)

    expired = (await my_feed.until(lambda d: d["myBookingUpdates"]["status"] == "EXPIRED"))["myBookingUpdates"]
    assert (expired["id"], expired["offerExpiresAt"]) == (mine["id"], None)
    theirs = (await their_feed.until(lambda d: d["myBookingUpdates"]["status"] == "OFFERED"))["myBookingUpdates"]
    assert theirs["id"] == behind["id"] and theirs["offerExpiresAt"] is not None
    assert theirs["event"]["offeredSeats"] == 1


async def test_snapshots_show_the_seats_offers_hold_and_the_policy(
    server: Server, db: Database, make_user: UserFactory, make_event: EventFactory, subscribe: Subscribe
) -> None:
    event = await offer_event(make_event, db, capacity=2, minutes=30)
    holder, first, second = await make_user(), await make_user(), await make_user()
    held = (
        await server.graphql(
            "mutation($id: ID!) { bookEvent(eventId: $id, quantity: 2) { id } }",
            {"id": str(event.id)},
            server.token(holder),
        )
    )["bookEvent"]
    _, waiting = await _line(server, event.id, first, second)
    watcher = await subscribe(server.ws_url, SNAPSHOTS, {"id": str(event.id)})
    assert (await watcher.next_data())["eventUpdates"] == {
        "seatsRemaining": 0,
        "offeredSeats": 0,
        "waitlistLength": 2,
        "waitlistPolicy": "OFFER",
        "offerMinutes": 30,
    }

    # Two seats free up: both people in line are offered one each.
    await server.graphql(CANCEL, {"id": held["id"]}, server.token(holder))
    offers = (await watcher.until(lambda d: d["eventUpdates"]["offeredSeats"] == 2))["eventUpdates"]
    assert (offers["seatsRemaining"], offers["waitlistLength"]) == (0, 0)

    # One declines: its seat is free (nobody waits), the other's still held.
    await server.graphql(CANCEL, {"id": waiting["id"]}, server.token(second))
    after = (await watcher.until(lambda d: d["eventUpdates"]["offeredSeats"] == 1))["eventUpdates"]
    assert (after["seatsRemaining"], after["waitlistLength"]) == (1, 0)

    # A change of policy alone is a new snapshot too.
    await set_policy(db, event.id, WaitlistPolicy.AUTO_CONFIRM)
    switched = (await watcher.until(lambda d: d["eventUpdates"]["waitlistPolicy"] == "AUTO_CONFIRM"))["eventUpdates"]
    assert (switched["offeredSeats"], switched["seatsRemaining"]) == (0, 1)


async def test_shared_snapshots_carry_the_offered_seats_and_only_the_offered_person_sees_the_offer(
    server: Server, db: Database, make_user: UserFactory, make_event: EventFactory, subscribe: Subscribe
) -> None:
    event = await offer_event(make_event, db)
    holder, me = await make_user(), await make_user()
    held, mine = await _line(server, event.id, holder, me)
    onlookers = [await make_user() for _ in range(5)]
    shared_before = fanout.stats.shared_subscriptions
    variables = {"id": str(event.id)}
    mine_watch = await subscribe(server.ws_url, WITH_MINE, variables, server.token(me))
    others = [await subscribe(server.ws_url, WITH_MINE, variables, server.token(user)) for user in onlookers]
    assert (await mine_watch.next_data())["eventUpdates"]["myBooking"]["status"] == "WAITLISTED"
    for other in others:
        assert (await other.next_data())["eventUpdates"] == {"offeredSeats": 0, "myBooking": None}
    assert fanout.stats.shared_subscriptions == shared_before + 1 + len(onlookers)

    await server.graphql(CANCEL, {"id": held["id"]}, server.token(holder))

    offered = (await mine_watch.until(lambda d: d["eventUpdates"]["offeredSeats"] == 1))["eventUpdates"]
    assert offered["myBooking"]["id"] == mine["id"] and offered["myBooking"]["status"] == "OFFERED"
    assert offered["myBooking"]["offerExpiresAt"] is not None
    for other in others:
        assert (await other.until(lambda d: d["eventUpdates"]["offeredSeats"] == 1))["eventUpdates"][
            "myBooking"
        ] is None


async def test_the_public_read_cache_shows_offered_seats_and_policy_changes_once_announced(
    server: Server, db: Database, make_user: UserFactory, make_event: EventFactory
) -> None:
    cache = await listening(server)
    event = await offer_event(make_event, db, minutes=45)
    query = "query($id: ID!) { event(id: $id) { seatsRemaining offeredSeats offerMinutes waitlistPolicy } }"
    holder, waiting = await make_user(), await make_user()
    held, _ = await _line(server, event.id, holder, waiting)
    assert (await server.graphql(query, {"id": str(event.id)}))["event"] == {
        "seatsRemaining": 0,
        "offeredSeats": 0,
        "offerMinutes": 45,
        "waitlistPolicy": "OFFER",
    }

    seen = cache.notifications
    await server.graphql(CANCEL, {"id": held["id"]}, server.token(holder))
    await announced(cache, seen)
    assert (await server.graphql(query, {"id": str(event.id)}))["event"]["offeredSeats"] == 1

    seen = cache.notifications
    await set_policy(db, event.id, WaitlistPolicy.OFFER, minutes=90)
    await announced(cache, seen)
    assert (await server.graphql(query, {"id": str(event.id)}))["event"]["offerMinutes"] == 90


async def test_each_pushed_booking_carries_its_history_as_it_is_then(
    server: Server, db: Database, make_user: UserFactory, make_event: EventFactory, subscribe: Subscribe
) -> None:
    event = await offer_event(make_event, db)
    holder, me = await make_user(), await make_user()
    held, mine = await _line(server, event.id, holder, me)
    feed = await subscribe(
        server.ws_url, "subscription { myBookingUpdates { id status history { reason } } }", token=server.token(me)
    )
    await wait_until(lambda: server.hub.stats()["booking_subscribers_ready"] == 1, what="the subscription")

    await server.graphql(CANCEL, {"id": held["id"]}, server.token(holder))
    offered = (await feed.until(lambda d: d["myBookingUpdates"]["status"] == "OFFERED"))["myBookingUpdates"]
    await server.graphql(ACCEPT, {"id": mine["id"]}, server.token(me))
    confirmed = (await feed.until(lambda d: d["myBookingUpdates"]["status"] == "CONFIRMED"))["myBookingUpdates"]

    # The connection's loaders outlive its pushes: each push reads the history afresh.
    assert [c["reason"] for c in offered["history"]] == ["WAITLISTED", "OFFERED"]
    assert [c["reason"] for c in confirmed["history"]] == ["WAITLISTED", "OFFERED", "ACCEPTED"]
