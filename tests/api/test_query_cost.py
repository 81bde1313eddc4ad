"""A page of events costs the same number of SQL statements whatever its size: the loaders batch."""

from __future__ import annotations

from boxoffice.booking.service import book
from boxoffice.db.models import Role
from tests.support.factories import booker
from tests.support.statements import counting_statements

PAGE = """
query($first: Int!) {
  events(first: $first) {
    edges { node {
      id title seatsRemaining waitlistLength
      organizer { name }
      myBooking { id status waitlistPosition }
    } }
  }
}"""


async def test_events_page_cost_does_not_grow_with_its_size(db, make_user, make_event, gql, token_for) -> None:
    viewer = await make_user(Role.AUDIENCE)
    rival = await make_user(Role.AUDIENCE)
    organizers = [await make_user(Role.ORGANIZER) for _ in range(7)]
    events = [await make_event(capacity=1, organizer=organizers[n % len(organizers)]) for n in range(60)]
    async with db.sessions() as session:
        for n, booked in enumerate(events):
            if n % 3 == 0:
                # Someone else took the only seat: the viewer waits in line.
                await book(session, booker(rival.id), booked.id)
            if n % 3 != 2:
                await book(session, booker(viewer.id), booked.id)
    token = token_for(viewer)

    costs: dict[int, int] = {}
    for first in (5, 50):
        with counting_statements(db) as statements:
            reply = await gql(PAGE, {"first": first}, token=token)
        assert reply.errors == [], reply.body
        edges = reply.data["events"]["edges"]
        assert len(edges) == first
        statuses = {edge["node"]["myBooking"]["status"] for edge in edges if edge["node"]["myBooking"]}
        assert statuses == {"CONFIRMED", "WAITLISTED"}
        assert all(
            edge["node"]["myBooking"]["waitlistPosition"] == 1
            for edge in edges
            if edge["node"]["myBooking"] and edge["node"]["myBooking"]["status"] == "WAITLISTED"
        )
        assert all(edge["node"]["organizer"]["name"] for edge in edges)
        costs[first] = len(statements)

    assert costs[5] == costs[50]
    # The caller, the page, organizers, the caller's bookings, and places in line.
    assert costs[50] <= 5, costs
