"""The public read cache: served from memory, fresh once a commit is announced, never per-caller data shared."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from boxoffice.booking.service import book
from boxoffice.db.models import EventStatus, Role
from boxoffice.db.session import Database
from boxoffice.live.read_cache import PublicReadCache, read_event_row
from tests.live.conftest import Server, running_server, wait_until
from tests.support.factories import booker as as_booker

EVENT = "query($id: ID!) { event(id: $id) { id title seatsRemaining status } }"
EVENT_WITH_MINE = "query($id: ID!) { event(id: $id) { id seatsRemaining myBooking { id quantity } } }"
PAGE = "{ events(first: 50) { edges { node { id seatsRemaining status } } pageInfo { hasNextPage } } }"


def cache_of(server: Server) -> PublicReadCache:
    return server.app.state.read_cache


async def listening(server: Server) -> PublicReadCache:
    cache = cache_of(server)
    await wait_until(lambda: cache.enabled, what="the read cache's LISTEN connection")
    return cache


async def announced(cache: PublicReadCache, seen_before: int) -> None:
    """Wait until this process has received a notification after `seen_before` of them."""
    await wait_until(lambda: cache.notifications > seen_before, what="the commit's notification")


async def silently(db: Database, sql: str, **params: Any) -> None:
    """A change committed with triggers off: nothing is announced."""
    async with db.engine.begin() as connection:
        await connection.execute(text("SET LOCAL session_replication_role = replica"))
        await connection.execute(text(sql), params)


async def test_a_repeated_public_read_is_served_from_memory(server: Server, make_event) -> None:
    cache = await listening(server)
    event = await make_event(capacity=10)
    first = await server.graphql(EVENT, {"id": str(event.id)})
    hits = cache.hits
    again = await server.graphql(EVENT, {"id": str(event.id)})
    assert again == first
    assert cache.hits == hits + 1


async def test_a_booking_committed_elsewhere_is_seen_once_announced(server: Server, db, make_event, make_user) -> None:
    cache = await listening(server)
    event = await make_event(capacity=10)
    booker = await make_user()
    assert (await server.graphql(EVENT, {"id": str(event.id)}))["event"]["seatsRemaining"] == 10
    seen = cache.notifications
    # Another connection, as another worker or host would book.
    async with db.sessions() as session:
        await book(session, as_booker(booker.id), event.id, 3)
    await announced(cache, seen)
    assert (await server.graphql(EVENT, {"id": str(event.id)}))["event"]["seatsRemaining"] == 7


async def test_a_booking_through_another_server_process_is_seen(
    server: Server, api_settings, db, make_event, make_user
) -> None:
    cache = await listening(server)
    event = await make_event(capacity=10)
    booker = await make_user()
    assert (await server.graphql(EVENT, {"id": str(event.id)}))["event"]["seatsRemaining"] == 10
    async with running_server(api_settings, db) as other:
        seen = cache.notifications
        await other.graphql(
            "mutation($id: ID!) { bookEvent(eventId: $id, quantity: 2) { status } }",
            {"id": str(event.id)},
            token=other.token(booker),
        )
        await announced(cache, seen)
    assert (await server.graphql(EVENT, {"id": str(event.id)}))["event"]["seatsRemaining"] == 8


async def test_the_public_page_shows_an_event_once_its_publication_is_announced(server: Server, db, make_event) -> None:
    cache = await listening(server)
    shown = await make_event()
    draft = await make_event(status=EventStatus.DRAFT)
    before = await server.graphql(PAGE)
    assert [edge["node"]["id"] for edge in before["events"]["edges"]] == [str(shown.id)]
    assert await server.graphql(PAGE) == before
    seen = cache.notifications
    async with db.engine.begin() as connection:
        await connection.execute(text("UPDATE events SET status = 'PUBLISHED' WHERE id = :id"), {"id": draft.id})
    await announced(cache, seen)
    after = await server.graphql(PAGE)
    assert {edge["node"]["id"] for edge in after["events"]["edges"]} == {str(shown.id), str(draft.id)}


async def test_my_booking_is_never_shared_through_the_cache(server: Server, db, make_event, make_user) -> None:
    cache = await listening(server)
    event = await make_event(capacity=10)
    alice, bob = await make_user(), await make_user()
    async with db.sessions() as session:
        booking = await book(session, as_booker(alice.id), event.id, 2)
    await wait_until(lambda: cache.notifications > 0, what="the booking's notification")
    variables = {"id": str(event.id)}
    mine = await server.graphql(EVENT_WITH_MINE, variables, token=server.token(alice))
    theirs = await server.graphql(EVENT_WITH_MINE, variables, token=server.token(bob))
    anonymous = await server.graphql(EVENT_WITH_MINE, variables)
    mine_again = await server.graphql(EVENT_WITH_MINE, variables, token=server.token(alice))
    assert mine["event"]["myBooking"] == {"id": str(booking.id), "quantity": 2}
    assert theirs["event"]["myBooking"] is None
    assert anonymous["event"]["myBooking"] is None
    assert mine_again == mine
    assert cache.hits >= 3


async def test_a_draft_read_by_its_organizer_stays_hidden_from_others(server: Server, make_event, make_user) -> None:
    await listening(server)
    organizer = await make_user(Role.ORGANIZER)
    stranger = await make_user()
    draft = await make_event(status=EventStatus.DRAFT, organizer=organizer)
    variables = {"id": str(draft.id)}
    seen_by_organizer = await server.graphql(EVENT, variables, token=server.token(organizer))
    assert seen_by_organizer["event"]["status"] == "DRAFT"
    assert (await server.graphql(EVENT, variables))["event"] is None
    assert (await server.graphql(EVENT, variables, token=server.token(stranger)))["event"] is None
    organizers_page = await server.graphql(PAGE, token=server.token(organizer))
    assert str(draft.id) in [edge["node"]["id"] for edge in organizers_page["events"]["edges"]]
    public_page = await server.graphql(PAGE)
    assert str(draft.id) not in [edge["node"]["id"] for edge in public_page["events"]["edges"]]


async def test_an_unannounced_change_is_seen_after_the_listen_connection_comes_back(
    server: Server, db, make_event
) -> None:
    cache = await listening(server)
    event = await make_event(capacity=10)
    variables = {"id": str(event.id)}
    assert (await server.graphql(EVENT, variables))["event"]["title"] == "Test concert"
    await silently(db, "UPDATE events SET title = 'Renamed' WHERE id = :id", id=event.id)
    # Nothing was announced: the cached row is what this process knows.
    assert (await server.graphql(EVENT, variables))["event"]["title"] == "Test concert"
    connections = cache.connections
    async with db.engine.begin() as connection:
        killed = await connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query ILIKE 'LISTEN%'"
            )
        )
        assert killed.all()
    await wait_until(lambda: cache.connections > connections, what="the LISTEN connection to come back")
    assert (await server.graphql(EVENT, variables))["event"]["title"] == "Renamed"


async def test_while_the_listen_connection_is_down_every_read_goes_to_the_database(
    server: Server, db, make_event
) -> None:
    cache = await listening(server)
    event = await make_event(capacity=10)
    variables = {"id": str(event.id)}
    await server.graphql(EVENT, variables)
    cache._on_disconnected()  # what the listener calls when its connection is found gone
    await silently(db, "UPDATE events SET title = 'Renamed' WHERE id = :id", id=event.id)
    assert (await server.graphql(EVENT, variables))["event"]["title"] == "Renamed"
    await silently(db, "UPDATE events SET title = 'Renamed again' WHERE id = :id", id=event.id)
    assert (await server.graphql(EVENT, variables))["event"]["title"] == "Renamed again"


async def test_a_read_overtaken_by_a_notification_is_not_kept(db: Database, make_event) -> None:
    cache = PublicReadCache()
    cache._on_connected()  # as when LISTEN is in place
    event = await make_event(capacity=10)

    async def run_then_announce(read):  # type: ignore[no-untyped-def]
        async with db.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            value = await read(raw.driver_connection)
        # A commit announced while the read was on its way back: what it read may be older than that commit.
        cache._on_payload(str(event.id))
        return value

    async def run(read):  # type: ignore[no-untyped-def]
        async with db.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            return await read(raw.driver_connection)

    assert (await cache.event(event.id, run_then_announce)) is not None
    misses = cache.misses
    await cache.event(event.id, run)
    assert cache.misses == misses + 1
    await cache.event(event.id, run)
    assert cache.misses == misses + 1


async def test_the_cached_row_is_the_row(db: Database, make_event) -> None:
    event = await make_event(capacity=7)
    async with db.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        row = await read_event_row(raw.driver_connection, event.id)
    assert row is not None
    assert (row.id, row.capacity, row.seats_remaining, row.status) == (event.id, 7, 7, "PUBLISHED")
