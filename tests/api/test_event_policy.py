"""An event's waitlist policy and offer length through createEvent, updateEvent and Event's fields."""

from __future__ import annotations

from typing import Any

import pytest

from boxoffice.db.models import Role
from tests.support.factories import PASSWORD
from tests.support.offers import offer_event, open_offer
from tests.support.tables import table_snapshot

CREATE = "mutation($i: EventInput!) { createEvent(input: $i) { id waitlistPolicy offerMinutes offeredSeats } }"
UPDATE = """mutation($id: ID!, $i: EventUpdateInput!) {
  updateEvent(id: $id, input: $i) { id waitlistPolicy offerMinutes offeredSeats seatsRemaining capacity }
}"""
INPUT = {"title": "Policy show", "venue": "Hall", "startsAt": "2031-01-01T20:00:00Z", "capacity": 2}


async def _organizer_token(make_user, token_for) -> str:
    token: str = token_for(await make_user(Role.ORGANIZER))
    return token


async def test_a_new_event_confirms_from_its_line_and_offers_for_an_hour_by_default(make_user, token_for, gql) -> None:
    created = (await gql(CREATE, {"i": INPUT}, token=await _organizer_token(make_user, token_for))).ok()
    assert created["createEvent"] | {"id": None} == {
        "id": None,
        "waitlistPolicy": "AUTO_CONFIRM",
        "offerMinutes": 60,
        "offeredSeats": 0,
    }


async def test_an_event_is_created_with_the_offer_policy_and_its_minutes(make_user, token_for, gql) -> None:
    variables = {"i": {**INPUT, "waitlistPolicy": "OFFER", "offerMinutes": 10080}}
    created = (await gql(CREATE, variables, token=await _organizer_token(make_user, token_for))).ok()["createEvent"]
    assert (created["waitlistPolicy"], created["offerMinutes"]) == ("OFFER", 10080)


async def test_null_policy_fields_on_create_mean_the_defaults(make_user, token_for, gql) -> None:
    variables = {"i": {**INPUT, "waitlistPolicy": None, "offerMinutes": None}}
    created = (await gql(CREATE, variables, token=await _organizer_token(make_user, token_for))).ok()["createEvent"]
    assert (created["waitlistPolicy"], created["offerMinutes"]) == ("AUTO_CONFIRM", 60)


@pytest.mark.parametrize("minutes", [0, -1, 10081, 2_000_000_000])
async def test_offer_minutes_out_of_range_on_create_is_bad_input_and_creates_nothing(
    db, make_user, token_for, gql, minutes: int
) -> None:
    token = await _organizer_token(make_user, token_for)
    before = await table_snapshot(db, "events")

    reply = await gql(CREATE, {"i": {**INPUT, "waitlistPolicy": "OFFER", "offerMinutes": minutes}}, token=token)

    assert reply.codes == ["BAD_USER_INPUT"], reply.body
    assert "10080" in reply.errors[0]["message"].replace(",", "")
    assert await table_snapshot(db, "events") == before


@pytest.mark.parametrize(
    "policy_input", [{"waitlistPolicy": "MAYBE"}, {"waitlistPolicy": 1}, {"offerMinutes": "ten"}, {"offerMinutes": 1.5}]
)
async def test_values_of_the_wrong_type_are_bad_input(db, make_user, token_for, gql, policy_input: Any) -> None:
    token = await _organizer_token(make_user, token_for)
    reply = await gql(CREATE, {"i": {**INPUT, **policy_input}}, token=token)
    assert reply.codes == ["BAD_USER_INPUT"], reply.body
    assert await table_snapshot(db, "events") == {"events": []}


async def test_an_organizer_switches_an_event_to_offers(make_user, make_event, token_for, gql) -> None:
    organizer = await make_user(Role.ORGANIZER)
    event = await make_event(capacity=3, organizer=organizer)

    updated = (
        await gql(
            UPDATE,
            {"id": str(event.id), "i": {"waitlistPolicy": "OFFER", "offerMinutes": 15}},
            token=token_for(organizer),
        )
    ).ok()["updateEvent"]

    assert (updated["waitlistPolicy"], updated["offerMinutes"]) == ("OFFER", 15)


async def test_an_update_that_leaves_the_policy_out_keeps_it(db, make_user, make_event, token_for, gql) -> None:
    event = await offer_event(make_event, db, capacity=3, minutes=20)
    admin = await make_user(Role.ADMIN)

    updated = (await gql(UPDATE, {"id": str(event.id), "i": {"title": "Renamed"}}, token=token_for(admin))).ok()

    assert (updated["updateEvent"]["waitlistPolicy"], updated["updateEvent"]["offerMinutes"]) == ("OFFER", 20)


@pytest.mark.parametrize("minutes", [0, 10081])
async def test_offer_minutes_out_of_range_on_update_is_bad_input_and_changes_nothing(
    db, make_user, make_event, token_for, gql, minutes: int
) -> None:
    event = await offer_event(make_event, db, capacity=3, minutes=20)
    before = await table_snapshot(db, "events")

    reply = await gql(
        UPDATE,
        {"id": str(event.id), "i": {"title": "Not applied", "waitlistPolicy": "AUTO_CONFIRM", "offerMinutes": minutes}},
        token=token_for(await make_user(Role.ADMIN)),
    )

    assert reply.codes == ["BAD_USER_INPUT"], reply.body
    assert await table_snapshot(db, "events") == before


async def test_switching_back_to_auto_confirm_confirms_the_open_offers(
    db, make_user, make_event, token_for, gql
) -> None:
    event = await offer_event(make_event, db, capacity=2)
    offered = await make_user(password=PASSWORD)
    offer = await open_offer(db, event, await make_user(), offered, quantity=2)

    updated = (
        await gql(
            UPDATE,
            {"id": str(event.id), "i": {"waitlistPolicy": "AUTO_CONFIRM"}},
            token=token_for(await make_user(Role.ADMIN)),
        )
    ).ok()["updateEvent"]

    assert (updated["waitlistPolicy"], updated["offeredSeats"], updated["seatsRemaining"]) == ("AUTO_CONFIRM", 0, 0)
    mine = (await gql("{ myBookings { id status offerExpiresAt } }", token=token_for(offered))).ok()["myBookings"]
    assert mine == [{"id": str(offer.offered.id), "status": "CONFIRMED", "offerExpiresAt": None}]


async def test_capacity_below_the_confirmed_and_offered_seats_is_bad_input(
    db, make_user, make_event, token_for, gql
) -> None:
    event = await offer_event(make_event, db, capacity=2)
    await open_offer(db, event, await make_user(), await make_user(), quantity=2)
    admin = token_for(await make_user(Role.ADMIN))
    before = await table_snapshot(db)

    reply = await gql(UPDATE, {"id": str(event.id), "i": {"capacity": 1}}, token=admin)

    assert reply.codes == ["BAD_USER_INPUT"], reply.body
    assert await table_snapshot(db) == before
