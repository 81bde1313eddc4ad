"""purgeSyntheticUsers over the API, and why a cancelled booking was cancelled."""

from __future__ import annotations

from boxoffice.auth.actor import Actor
from boxoffice.booking.service import book
from boxoffice.booking.simulate import simulate_bookings
from boxoffice.db.models import Role
from tests.support.factories import PASSWORD, booker

PURGE = """mutation {
  purgeSyntheticUsers { users events bookings seatsFreed promoted promotedBookings { status user { email } } }
}"""
REASON = "{ myBookings { status cancellationReason } }"


async def test_purge_reports_what_it_freed_and_whom_it_promoted(db, make_event, make_user, token_for, gql) -> None:
    admin, waiting = await make_user(Role.ADMIN, password=PASSWORD), await make_user(password=PASSWORD)
    event = await make_event(capacity=3)
    await simulate_bookings(db, Actor.system(), event.id, 4, max_users=100)
    async with db.sessions() as session:
        await book(session, booker(waiting.id), event.id, 2)
    reply = await gql(PURGE, token=token_for(admin))
    assert reply.data == {
        "purgeSyntheticUsers": {
            "users": 4,
            "events": 1,
            "bookings": 4,
            "seatsFreed": 3,
            "promoted": 1,
            "promotedBookings": [{"status": "CONFIRMED", "user": {"email": waiting.email}}],
        }
    }, reply.body


async def test_purge_with_nothing_synthetic_reports_zeros(make_user, token_for, gql) -> None:
    admin = await make_user(Role.ADMIN, password=PASSWORD)
    reply = await gql(PURGE, token=token_for(admin))
    assert reply.data["purgeSyntheticUsers"]["users"] == 0
    assert reply.data["purgeSyntheticUsers"]["promotedBookings"] == []


async def test_a_booking_cancelled_by_its_user_says_booker(db, make_event, make_user, token_for, gql) -> None:
    user = await make_user(password=PASSWORD)
    event = await make_event()
    async with db.sessions() as session:
        booking = await book(session, booker(user.id), event.id)
    await gql("mutation($id: ID!) { cancelBooking(id: $id) { id } }", {"id": str(booking.id)}, token=token_for(user))
    reply = await gql(REASON, token=token_for(user))
    assert reply.data["myBookings"] == [{"status": "CANCELLED", "cancellationReason": "BOOKER"}]


async def test_a_booking_cancelled_by_an_admin_says_admin(db, make_event, make_user, token_for, gql) -> None:
    user, admin = await make_user(password=PASSWORD), await make_user(Role.ADMIN, password=PASSWORD)
    event = await make_event()
    async with db.sessions() as session:
        booking = await book(session, booker(user.id), event.id)
    await gql("mutation($id: ID!) { cancelBooking(id: $id) { id } }", {"id": str(booking.id)}, token=token_for(admin))
    reply = await gql(REASON, token=token_for(user))
    assert reply.data["myBookings"] == [{"status": "CANCELLED", "cancellationReason": "ADMIN"}]


async def test_bookings_of_a_cancelled_event_say_event_cancelled(db, make_event, make_user, token_for, gql) -> None:
    user, organizer = await make_user(password=PASSWORD), await make_user(Role.ORGANIZER, password=PASSWORD)
    event = await make_event(capacity=1, organizer=organizer)
    async with db.sessions() as session:
        await book(session, booker(user.id), event.id)
    await gql("mutation($id: ID!) { cancelEvent(id: $id) { id } }", {"id": str(event.id)}, token=token_for(organizer))
    reply = await gql(REASON, token=token_for(user))
    assert reply.data["myBookings"] == [{"status": "CANCELLED", "cancellationReason": "EVENT_CANCELLED"}]


async def test_an_active_booking_has_no_cancellation_reason(db, make_event, make_user, token_for, gql) -> None:
    user = await make_user(password=PASSWORD)
    event = await make_event()
    async with db.sessions() as session:
        await book(session, booker(user.id), event.id)
    reply = await gql(REASON, token=token_for(user))
    assert reply.data["myBookings"] == [{"status": "CONFIRMED", "cancellationReason": None}]
