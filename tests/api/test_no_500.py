"""Inputs that used to be INTERNAL_SERVER_ERROR or HTTP 500: each is BAD_USER_INPUT (or a 400 for a body that is not
a GraphQL request), and nothing is written."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from boxoffice.db.models import Role
from tests.support.factories import PASSWORD
from tests.support.graphql import Reply
from tests.support.tables import table_snapshot

NUL = "a\u0000b"
SURROGATE = "a\ud800b"
CREATE = "mutation($input: EventInput!) { createEvent(input: $input) { id } }"
UPDATE = "mutation($id: ID!, $input: EventUpdateInput!) { updateEvent(id: $id, input: $input) { id } }"
REGISTER = "mutation($e: String!, $p: String!, $n: String!) { register(email: $e, password: $p, name: $n) { token } }"
LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"
EVENTS = "query($after: String) { events(after: $after) { edges { node { id } } } }"


def _event_input(**changes: Any) -> dict[str, Any]:
    return {"title": "Gig", "venue": "Hall", "startsAt": "2031-01-01T20:00:00Z", "capacity": 5, **changes}


@pytest.fixture
async def organizer_token(make_user, token_for) -> str:  # type: ignore[no-untyped-def]
    return token_for(await make_user(Role.ORGANIZER))


@pytest.fixture
def gql(client):  # type: ignore[no-untyped-def]
    """Like the shared `gql`, but the body is ASCII JSON, so unpaired surrogates travel as `\\ud800` escapes."""

    async def call(query: str, variables: dict[str, Any], token: str | None = None) -> Reply:
        headers = {"content-type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        body = json.dumps({"query": query, "variables": variables})
        response = await client.post("/graphql", content=body, headers=headers)
        return Reply(response.status_code, response.json())

    return call


async def _refused(gql, db, query: str, variables: dict[str, Any], token: str | None = None) -> None:  # type: ignore[no-untyped-def]
    before = await table_snapshot(db)
    reply = await gql(query, variables, token=token)
    assert reply.status == 200
    assert reply.codes and set(reply.codes) == {"BAD_USER_INPUT"}, reply.body
    assert reply.data is None or not any(reply.data.values())
    assert await table_snapshot(db) == before


@pytest.mark.parametrize("field", ["title", "description", "venue"])
@pytest.mark.parametrize("text", [NUL, SURROGATE], ids=["nul", "surrogate"])
async def test_create_event_refuses_unstorable_text(gql, db, organizer_token, field: str, text: str) -> None:  # type: ignore[no-untyped-def]
    await _refused(gql, db, CREATE, {"input": _event_input(**{field: text})}, organizer_token)


async def test_a_nul_in_a_literal_is_refused_too(gql, db, organizer_token) -> None:  # type: ignore[no-untyped-def]
    query = (
        'mutation { createEvent(input: {title: "a\\u0000b", venue: "Hall", startsAt: "2031-01-01T20:00:00Z", '
        "capacity: 5}) { id } }"
    )
    await _refused(gql, db, query, {}, organizer_token)


@pytest.mark.parametrize("field", ["title", "description", "venue"])
async def test_update_event_refuses_a_nul(gql, db, make_user, make_event, token_for, field: str) -> None:  # type: ignore[no-untyped-def]
    organizer = await make_user(Role.ORGANIZER)
    event = await make_event(organizer=organizer)
    await _refused(gql, db, UPDATE, {"id": str(event.id), "input": {field: NUL}}, token_for(organizer))


async def test_register_refuses_a_nul_in_the_name(gql, db) -> None:  # type: ignore[no-untyped-def]
    await _refused(gql, db, REGISTER, {"e": "new@example.com", "p": PASSWORD, "n": NUL})


async def test_register_refuses_a_surrogate_in_the_password(gql, db) -> None:  # type: ignore[no-untyped-def]
    await _refused(gql, db, REGISTER, {"e": "new@example.com", "p": "long " + SURROGATE, "n": "New"})


async def test_login_refuses_a_nul_in_the_email(gql, db) -> None:  # type: ignore[no-untyped-def]
    await _refused(gql, db, LOGIN, {"e": "a\u0000@example.com", "p": PASSWORD})


@pytest.mark.parametrize("starts_at", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
async def test_create_event_refuses_an_instant_outside_the_representable_years(  # type: ignore[no-untyped-def]
    gql, db, organizer_token, starts_at: str
) -> None:
    await _refused(gql, db, CREATE, {"input": _event_input(startsAt=starts_at)}, organizer_token)


async def test_update_event_refuses_an_instant_outside_the_representable_years(  # type: ignore[no-untyped-def]
    gql, db, make_user, make_event, token_for
) -> None:
    organizer = await make_user(Role.ORGANIZER)
    event = await make_event(organizer=organizer)
    variables = {"id": str(event.id), "input": {"startsAt": "9999-12-31T23:59:59-14:00"}}
    await _refused(gql, db, UPDATE, variables, token_for(organizer))


@pytest.mark.parametrize(
    "raw",
    [
        "2031-01-01T00:00:00|99999999999999999999",
        "0001-01-01T00:00:00+14:00|1",
        "2031-01-01T00:00:00+00:00|-1",
        "9999-12-31T23:59:59-14:00|1",
    ],
)
async def test_events_refuses_a_cursor_outside_what_the_database_holds(gql, db, make_event, raw: str) -> None:  # type: ignore[no-untyped-def]
    await make_event()
    cursor = base64.urlsafe_b64encode(raw.encode()).decode()
    await _refused(gql, db, EVENTS, {"after": cursor})


async def test_users_refuses_a_cursor_of_non_ascii_digits(gql, db, make_user, token_for) -> None:  # type: ignore[no-untyped-def]
    admin = await make_user(Role.ADMIN)
    reply = await gql("query($a: String) { users(after: $a) { edges { cursor } } }", {"a": "²"}, token=token_for(admin))
    assert reply.codes == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("body", [b"null", b'"x"', b"1", b"true"])
async def test_a_json_body_that_is_not_an_object_is_400(client, db, body: bytes) -> None:  # type: ignore[no-untyped-def]
    response = await client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "JSON object" in response.text
