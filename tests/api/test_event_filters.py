"""events(organizerId:, search:, orderBy:): one organizer's events, a text search, latest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from boxoffice.db.models import Event, EventStatus, Role

QUERY = """query($o: ID, $s: String, $order: EventOrder! = START_TIME, $after: String, $first: Int! = 50) {
  events(organizerId: $o, search: $s, orderBy: $order, after: $after, first: $first) {
    edges { node { title } } pageInfo { hasNextPage endCursor hasPreviousPage }
  }
}"""


async def _event(db, organizer, title: str, venue: str, days: int, status: EventStatus = EventStatus.PUBLISHED):
    event = Event(
        organizer_id=organizer.id,
        title=title,
        description="",
        venue=venue,
        starts_at=datetime.now(UTC) + timedelta(days=days),
        capacity=10,
        seats_remaining=10,
        waitlist_count=0,
        status=status,
    )
    async with db.sessions() as session, session.begin():
        session.add(event)
    return event


def _titles(reply) -> list[str]:
    assert reply.errors == [], reply.body
    return [edge["node"]["title"] for edge in reply.data["events"]["edges"]]


async def test_organizer_id_keeps_that_organizers_events(db, make_user, gql) -> None:
    ann, ben = await make_user(Role.ORGANIZER), await make_user(Role.ORGANIZER)
    await _event(db, ann, "Ann one", "Hall", 1)
    await _event(db, ben, "Ben one", "Hall", 2)
    await _event(db, ann, "Ann two", "Hall", 3)
    assert _titles(await gql(QUERY, {"o": str(ann.id)})) == ["Ann one", "Ann two"]


async def test_an_organizers_drafts_stay_hidden_from_others(db, make_user, gql) -> None:
    ann = await make_user(Role.ORGANIZER)
    await _event(db, ann, "Ann draft", "Hall", 1, EventStatus.DRAFT)
    assert _titles(await gql(QUERY, {"o": str(ann.id)})) == []


async def test_search_matches_title_or_venue_in_any_case(db, make_user, gql) -> None:
    ann = await make_user(Role.ORGANIZER)
    await _event(db, ann, "Jazz Night", "Blue Room", 1)
    await _event(db, ann, "Opera", "The JAZZ cellar", 2)
    await _event(db, ann, "Folk", "Barn", 3)
    assert _titles(await gql(QUERY, {"s": "jazz"})) == ["Jazz Night", "Opera"]


async def test_search_takes_percent_and_underscore_literally(db, make_user, gql) -> None:
    ann = await make_user(Role.ORGANIZER)
    await _event(db, ann, "100% Rock", "Hall", 1)
    await _event(db, ann, "1000 Rock", "Hall", 2)
    assert _titles(await gql(QUERY, {"s": "0%"})) == ["100% Rock"]
    assert _titles(await gql(QUERY, {"s": "_"})) == []


async def test_a_blank_search_filters_nothing(db, make_user, gql) -> None:
    ann = await make_user(Role.ORGANIZER)
    await _event(db, ann, "A", "Hall", 1)
    assert _titles(await gql(QUERY, {"s": "  "})) == ["A"]


async def test_a_too_long_search_is_bad_input(gql) -> None:
    reply = await gql(QUERY, {"s": "x" * 101})
    assert reply.code == "BAD_USER_INPUT"
    assert reply.errors[0]["message"].startswith("Search")


async def test_latest_first_pages_through_every_event_once(db, make_user, gql) -> None:
    ann = await make_user(Role.ORGANIZER)
    for day in range(1, 6):
        await _event(db, ann, f"Day {day}", "Hall", day)
    seen: list[str] = []
    after = None
    while True:
        reply = await gql(QUERY, {"order": "START_TIME_DESC", "first": 2, "after": after})
        seen += _titles(reply)
        info = reply.data["events"]["pageInfo"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert seen == ["Day 5", "Day 4", "Day 3", "Day 2", "Day 1"]


async def test_a_bad_organizer_id_is_bad_input(gql) -> None:
    assert (await gql(QUERY, {"o": "nobody"})).code == "BAD_USER_INPUT"
