"""The role matrix: every mutation and every protected field, called by each kind of caller."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from boxoffice.booking.service import book
from boxoffice.db.models import Event, EventStatus, Role, User
from tests.support.factories import PASSWORD, booker
from tests.support.offers import offer_event, open_offer

CALLERS = ["signed_out", "audience", "owner", "other_organizer", "admin"]
OK, NULL = "ok", "null"
UNAUTH, FORBIDDEN, NOT_FOUND, CONFLICT = "UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "CONFLICT"


@dataclass
class World:
    users: dict[str, User]
    tokens: dict[str, str | None]
    published: Event
    draft: Event
    spare: Event
    booking_id: int
    # The audience member's open offer on an OFFER event of the owner's.
    offer_id: int


@pytest.fixture
async def world(make_user, make_event, token_for, db) -> World:
    users = {
        "audience": await make_user(Role.AUDIENCE, password=PASSWORD),
        "owner": await make_user(Role.ORGANIZER, password=PASSWORD),
        "other_organizer": await make_user(Role.ORGANIZER, password=PASSWORD),
        "admin": await make_user(Role.ADMIN, password=PASSWORD),
    }
    owner = users["owner"]
    published = await make_event(capacity=5, organizer=owner)
    draft = await make_event(capacity=5, status=EventStatus.DRAFT, organizer=owner)
    spare = await make_event(capacity=5, organizer=owner)
    async with db.sessions() as session:
        booking = await book(session, booker(users["audience"].id), published.id)
    offering = await offer_event(make_event, db, organizer=owner)
    offer = await open_offer(db, offering, await make_user(), users["audience"])
    tokens: dict[str, str | None] = {name: token_for(user) for name, user in users.items()}
    tokens["signed_out"] = None
    return World(users, tokens, published, draft, spare, booking.id, offer.offered.id)


def _everyone(outcome: str) -> dict[str, str]:
    return dict.fromkeys(CALLERS, outcome)


def _expect(signed_out: str, audience: str, owner: str, other_organizer: str, admin: str) -> dict[str, str]:
    return dict(zip(CALLERS, [signed_out, audience, owner, other_organizer, admin], strict=True))


@dataclass(frozen=True)
class Case:
    name: str
    query: str
    variables: Callable[[World], dict[str, Any]]
    expected: dict[str, str]


EVENT_INPUT = {"title": "New show", "venue": "Hall", "startsAt": "2031-01-01T20:00:00Z", "capacity": 50}

CASES = [
    Case(
        "register",
        'mutation { register(email: "fresh@example.com", password: "long enough", name: "Fresh") { token } }',
        lambda w: {},
        _everyone(OK),
    ),
    Case(
        "login",
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
        lambda w: {"e": w.users["audience"].email, "p": PASSWORD},
        _everyone(OK),
    ),
    Case(
        "createEvent with the offer policy",
        "mutation($i: EventInput!) { createEvent(input: $i) { waitlistPolicy offerMinutes } }",
        lambda w: {"i": {**EVENT_INPUT, "waitlistPolicy": "OFFER", "offerMinutes": 30}},
        _expect(UNAUTH, FORBIDDEN, OK, OK, OK),
    ),
    Case(
        "updateEvent policy",
        "mutation($id: ID!) { updateEvent(id: $id, input: {waitlistPolicy: OFFER, offerMinutes: 5}) { offerMinutes } }",
        lambda w: {"id": str(w.published.id)},
        _expect(UNAUTH, FORBIDDEN, OK, FORBIDDEN, OK),
    ),
    Case(
        "createEvent",
        "mutation($i: EventInput!) { createEvent(input: $i) { id status } }",
        lambda w: {"i": EVENT_INPUT},
        _expect(UNAUTH, FORBIDDEN, OK, OK, OK),
    ),
    Case(
        "updateEvent published",
        'mutation($id: ID!) { updateEvent(id: $id, input: {title: "Renamed"}) { title } }',
        lambda w: {"id": str(w.published.id)},
        _expect(UNAUTH, FORBIDDEN, OK, FORBIDDEN, OK),
    ),
    Case(
        "updateEvent draft",
        "mutation($id: ID!) { updateEvent(id: $id, input: {capacity: 9}) { capacity } }",
        lambda w: {"id": str(w.draft.id)},
        _expect(UNAUTH, FORBIDDEN, OK, NOT_FOUND, OK),
    ),
    Case(
        "publishEvent draft",
        "mutation($id: ID!) { publishEvent(id: $id) { status } }",
        lambda w: {"id": str(w.draft.id)},
        _expect(UNAUTH, FORBIDDEN, OK, NOT_FOUND, OK),
    ),
    Case(
        "cancelEvent published",
        "mutation($id: ID!) { cancelEvent(id: $id) { status } }",
        lambda w: {"id": str(w.published.id)},
        _expect(UNAUTH, FORBIDDEN, OK, FORBIDDEN, OK),
    ),
    Case(
        "cancelEvent draft",
        "mutation($id: ID!) { cancelEvent(id: $id) { status } }",
        lambda w: {"id": str(w.draft.id)},
        _expect(UNAUTH, FORBIDDEN, OK, NOT_FOUND, OK),
    ),
    Case(
        "bookEvent published",
        "mutation($id: ID!) { bookEvent(eventId: $id, quantity: 2) { status } }",
        lambda w: {"id": str(w.spare.id)},
        _expect(UNAUTH, OK, OK, OK, OK),
    ),
    Case(
        "bookEvent draft",
        "mutation($id: ID!) { bookEvent(eventId: $id) { status } }",
        lambda w: {"id": str(w.draft.id)},
        # Those who can see the draft learn it is not open yet; for everyone else it does not exist.
        _expect(UNAUTH, NOT_FOUND, CONFLICT, NOT_FOUND, CONFLICT),
    ),
    Case(
        "cancelBooking of the audience member",
        "mutation($id: ID!) { cancelBooking(id: $id) { status } }",
        lambda w: {"id": str(w.booking_id)},
        _expect(UNAUTH, OK, NOT_FOUND, NOT_FOUND, OK),
    ),
    Case(
        "cancelBooking with an idempotency key",
        'mutation($id: ID!) { cancelBooking(id: $id, idempotencyKey: "k-1") { status } }',
        lambda w: {"id": str(w.booking_id)},
        _expect(UNAUTH, OK, NOT_FOUND, NOT_FOUND, OK),
    ),
    Case(
        "bookEvent with an idempotency key",
        'mutation($id: ID!) { bookEvent(eventId: $id, idempotencyKey: "k-2") { status } }',
        lambda w: {"id": str(w.spare.id)},
        _expect(UNAUTH, OK, OK, OK, OK),
    ),
    Case(
        "acceptOffer of the audience member",
        "mutation($id: ID!) { acceptOffer(bookingId: $id) { status } }",
        lambda w: {"id": str(w.offer_id)},
        # Only the booker accepts: those who could act on the booking otherwise learn so, others that it is not there.
        _expect(UNAUTH, OK, FORBIDDEN, NOT_FOUND, FORBIDDEN),
    ),
    Case(
        "cancelBooking declines the audience member's offer",
        "mutation($id: ID!) { cancelBooking(id: $id) { status } }",
        lambda w: {"id": str(w.offer_id)},
        _expect(UNAUTH, OK, NOT_FOUND, NOT_FOUND, OK),
    ),
    Case(
        "simulateBookings",
        "mutation($id: ID!) { simulateBookings(eventId: $id, users: 3) { bookers confirmed overbooked } }",
        lambda w: {"id": str(w.spare.id)},
        _expect(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    ),
    Case(
        "setUserRole",
        "mutation($id: ID!) { setUserRole(userId: $id, role: ORGANIZER) { role } }",
        lambda w: {"id": str(w.users["audience"].id)},
        _expect(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    ),
    Case(
        "changeName",
        'mutation { changeName(name: "New Name") { name } }',
        lambda w: {},
        _expect(UNAUTH, OK, OK, OK, OK),
    ),
    Case(
        "changePassword",
        'mutation($p: String!) { changePassword(currentPassword: $p, newPassword: "another long one") { token } }',
        lambda w: {"p": PASSWORD},
        _expect(UNAUTH, OK, OK, OK, OK),
    ),
    Case(
        "deleteAccount",
        "mutation($p: String!) { deleteAccount(password: $p) { cancelledBookings } }",
        lambda w: {"p": PASSWORD},
        # The owner organizes events and the admin is the last one: their accounts stay.
        _expect(UNAUTH, OK, CONFLICT, OK, CONFLICT),
    ),
    Case(
        "setUserActive",
        "mutation($id: ID!) { setUserActive(userId: $id, active: false) { active } }",
        lambda w: {"id": str(w.users["audience"].id)},
        _expect(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    ),
    Case(
        "purgeSyntheticUsers",
        "mutation { purgeSyntheticUsers { users promotedBookings { id } } }",
        lambda w: {},
        _expect(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    ),
    Case("me", "{ me { id } }", lambda w: {}, _expect(NULL, OK, OK, OK, OK)),
    Case(
        "Booking.history through myBookings",
        "{ myBookings { status history { at status reason waitlistPosition } } }",
        lambda w: {},
        _expect(UNAUTH, OK, OK, OK, OK),
    ),
    Case(
        "Booking.history through Event.bookings",
        "query($id: ID!) { event(id: $id) { bookings { history { reason } } } }",
        lambda w: {"id": str(w.published.id)},
        _expect(UNAUTH, FORBIDDEN, OK, FORBIDDEN, OK),
    ),
    Case(
        "Booking.history through acceptOffer",
        "mutation($id: ID!) { acceptOffer(bookingId: $id) { history { reason } } }",
        lambda w: {"id": str(w.offer_id)},
        _expect(UNAUTH, OK, FORBIDDEN, NOT_FOUND, FORBIDDEN),
    ),
    Case(
        "Booking.offerExpiresAt through myBookings",
        "{ myBookings { status offerExpiresAt } }",
        lambda w: {},
        _expect(UNAUTH, OK, OK, OK, OK),
    ),
    Case("myBookings", "{ myBookings { id } }", lambda w: {}, _expect(UNAUTH, OK, OK, OK, OK)),
    Case(
        "users",
        "{ users { edges { node { email } } } }",
        lambda w: {},
        _expect(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    ),
    Case(
        "Event.bookings",
        "query($id: ID!) { event(id: $id) { bookings { id user { email } } } }",
        lambda w: {"id": str(w.published.id)},
        _expect(UNAUTH, FORBIDDEN, OK, FORBIDDEN, OK),
    ),
    Case(
        "Event.bookings through events",
        "{ events { edges { node { bookings(status: CONFIRMED) { id } } } } }",
        lambda w: {},
        _expect(UNAUTH, FORBIDDEN, OK, FORBIDDEN, OK),
    ),
    Case(
        "Event.bookingsPage",
        "query($id: ID!) { event(id: $id) { bookingsPage(first: 10) { totalCount edges { node { id } } } } }",
        lambda w: {"id": str(w.published.id)},
        _expect(UNAUTH, FORBIDDEN, OK, FORBIDDEN, OK),
    ),
    Case(
        "Event.bookingsPage counts",
        "query($id: ID!) { event(id: $id) { bookingsPage(status: CONFIRMED) { counts { confirmed } } } }",
        lambda w: {"id": str(w.published.id)},
        _expect(UNAUTH, FORBIDDEN, OK, FORBIDDEN, OK),
    ),
    Case(
        "events by organizer and search",
        'query($o: ID!) { events(organizerId: $o, search: "concert", orderBy: START_TIME_DESC) { edges { cursor } } }',
        lambda w: {"o": str(w.users["owner"].id)},
        _everyone(OK),
    ),
    Case(
        "event draft",
        "query($id: ID!) { event(id: $id) { id status } }",
        lambda w: {"id": str(w.draft.id)},
        # Hidden events read as null, without an error.
        _expect(NULL, NULL, OK, NULL, OK),
    ),
    Case(
        "event published",
        "query($id: ID!) { event(id: $id) { id organizer { name } myBooking { id } } }",
        lambda w: {"id": str(w.published.id)},
        _everyone(OK),
    ),
    Case(
        "Event policy fields, published",
        "query($id: ID!) { event(id: $id) { waitlistPolicy offerMinutes offeredSeats } }",
        lambda w: {"id": str(w.published.id)},
        _everyone(OK),
    ),
    Case(
        "Event policy fields, draft",
        "query($id: ID!) { event(id: $id) { waitlistPolicy offerMinutes offeredSeats } }",
        lambda w: {"id": str(w.draft.id)},
        _expect(NULL, NULL, OK, NULL, OK),
    ),
    Case(
        "Event policy fields through the list",
        "{ events { edges { node { waitlistPolicy offerMinutes offeredSeats } } } }",
        lambda w: {},
        _everyone(OK),
    ),
]


@pytest.mark.parametrize(
    ("case", "caller"),
    [pytest.param(case, caller, id=f"{case.name}-{caller}") for case in CASES for caller in CALLERS],
)
async def test_role_matrix(case: Case, caller: str, world: World, gql) -> None:
    reply = await gql(case.query, case.variables(world), token=world.tokens[caller])
    expected = case.expected[caller]
    if expected == OK:
        assert reply.errors == [], reply.body
        assert all(value is not None for value in reply.data.values()), reply.body
    elif expected == NULL:
        assert reply.errors == [], reply.body
        assert all(value is None for value in reply.data.values()), reply.body
    else:
        assert reply.codes and set(reply.codes) == {expected}, reply.body
        assert reply.errors[0]["message"]


async def test_a_drafts_existence_does_not_leak_into_lists(world: World, gql) -> None:
    def ids(reply) -> set[int]:
        return {int(edge["node"]["id"]) for edge in reply.data["events"]["edges"]}

    query = "{ events { edges { node { id } } } }"
    for caller in ("signed_out", "audience", "other_organizer"):
        assert world.draft.id not in ids(await gql(query, token=world.tokens[caller]))
    for caller in ("owner", "admin"):
        assert world.draft.id in ids(await gql(query, token=world.tokens[caller]))


async def test_an_organizers_drafts_show_in_their_filtered_list_only_to_those_who_may_see_them(
    world: World, gql
) -> None:
    query = "query($o: ID!) { events(organizerId: $o) { edges { node { id } } } }"
    variables = {"o": str(world.users["owner"].id)}

    def ids(reply) -> set[int]:
        return {int(edge["node"]["id"]) for edge in reply.data["events"]["edges"]}

    for caller in ("signed_out", "audience", "other_organizer"):
        assert world.draft.id not in ids(await gql(query, variables, token=world.tokens[caller]))
    for caller in ("owner", "admin"):
        assert world.draft.id in ids(await gql(query, variables, token=world.tokens[caller]))
