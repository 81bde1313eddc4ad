"""Offers through the API: acceptOffer and cancelBooking on OFFERED bookings, and what the event shows meanwhile."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from boxoffice.booking.invariants import check_invariants
from boxoffice.booking.service import book
from boxoffice.db.models import Role
from tests.support.factories import PASSWORD, booker
from tests.support.offers import offer_event, offered_to, open_offer, pass_deadline

ACCEPT = "mutation($id: ID!) { acceptOffer(bookingId: $id) { id status confirmedAt offerExpiresAt waitlistPosition } }"
DECLINE = "mutation($id: ID!) { cancelBooking(id: $id) { id status cancellationReason offerExpiresAt } }"
DECLINE_WITH_HISTORY = "mutation($id: ID!) { cancelBooking(id: $id) { status history { reason } } }"
BOOKING = "{ myBookings { id status offerExpiresAt waitlistPosition confirmedAt } }"
EVENT = "query($id: ID!) { event(id: $id) { capacity seatsRemaining offeredSeats waitlistLength waitlistPolicy } }"


async def test_an_offered_booking_shows_its_deadline_and_holds_its_seats(
    db, make_user, make_event, token_for, gql
) -> None:
    waiting = await make_user(password=PASSWORD)
    offer = await offered_to(make_user, make_event, db, waiting)

    mine = (await gql(BOOKING, token=token_for(waiting))).ok()["myBookings"]
    assert [(b["id"], b["status"], b["waitlistPosition"], b["confirmedAt"]) for b in mine] == [
        (str(offer.offered.id), "OFFERED", None, None)
    ]
    # The event's 60 offer minutes, from the moment the seat was given up.
    left = datetime.fromisoformat(mine[0]["offerExpiresAt"]) - datetime.now(UTC)
    assert timedelta(minutes=59) < left <= timedelta(minutes=60)
    event = (await gql(EVENT, {"id": str(offer.event.id)})).ok()["event"]
    assert event == {
        "capacity": 1,
        "seatsRemaining": 0,
        "offeredSeats": 1,
        "waitlistLength": 0,
        "waitlistPolicy": "OFFER",
    }


async def test_accepting_an_open_offer_confirms_it(db, make_user, make_event, token_for, gql) -> None:
    waiting = await make_user(password=PASSWORD)
    offer = await offered_to(make_user, make_event, db, waiting)

    accepted = (await gql(ACCEPT, {"id": str(offer.offered.id)}, token=token_for(waiting))).ok()["acceptOffer"]

    assert (accepted["id"], accepted["status"], accepted["offerExpiresAt"]) == (
        str(offer.offered.id),
        "CONFIRMED",
        None,
    )
    assert accepted["confirmedAt"] is not None
    event = (await gql(EVENT, {"id": str(offer.event.id)})).ok()["event"]
    assert (event["seatsRemaining"], event["offeredSeats"]) == (0, 0)


async def test_accepting_twice_is_a_conflict(db, make_user, make_event, token_for, gql) -> None:
    waiting = await make_user(password=PASSWORD)
    offer = await offered_to(make_user, make_event, db, waiting)
    token = token_for(waiting)
    (await gql(ACCEPT, {"id": str(offer.offered.id)}, token=token)).ok()

    again = await gql(ACCEPT, {"id": str(offer.offered.id)}, token=token)

    assert again.codes == ["CONFLICT"], again.body
    assert again.data is None


async def test_a_waitlisted_booking_cannot_be_accepted(db, make_user, make_event, token_for, gql) -> None:
    event = await offer_event(make_event, db, capacity=1)
    first, second, third = [await make_user(password=PASSWORD) for _ in range(3)]
    offer = await open_offer(db, event, first, second)
    waiting = (
        await gql(
            "mutation($id: ID!) { bookEvent(eventId: $id) { id status } }",
            {"id": str(event.id)},
            token=token_for(third),
        )
    ).ok()["bookEvent"]
    assert waiting["status"] == "WAITLISTED"

    reply = await gql(ACCEPT, {"id": waiting["id"]}, token=token_for(third))

    assert reply.codes == ["CONFLICT"], reply.body
    assert offer.offered.id != int(waiting["id"])


async def test_a_passed_deadline_is_a_conflict_and_the_offer_expires(db, make_user, make_event, token_for, gql) -> None:
    event = await offer_event(make_event, db, capacity=1)
    holder, late, next_in_line = (
        await make_user(),
        await make_user(password=PASSWORD),
        await make_user(password=PASSWORD),
    )
    offer = await open_offer(db, event, holder, late)
    behind = (
        await gql(
            "mutation($id: ID!) { bookEvent(eventId: $id) { id status } }",
            {"id": str(event.id)},
            token=token_for(next_in_line),
        )
    ).ok()["bookEvent"]
    await pass_deadline(db, offer.offered.id)

    reply = await gql(ACCEPT, {"id": str(offer.offered.id)}, token=token_for(late))

    assert reply.codes == ["CONFLICT"], reply.body
    assert "expired" in reply.errors[0]["message"].lower()
    # The expiry was committed even though the answer is an error, and the seat went on to the next in line.
    assert [b["status"] for b in (await gql(BOOKING, token=token_for(late))).ok()["myBookings"]] == ["EXPIRED"]
    mine = (await gql(BOOKING, token=token_for(next_in_line))).ok()["myBookings"]
    assert [(b["id"], b["status"]) for b in mine] == [(behind["id"], "OFFERED")]


async def test_an_offer_whose_minutes_ran_out_is_never_accepted_even_before_any_sweep(
    db, make_user, make_event, token_for, gql, offer_minute
) -> None:
    # This app runs no sweeper (no lifespan under the in-process transport): only the lock's own check expires it.
    offer_minute(0.5)
    waiting = await make_user(password=PASSWORD)
    event = await offer_event(make_event, db, minutes=1)
    offer = await open_offer(db, event, await make_user(), waiting)
    await _until_the_database_clock_passes_the_deadline(db, offer.offered.id)

    reply = await gql(ACCEPT, {"id": str(offer.offered.id)}, token=token_for(waiting))

    assert reply.codes == ["CONFLICT"], reply.body
    mine = (await gql(BOOKING, token=token_for(waiting))).ok()["myBookings"]
    assert [(b["status"], b["offerExpiresAt"]) for b in mine] == [("EXPIRED", None)]
    assert (await gql(EVENT, {"id": str(event.id)})).ok()["event"]["offeredSeats"] == 0


async def _until_the_database_clock_passes_the_deadline(db, booking_id: int) -> None:
    """Deadlines are on the database's clock: ask it, rather than sleeping for a guessed time."""
    query = text("SELECT clock_timestamp() > offer_expires_at FROM bookings WHERE id = :b")
    for _ in range(200):
        async with db.engine.connect() as connection:
            if (await connection.execute(query, {"b": booking_id})).scalar_one():
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the offer's deadline did not pass within 10 s")


async def test_declining_an_offer_hands_the_seats_to_the_next_in_line(
    db, make_user, make_event, token_for, gql
) -> None:
    event = await offer_event(make_event, db, capacity=1)
    holder, offered, next_in_line = (
        await make_user(),
        await make_user(password=PASSWORD),
        await make_user(password=PASSWORD),
    )
    offer = await open_offer(db, event, holder, offered)
    (
        await gql(
            "mutation($id: ID!) { bookEvent(eventId: $id) { id } }",
            {"id": str(event.id)},
            token=token_for(next_in_line),
        )
    ).ok()

    declined = (await gql(DECLINE, {"id": str(offer.offered.id)}, token=token_for(offered))).ok()["cancelBooking"]

    assert (declined["status"], declined["cancellationReason"], declined["offerExpiresAt"]) == (
        "CANCELLED",
        "BOOKER",
        None,
    )
    assert [b["status"] for b in (await gql(BOOKING, token=token_for(next_in_line))).ok()["myBookings"]] == ["OFFERED"]
    assert (await gql(EVENT, {"id": str(event.id)})).ok()["event"]["offeredSeats"] == 1


async def test_an_expired_offer_cannot_be_declined(db, make_user, make_event, token_for, gql) -> None:
    waiting = await make_user(password=PASSWORD)
    offer = await offered_to(make_user, make_event, db, waiting)
    await pass_deadline(db, offer.offered.id)
    assert (await gql(ACCEPT, {"id": str(offer.offered.id)}, token=token_for(waiting))).codes == ["CONFLICT"]

    reply = await gql(DECLINE, {"id": str(offer.offered.id)}, token=token_for(waiting))

    assert reply.codes == ["CONFLICT"], reply.body


async def test_accepting_an_unknown_booking_is_not_found(make_user, token_for, gql) -> None:
    reply = await gql(ACCEPT, {"id": "987654"}, token=token_for(await make_user()))
    assert reply.codes == ["NOT_FOUND"], reply.body


async def test_accepting_with_a_malformed_id_is_bad_input(make_user, token_for, gql) -> None:
    reply = await gql(ACCEPT, {"id": "offer-1"}, token=token_for(await make_user()))
    assert reply.codes == ["BAD_USER_INPUT"], reply.body


async def test_an_admin_cannot_accept_for_the_booker(db, make_user, make_event, token_for, gql) -> None:
    waiting = await make_user()
    offer = await offered_to(make_user, make_event, db, waiting)

    reply = await gql(ACCEPT, {"id": str(offer.offered.id)}, token=token_for(await make_user(Role.ADMIN)))

    assert reply.codes == ["FORBIDDEN"], reply.body
    assert [b["status"] for b in (await gql(BOOKING, token=token_for(waiting))).ok()["myBookings"]] == ["OFFERED"]


async def test_racing_acceptances_confirm_once(db, make_user, make_event, token_for, gql) -> None:
    waiting = await make_user(password=PASSWORD)
    offer = await offered_to(make_user, make_event, db, waiting)
    token = token_for(waiting)

    replies = await asyncio.gather(*(gql(ACCEPT, {"id": str(offer.offered.id)}, token=token) for _ in range(10)))

    assert sorted(reply.code or "OK" for reply in replies) == ["CONFLICT"] * 9 + ["OK"]
    await _one_history_row(db, offer.offered.id, "ACCEPTED")
    await _invariants_hold(db)


async def test_an_acceptance_racing_a_decline_is_settled_in_one_order(
    db, make_user, make_event, token_for, gql
) -> None:
    waiting = await make_user(password=PASSWORD)
    admin = await make_user(Role.ADMIN)
    for _ in range(5):
        offer = await offered_to(make_user, make_event, db, waiting)
        accept, decline = await asyncio.gather(
            gql(ACCEPT, {"id": str(offer.offered.id)}, token=token_for(waiting)),
            gql(DECLINE_WITH_HISTORY, {"id": str(offer.offered.id)}, token=token_for(admin)),
        )

        # The admin's cancelBooking always ends the booking: it declines the offer, or cancels what was just accepted.
        ended = decline.ok()["cancelBooking"]
        reasons = [change["reason"] for change in ended["history"]]
        if accept.code is None:
            assert reasons == ["WAITLISTED", "OFFERED", "ACCEPTED", "CANCELLED"]
        else:
            assert accept.code == "CONFLICT", accept.body
            assert reasons == ["WAITLISTED", "OFFERED", "DECLINED"]
        assert ended["status"] == "CANCELLED"
        event = (await gql(EVENT, {"id": str(offer.event.id)})).ok()["event"]
        assert (event["offeredSeats"], event["seatsRemaining"]) == (0, 1)
        await _invariants_hold(db)


async def _one_history_row(db, booking_id: int, reason: str) -> None:
    async with db.engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT count(*) FROM booking_history WHERE booking_id = :b AND reason = :r"),
            {"b": booking_id, "r": reason},
        )
        assert rows.scalar_one() == 1


async def _invariants_hold(db) -> None:
    async with db.sessions() as session:
        report = await check_invariants(session)
    assert report.ok, report.violations


async def test_the_organizer_counts_open_and_expired_offers(db, make_user, make_event, token_for, gql) -> None:
    organizer = await make_user(Role.ORGANIZER)
    event = await offer_event(make_event, db, capacity=2, organizer=organizer)
    late, next_in_line = await make_user(), await make_user()
    offer = await open_offer(db, event, await make_user(), late, quantity=2)
    async with db.sessions() as session:
        await book(session, booker(next_in_line.id), event.id, 2)
    await pass_deadline(db, offer.offered.id)
    # The next lock of the event expires the offer and offers its seats on.
    assert (await gql(ACCEPT, {"id": str(offer.offered.id)}, token=token_for(late))).codes == ["CONFLICT"]

    query = """query($id: ID!) {
      event(id: $id) { bookingsPage(status: OFFERED) { totalCount counts { offered expired offeredTickets expiredTickets
        confirmed cancelled } } }
    }"""
    page = (await gql(query, {"id": str(event.id)}, token=token_for(organizer))).ok()["event"]["bookingsPage"]

    assert page == {
        "totalCount": 1,
        "counts": {
            "offered": 1,
            "expired": 1,
            "offeredTickets": 2,
            "expiredTickets": 2,
            "confirmed": 0,
            "cancelled": 1,
        },
    }
