"""Bad input to every mutation answers the contract's code with a message a person can act on, is never an
INTERNAL_SERVER_ERROR, and leaves every table exactly as it was."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from boxoffice.auth.actor import Actor
from boxoffice.booking.service import book, cancel
from boxoffice.db.models import Event, EventStatus, Role, User
from tests.support.factories import booker
from tests.support.tables import table_snapshot

BAD, NOT_FOUND, CONFLICT, UNAUTH = "BAD_USER_INPUT", "NOT_FOUND", "CONFLICT", "UNAUTHENTICATED"
HUGE = "x" * 20_000
INT_OVERFLOW = 2**31
PAST = "2001-01-01T10:00:00Z"
FUTURE = "2031-01-01T20:00:00Z"


@dataclass
class Setup:
    admin: User
    audience: User
    published: Event
    full: Event
    draft: Event
    cancelled: Event
    booking_id: int
    cancelled_booking_id: int


@pytest.fixture
async def setup(make_user, make_event, db) -> Setup:
    admin = await make_user(Role.ADMIN, email="taken@example.com")
    audience = await make_user(Role.AUDIENCE)
    other_organizer = await make_user(Role.ORGANIZER)
    published = await make_event(capacity=5)
    full = await make_event(capacity=2)
    draft = await make_event(status=EventStatus.DRAFT, organizer=other_organizer)
    cancelled = await make_event(status=EventStatus.CANCELLED)
    async with db.sessions() as session:
        booking = await book(session, booker(audience.id), published.id)
        await book(session, booker(audience.id), full.id, quantity=2)
        gone = await book(session, booker(admin.id), full.id)
        await cancel(session, Actor.system(), gone.id)
    return Setup(admin, audience, published, full, draft, cancelled, booking.id, gone.id)


def _event(**changes: Any) -> dict[str, Any]:
    return {"title": "Show", "venue": "Hall", "startsAt": FUTURE, "capacity": 10, **changes}


REGISTER = "mutation($e: String!, $p: String!, $n: String!) { register(email: $e, password: $p, name: $n) { token } }"
LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"
CREATE = "mutation($i: EventInput!) { createEvent(input: $i) { id } }"
UPDATE = "mutation($id: ID!, $i: EventUpdateInput!) { updateEvent(id: $id, input: $i) { id } }"
PUBLISH = "mutation($id: ID!) { publishEvent(id: $id) { id } }"
CANCEL_EVENT = "mutation($id: ID!) { cancelEvent(id: $id) { id } }"
BOOK = "mutation($id: ID!, $q: Int!) { bookEvent(eventId: $id, quantity: $q) { id } }"
CANCEL_BOOKING = "mutation($id: ID!) { cancelBooking(id: $id) { id } }"
SIMULATE = "mutation($id: ID!, $n: Int!) { simulateBookings(eventId: $id, users: $n) { bookers } }"
SET_ROLE = "mutation($id: ID!, $r: Role!) { setUserRole(userId: $id, role: $r) { id } }"


def _register(**changes: Any) -> dict[str, Any]:
    return {"e": "new@example.com", "p": "long enough", "n": "New", **changes}


# (name, query, variables from the setup, caller, expected code, a piece of the message)
CASES: list[tuple[str, str, Any, str, str, str]] = [
    ("register malformed email", REGISTER, lambda s: _register(e="not-an-email"), "admin", BAD, "email"),
    ("register empty email", REGISTER, lambda s: _register(e=""), "admin", BAD, "email"),
    ("register huge email", REGISTER, lambda s: _register(e=HUGE + "@example.com"), "admin", BAD, "email"),
    ("register short password", REGISTER, lambda s: _register(p="short"), "admin", BAD, "at least 8"),
    ("register huge password", REGISTER, lambda s: _register(p=HUGE), "admin", BAD, "at most 128"),
    ("register empty name", REGISTER, lambda s: _register(n="   "), "admin", BAD, "name"),
    ("register huge name", REGISTER, lambda s: _register(n=HUGE), "admin", BAD, "at most 100"),
    ("register taken email", REGISTER, lambda s: _register(e="TAKEN@example.com"), "admin", CONFLICT, "already"),
    ("register wrong type", REGISTER, lambda s: _register(e=12345), "admin", BAD, "String"),
    ("login huge strings", LOGIN, lambda s: {"e": HUGE, "p": HUGE}, "admin", UNAUTH, "Wrong email or password"),
    ("login empty strings", LOGIN, lambda s: {"e": "", "p": ""}, "admin", UNAUTH, "Wrong email or password"),
    ("create empty title", CREATE, lambda s: {"i": _event(title=" ")}, "admin", BAD, "title"),
    ("create huge title", CREATE, lambda s: {"i": _event(title=HUGE)}, "admin", BAD, "title"),
    ("create empty venue", CREATE, lambda s: {"i": _event(venue="")}, "admin", BAD, "venue"),
    ("create huge description", CREATE, lambda s: {"i": _event(description=HUGE)}, "admin", BAD, "description"),
    ("create zero capacity", CREATE, lambda s: {"i": _event(capacity=0)}, "admin", BAD, "capacity"),
    ("create negative capacity", CREATE, lambda s: {"i": _event(capacity=-3)}, "admin", BAD, "capacity"),
    ("create huge capacity", CREATE, lambda s: {"i": _event(capacity=10**9)}, "admin", BAD, "capacity"),
    (
        "create capacity over Int",
        CREATE,
        lambda s: {"i": _event(capacity=INT_OVERFLOW)},
        "admin",
        BAD,
        "Capacity is too large",
    ),
    (
        "create capacity wrong type",
        CREATE,
        lambda s: {"i": _event(capacity="ten")},
        "admin",
        BAD,
        "Capacity must be a whole number",
    ),
    ("create start in the past", CREATE, lambda s: {"i": _event(startsAt=PAST)}, "admin", BAD, "future"),
    ("create start without zone", CREATE, lambda s: {"i": _event(startsAt=FUTURE[:-1])}, "admin", BAD, "zone"),
    ("create start not a date", CREATE, lambda s: {"i": _event(startsAt="next friday")}, "admin", BAD, "Starts at"),
    ("create missing field", CREATE, lambda s: {"i": {"title": "Show"}}, "admin", BAD, "venue"),
    ("update unknown id", UPDATE, lambda s: {"id": "999999", "i": {"title": "X"}}, "admin", NOT_FOUND, "999999"),
    ("update non-numeric id", UPDATE, lambda s: {"id": "abc", "i": {"title": "X"}}, "admin", BAD, "id"),
    ("update negative id", UPDATE, lambda s: {"id": "-1", "i": {"title": "X"}}, "admin", BAD, "id"),
    ("update id over bigint", UPDATE, lambda s: {"id": "9" * 30, "i": {"title": "X"}}, "admin", BAD, "id"),
    ("update empty title", UPDATE, lambda s: {"id": str(s.published.id), "i": {"title": ""}}, "admin", BAD, "title"),
    (
        "update capacity below confirmed",
        UPDATE,
        lambda s: {"id": str(s.full.id), "i": {"capacity": 1}},
        "admin",
        BAD,
        "confirmed",
    ),
    (
        "update capacity over Int",
        UPDATE,
        lambda s: {"id": str(s.published.id), "i": {"capacity": INT_OVERFLOW}},
        "admin",
        BAD,
        "Capacity is too large",
    ),
    (
        "update a cancelled event",
        UPDATE,
        lambda s: {"id": str(s.cancelled.id), "i": {"title": "Back"}},
        "admin",
        CONFLICT,
        "cancelled",
    ),
    ("publish unknown id", PUBLISH, lambda s: {"id": "424242"}, "admin", NOT_FOUND, "424242"),
    ("publish bad id", PUBLISH, lambda s: {"id": "1.5"}, "admin", BAD, "id"),
    ("publish a cancelled event", PUBLISH, lambda s: {"id": str(s.cancelled.id)}, "admin", CONFLICT, "cancelled"),
    ("cancel event unknown id", CANCEL_EVENT, lambda s: {"id": "424242"}, "admin", NOT_FOUND, "424242"),
    ("cancel event twice", CANCEL_EVENT, lambda s: {"id": str(s.cancelled.id)}, "admin", CONFLICT, "already"),
    ("book zero seats", BOOK, lambda s: {"id": str(s.published.id), "q": 0}, "admin", BAD, "quantity"),
    ("book eleven seats", BOOK, lambda s: {"id": str(s.published.id), "q": 11}, "admin", BAD, "quantity"),
    ("book negative seats", BOOK, lambda s: {"id": str(s.published.id), "q": -5}, "admin", BAD, "quantity"),
    (
        "book seats over Int",
        BOOK,
        lambda s: {"id": str(s.published.id), "q": INT_OVERFLOW},
        "admin",
        BAD,
        "Quantity is too large",
    ),
    ("book seats wrong type", BOOK, lambda s: {"id": str(s.published.id), "q": "two"}, "admin", BAD, "whole number"),
    ("book unknown event", BOOK, lambda s: {"id": "424242", "q": 1}, "admin", NOT_FOUND, "424242"),
    ("book hidden draft", BOOK, lambda s: {"id": str(s.draft.id), "q": 1}, "audience", NOT_FOUND, "does not exist"),
    ("book a cancelled event", BOOK, lambda s: {"id": str(s.cancelled.id), "q": 1}, "admin", CONFLICT, "cancelled"),
    ("book twice", BOOK, lambda s: {"id": str(s.published.id), "q": 1}, "audience", CONFLICT, "already"),
    ("cancel unknown booking", CANCEL_BOOKING, lambda s: {"id": "424242"}, "admin", NOT_FOUND, "424242"),
    ("cancel booking bad id", CANCEL_BOOKING, lambda s: {"id": "x"}, "admin", BAD, "id"),
    (
        "cancel booking twice",
        CANCEL_BOOKING,
        lambda s: {"id": str(s.cancelled_booking_id)},
        "admin",
        CONFLICT,
        "already",
    ),
    ("simulate zero users", SIMULATE, lambda s: {"id": str(s.published.id), "n": 0}, "admin", BAD, "users"),
    ("simulate negative users", SIMULATE, lambda s: {"id": str(s.published.id), "n": -1}, "admin", BAD, "users"),
    ("simulate too many users", SIMULATE, lambda s: {"id": str(s.published.id), "n": 10**9}, "admin", BAD, "users"),
    (
        "simulate users over Int",
        SIMULATE,
        lambda s: {"id": str(s.published.id), "n": 2**31},
        "admin",
        BAD,
        "Users is too large",
    ),
    ("simulate unknown event", SIMULATE, lambda s: {"id": "424242", "n": 5}, "admin", NOT_FOUND, "424242"),
    ("set role unknown user", SET_ROLE, lambda s: {"id": "424242", "r": "ADMIN"}, "admin", NOT_FOUND, "424242"),
    ("set role unknown role", SET_ROLE, lambda s: {"id": str(s.audience.id), "r": "KING"}, "admin", BAD, "Role"),
    ("set role bad id", SET_ROLE, lambda s: {"id": "", "r": "ADMIN"}, "admin", BAD, "id"),
]


@pytest.mark.parametrize(
    ("query", "variables", "caller", "code", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
async def test_bad_input_is_refused_cleanly(query, variables, caller, code, message, setup, gql, token_for, db) -> None:
    before = await table_snapshot(db)
    user = setup.admin if caller == "admin" else setup.audience
    reply = await gql(query, variables(setup), token=token_for(user))
    assert reply.codes and set(reply.codes) == {code}, reply.body
    assert message.lower() in reply.errors[0]["message"].lower(), reply.body
    assert len(reply.errors[0]["message"]) < 400
    assert await table_snapshot(db) == before


async def test_literal_int_over_32_bits_in_the_query_text(setup, gql, token_for, db) -> None:
    before = await table_snapshot(db)
    reply = await gql(
        f'mutation {{ bookEvent(eventId: "{setup.published.id}", quantity: {2**40}) {{ id }} }}',
        token=token_for(setup.admin),
    )
    assert reply.codes == [BAD]
    assert await table_snapshot(db) == before


async def test_a_body_over_the_cap_is_413(setup, client, api_settings, db) -> None:
    before = await table_snapshot(db)
    response = await client.post(
        "/graphql",
        json={"query": CREATE, "variables": {"i": _event(description="x" * (api_settings.max_body_bytes + 1))}},
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == BAD
    assert await table_snapshot(db) == before
