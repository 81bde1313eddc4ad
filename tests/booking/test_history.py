"""API.md "Additions (turn 2)", history: every change of a booking is appended in the transaction of the change,
with its reason and, where it applies, the place in line; read back oldest first, many bookings at once."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.auth.actor import Actor
from boxoffice.booking import service
from boxoffice.booking.history import history_of
from boxoffice.db.models import BookingStatus, ChangeReason, Role
from boxoffice.db.session import Database
from boxoffice.events.service import EventChanges, cancel_event, update_event
from tests.support.factories import EventFactory, UserFactory, booker
from tests.support.ledger import history


async def test_a_confirmed_booking_starts_its_history_as_booked(
    db: Database, session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=2)
    booking = await service.book(session, booker((await make_user()).id), event.id, 1)
    assert await history(db, booking.id) == [("CONFIRMED", "BOOKED", None)]


async def test_a_waiting_booking_starts_its_history_with_the_place_it_joined(
    db: Database, session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=1)
    await service.book(session, booker((await make_user()).id), event.id, 1)
    first = await service.book(session, booker((await make_user()).id), event.id, 1)
    second = await service.book(session, booker((await make_user()).id), event.id, 1)
    assert await history(db, first.id) == [("WAITLISTED", "WAITLISTED", 1)]
    assert await history(db, second.id) == [("WAITLISTED", "WAITLISTED", 2)]


async def test_a_promotion_records_the_place_the_booking_left_the_line_from(
    db: Database, session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=2)
    holder = await service.book(session, booker((await make_user()).id), event.id, 2)
    first = await service.book(session, booker((await make_user()).id), event.id, 1)
    second = await service.book(session, booker((await make_user()).id), event.id, 1)
    await service.cancel(session, booker(holder.user_id), holder.id)
    assert (await history(db, first.id))[-1] == ("CONFIRMED", "PROMOTED", 1)
    assert (await history(db, second.id))[-1] == ("CONFIRMED", "PROMOTED", 2)


async def test_a_capacity_raise_under_auto_confirm_records_capacity_changed(
    db: Database, session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=1)
    await service.book(session, booker((await make_user()).id), event.id, 1)
    waiting = await service.book(session, booker((await make_user()).id), event.id, 1)
    await update_event(session, Actor.user(event.organizer_id, Role.ORGANIZER), event.id, EventChanges(capacity=2))
    assert (await history(db, waiting.id))[-1] == ("CONFIRMED", "CAPACITY_CHANGED", 1)


async def test_cancellations_record_who_ended_the_booking(
    db: Database, session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=5)
    mine = await service.book(session, booker((await make_user()).id), event.id, 1)
    other = await service.book(session, booker((await make_user()).id), event.id, 1)
    await service.cancel(session, booker(mine.user_id), mine.id)
    await cancel_event(session, Actor.user(event.organizer_id, Role.ORGANIZER), event.id)
    assert (await history(db, mine.id))[-1] == ("CANCELLED", "CANCELLED", None)
    assert (await history(db, other.id))[-1] == ("CANCELLED", "EVENT_CANCELLED", None)


async def test_history_of_reads_many_bookings_at_once_oldest_first(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=1)
    holder = await service.book(session, booker((await make_user()).id), event.id, 1)
    waiting = await service.book(session, booker((await make_user()).id), event.id, 1)
    await service.cancel(session, booker(holder.user_id), holder.id)

    found = await history_of(session, [holder.id, waiting.id, 10**12])

    assert set(found) == {holder.id, waiting.id}
    assert [(c.status, c.reason, c.waitlist_position) for c in found[waiting.id]] == [
        (BookingStatus.WAITLISTED, ChangeReason.WAITLISTED, 1),
        (BookingStatus.CONFIRMED, ChangeReason.PROMOTED, 1),
    ]
    assert [c.reason for c in found[holder.id]] == [ChangeReason.BOOKED, ChangeReason.CANCELLED]
    assert found[holder.id][0].at < found[holder.id][1].at


async def test_history_of_nothing_is_empty(session: AsyncSession) -> None:
    assert await history_of(session, []) == {}
