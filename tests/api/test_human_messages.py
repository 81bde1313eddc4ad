"""Bad input is answered in words a person can act on, naming the field as the box office's forms label it."""

from __future__ import annotations

from boxoffice.db.models import Role
from tests.support.factories import PASSWORD

CREATE = "mutation($i: EventInput!) { createEvent(input: $i) { id } }"
EVENT = {"title": "Show", "venue": "Hall", "startsAt": "2031-01-01T20:00:00Z", "capacity": 10}


async def _organizer_token(make_user, token_for) -> str:
    return token_for(await make_user(Role.ORGANIZER, password=PASSWORD))


async def test_an_int_overflow_names_the_field_and_keeps_graphqls_words_apart(make_user, token_for, gql) -> None:
    token = await _organizer_token(make_user, token_for)
    reply = await gql(CREATE, {"i": {**EVENT, "capacity": 99_999_999_999}}, token=token)
    error = reply.errors[0]
    assert error["message"] == "Capacity is too large: whole numbers up to 2,147,483,647 only"
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "capacity"
    assert "Int cannot represent" in error["extensions"]["detail"]


async def test_an_int_overflow_in_a_literal_is_phrased_for_people(make_user, token_for, gql) -> None:
    token = await _organizer_token(make_user, token_for)
    reply = await gql('mutation { bookEvent(eventId: "1", quantity: 99999999999) { id } }', token=token)
    assert reply.code == "BAD_USER_INPUT"
    assert reply.errors[0]["message"].startswith("A number is too large")


async def test_capacity_out_of_range_names_the_forms_label(make_user, token_for, gql) -> None:
    token = await _organizer_token(make_user, token_for)
    reply = await gql(CREATE, {"i": {**EVENT, "capacity": 0}}, token=token)
    assert reply.code == "BAD_USER_INPUT"
    assert reply.errors[0]["message"] == "Capacity must be between 1 and 100,000 seats (got 0)"


async def test_a_blank_title_names_the_forms_label(make_user, token_for, gql) -> None:
    token = await _organizer_token(make_user, token_for)
    reply = await gql(CREATE, {"i": {**EVENT, "title": "  "}}, token=token)
    assert reply.errors[0]["message"] == "Title must not be empty"


async def test_a_past_start_names_the_forms_label(make_user, token_for, gql) -> None:
    token = await _organizer_token(make_user, token_for)
    reply = await gql(CREATE, {"i": {**EVENT, "startsAt": "2001-01-01T20:00:00Z"}}, token=token)
    assert reply.errors[0]["message"] == "Starts at must be in the future"


async def test_too_many_tickets_says_tickets(make_user, make_event, token_for, gql) -> None:
    user = await make_user(password=PASSWORD)
    event = await make_event()
    reply = await gql(
        "mutation($id: ID!) { bookEvent(eventId: $id, quantity: 11) { id } }",
        {"id": str(event.id)},
        token=token_for(user),
    )
    assert reply.errors[0]["message"] == "Tickets must be between 1 and 10 (quantity was 11)"
