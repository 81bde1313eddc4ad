"""Event.bookingsPage: an event's bookings a page at a time, both ways, filtered by status, with counts."""

from __future__ import annotations

from boxoffice.auth.actor import Actor
from boxoffice.booking.service import book, cancel
from boxoffice.db.models import Role
from tests.support.factories import PASSWORD, booker, make_users

PAGE = """query($id: ID!, $status: BookingStatus, $first: Int, $after: String, $last: Int, $before: String) {
  event(id: $id) {
    bookingsPage(status: $status, first: $first, after: $after, last: $last, before: $before) {
      edges { cursor node { id status quantity waitlistPosition user { email } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      totalCount
      counts { confirmed waitlisted cancelled confirmedTickets waitlistedTickets cancelledTickets }
    }
  }
}"""


async def _crowd(db, make_event, make_user, *, capacity: int, bookers: int):
    """An event with `bookers` one-seat bookings in order (the first `capacity` confirmed) and its organizer."""
    organizer = await make_user(Role.ORGANIZER, password=PASSWORD)
    event = await make_event(capacity=capacity, organizer=organizer)
    ids = await make_users(db, bookers)
    async with db.sessions() as session:
        booked = [await book(session, booker(user_id), event.id, 1) for user_id in ids]
    return event, organizer, booked


def _page(reply):
    assert reply.errors == [], reply.body
    return reply.data["event"]["bookingsPage"]


async def test_pages_forward_through_every_booking_once(db, make_event, make_user, token_for, gql) -> None:
    event, organizer, booked = await _crowd(db, make_event, make_user, capacity=3, bookers=7)
    seen, after = [], None
    while True:
        page = _page(await gql(PAGE, {"id": str(event.id), "first": 3, "after": after}, token=token_for(organizer)))
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [str(booking.id) for booking in booked]


async def test_pages_backward_from_a_cursor(db, make_event, make_user, token_for, gql) -> None:
    event, organizer, booked = await _crowd(db, make_event, make_user, capacity=3, bookers=7)
    before = str(booked[5].id)
    page = _page(await gql(PAGE, {"id": str(event.id), "last": 2, "before": before}, token=token_for(organizer)))
    assert [edge["node"]["id"] for edge in page["edges"]] == [str(booked[3].id), str(booked[4].id)]
    assert page["pageInfo"] == {
        "hasNextPage": True,
        "hasPreviousPage": True,
        "startCursor": str(booked[3].id),
        "endCursor": str(booked[4].id),
    }


async def test_the_first_page_has_no_previous_and_the_last_no_next(db, make_event, make_user, token_for, gql) -> None:
    event, organizer, _ = await _crowd(db, make_event, make_user, capacity=3, bookers=4)
    first = _page(await gql(PAGE, {"id": str(event.id), "first": 4}, token=token_for(organizer)))
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert first["pageInfo"]["hasNextPage"] is False


async def test_a_status_filter_keeps_the_waiting_list_in_line_order(db, make_event, make_user, token_for, gql) -> None:
    event, organizer, booked = await _crowd(db, make_event, make_user, capacity=3, bookers=6)
    page = _page(await gql(PAGE, {"id": str(event.id), "status": "WAITLISTED"}, token=token_for(organizer)))
    assert [edge["node"]["waitlistPosition"] for edge in page["edges"]] == [1, 2, 3]
    assert [edge["node"]["id"] for edge in page["edges"]] == [str(booking.id) for booking in booked[3:]]
    assert page["totalCount"] == 3


async def test_counts_give_people_and_tickets_per_status(db, make_event, make_user, token_for, gql) -> None:
    event, organizer, booked = await _crowd(db, make_event, make_user, capacity=3, bookers=6)
    async with db.sessions() as session:
        await cancel(session, Actor.system(), booked[5].id)
    page = _page(await gql(PAGE, {"id": str(event.id), "first": 1}, token=token_for(organizer)))
    assert page["counts"] == {
        "confirmed": 3,
        "waitlisted": 2,
        "cancelled": 1,
        "confirmedTickets": 3,
        "waitlistedTickets": 2,
        "cancelledTickets": 1,
    }
    assert page["totalCount"] == 6


async def test_the_page_size_is_capped(db, make_event, make_user, token_for, gql) -> None:
    event, organizer, _ = await _crowd(db, make_event, make_user, capacity=1, bookers=1)
    reply = await gql(PAGE, {"id": str(event.id), "first": 101}, token=token_for(organizer))
    assert reply.code == "BAD_USER_INPUT"


async def test_first_and_last_together_are_bad_input(db, make_event, make_user, token_for, gql) -> None:
    event, organizer, _ = await _crowd(db, make_event, make_user, capacity=1, bookers=1)
    reply = await gql(PAGE, {"id": str(event.id), "first": 1, "last": 1}, token=token_for(organizer))
    assert reply.code == "BAD_USER_INPUT"


async def test_a_cursor_not_given_out_is_bad_input(db, make_event, make_user, token_for, gql) -> None:
    event, organizer, _ = await _crowd(db, make_event, make_user, capacity=1, bookers=1)
    reply = await gql(PAGE, {"id": str(event.id), "after": "abc"}, token=token_for(organizer))
    assert reply.code == "BAD_USER_INPUT"
