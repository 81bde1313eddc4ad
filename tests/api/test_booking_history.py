"""Booking.history through the API: what each change records, who reads it, and what reading it costs."""

from __future__ import annotations

from typing import Any

from boxoffice.auth.actor import Actor
from boxoffice.booking.service import book, cancel
from boxoffice.db.models import Role
from boxoffice.events.service import cancel_event
from tests.support.factories import PASSWORD, booker
from tests.support.offers import offer_event, open_offer, pass_deadline
from tests.support.statements import counting_statements

MY_HISTORY = "{ myBookings { id status history { at status reason waitlistPosition } } }"
EVENT_HISTORIES = """query($id: ID!) {
  event(id: $id) { bookings { id user { id } history { status reason waitlistPosition } } }
}"""
ACCEPT = "mutation($id: ID!) { acceptOffer(bookingId: $id) { status history { status reason waitlistPosition } } }"


def _changes(booking: dict[str, Any]) -> list[tuple[str, str, int | None]]:
    return [(c["status"], c["reason"], c["waitlistPosition"]) for c in booking["history"]]


async def _my_history(gql, token: str) -> list[dict[str, Any]]:
    bookings: list[dict[str, Any]] = (await gql(MY_HISTORY, token=token)).ok()["myBookings"]
    return bookings


async def test_a_booking_confirmed_at_once_then_cancelled(db, make_event, make_user, token_for, gql) -> None:
    event, user = await make_event(capacity=3), await make_user()
    async with db.sessions() as session:
        booking = await book(session, booker(user.id), event.id)
        await cancel(session, booker(user.id), booking.id)

    [mine] = await _my_history(gql, token_for(user))

    assert _changes(mine) == [("CONFIRMED", "BOOKED", None), ("CANCELLED", "CANCELLED", None)]
    assert mine["history"][0]["at"] <= mine["history"][1]["at"]


async def test_promotion_records_the_place_left_and_shifts_behind_are_not_changes(
    db, make_event, make_user, token_for, gql
) -> None:
    event = await make_event(capacity=1)
    holder, first, second = await make_user(), await make_user(), await make_user()
    async with db.sessions() as session:
        held = await book(session, booker(holder.id), event.id)
        await book(session, booker(first.id), event.id)
        await book(session, booker(second.id), event.id)
        await cancel(session, booker(holder.id), held.id)

    [promoted] = await _my_history(gql, token_for(first))
    [waiting] = await _my_history(gql, token_for(second))

    assert _changes(promoted) == [("WAITLISTED", "WAITLISTED", 1), ("CONFIRMED", "PROMOTED", 1)]
    # Now first in line, but moving up is derived, not recorded.
    assert _changes(waiting) == [("WAITLISTED", "WAITLISTED", 2)]


async def test_an_accepted_offer(db, make_event, make_user, token_for, gql) -> None:
    event = await offer_event(make_event, db)
    waiting = await make_user(password=PASSWORD)
    offer = await open_offer(db, event, await make_user(), waiting)

    accepted = (await gql(ACCEPT, {"id": str(offer.offered.id)}, token=token_for(waiting))).ok()["acceptOffer"]

    assert _changes(accepted) == [
        ("WAITLISTED", "WAITLISTED", 1),
        ("OFFERED", "OFFERED", 1),
        ("CONFIRMED", "ACCEPTED", None),
    ]


async def test_an_expired_offer(db, make_event, make_user, token_for, gql) -> None:
    event = await offer_event(make_event, db)
    waiting = await make_user()
    offer = await open_offer(db, event, await make_user(), waiting)
    await pass_deadline(db, offer.offered.id)
    # Any lock of the event expires what is due: here, another booking.
    async with db.sessions() as session:
        await book(session, booker((await make_user()).id), event.id)

    [expired] = await _my_history(gql, token_for(waiting))

    assert expired["status"] == "EXPIRED"
    assert _changes(expired)[-1] == ("EXPIRED", "EXPIRED", None)


async def test_the_organizer_and_admins_read_every_booking_history_of_the_event(
    db, make_event, make_user, token_for, gql
) -> None:
    organizer = await make_user(Role.ORGANIZER)
    event = await make_event(capacity=1, organizer=organizer)
    users = [await make_user() for _ in range(3)]
    async with db.sessions() as session:
        for user in users:
            await book(session, booker(user.id), event.id)

    for reader in (organizer, await make_user(Role.ADMIN)):
        bookings = (await gql(EVENT_HISTORIES, {"id": str(event.id)}, token=token_for(reader))).ok()["event"][
            "bookings"
        ]
        assert [_changes(b) for b in bookings] == [
            [("CONFIRMED", "BOOKED", None)],
            [("WAITLISTED", "WAITLISTED", 1)],
            [("WAITLISTED", "WAITLISTED", 2)],
        ]


async def test_an_event_cancelled_by_its_organizer_shows_in_every_history(
    db, make_event, make_user, token_for, gql
) -> None:
    event, user = await make_event(capacity=1), await make_user()
    async with db.sessions() as session:
        await book(session, booker(user.id), event.id)
    async with db.sessions() as session:
        await cancel_event(session, Actor.system(), event.id)

    [mine] = await _my_history(gql, token_for(user))

    assert _changes(mine)[-1] == ("CANCELLED", "EVENT_CANCELLED", None)


async def test_reading_histories_costs_the_same_for_few_bookings_and_many(
    db, make_event, make_user, token_for, gql
) -> None:
    few, many = await make_user(), await make_user()
    events = [await make_event(capacity=1) for _ in range(12)]
    async with db.sessions() as session:
        for n, booked in enumerate(events):
            mine = await book(session, booker(many.id), booked.id)
            if n % 2:
                await cancel(session, booker(many.id), mine.id)
            if n < 2:
                await book(session, booker(few.id), booked.id)

    costs = {}
    for user, count in ((few, 2), (many, 12)):
        token = token_for(user)
        with counting_statements(db) as statements:
            bookings = await _my_history(gql, token)
        assert len(bookings) == count
        assert all(b["history"] for b in bookings)
        costs[count] = len(statements)

    assert costs[2] == costs[12], costs
