"""API.md "Booking semantics", one rule per test, on real PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.auth.actor import Actor
from boxoffice.booking import service
from boxoffice.booking.invariants import check_invariants
from boxoffice.booking.queries import waitlist_positions
from boxoffice.db.models import Booking, BookingStatus, Event, EventStatus, Role
from boxoffice.errors import BadUserInput, Conflict
from boxoffice.events.service import EventChanges, update_event
from tests.support.factories import EventFactory, UserFactory, booker


async def _event_counters(session: AsyncSession, event_id: int) -> tuple[int, int]:
    row = (
        await session.execute(
            text("SELECT seats_remaining, waitlist_count FROM events WHERE id = :id"), {"id": event_id}
        )
    ).one()
    await session.commit()
    return row.seats_remaining, row.waitlist_count


async def _status(session: AsyncSession, booking_id: int) -> str:
    status = (await session.execute(text("SELECT status FROM bookings WHERE id = :id"), {"id": booking_id})).scalar()
    await session.commit()
    return str(status)


async def _book_many(session: AsyncSession, make_user: UserFactory, event: Event, *quantities: int) -> list[Booking]:
    return [await service.book(session, booker((await make_user()).id), event.id, q) for q in quantities]


async def _position(session: AsyncSession, booking_id: int) -> int | None:
    position = (await waitlist_positions(session, [booking_id])).get(booking_id)
    await session.commit()
    return position


async def _change_capacity(session: AsyncSession, event: Event, capacity: int) -> Event:
    """As the event's organizer, through the service `updateEvent` runs."""
    return await update_event(
        session, Actor.user(event.organizer_id, Role.ORGANIZER), event.id, EventChanges(capacity=capacity)
    )


async def _assert_invariants(session: AsyncSession) -> None:
    report = await check_invariants(session)
    await session.commit()
    assert report.ok, report.violations


async def test_booking_with_free_seats_is_confirmed_and_takes_them(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=10)
    booking = await service.book(session, booker((await make_user()).id), event.id, 3)
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.confirmed_at is not None
    assert await _position(session, booking.id) is None
    assert await _event_counters(session, event.id) == (7, 0)
    await _assert_invariants(session)


async def test_booking_without_enough_seats_joins_the_end_of_the_waitlist(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=2)
    _, first_waiting, second_waiting = await _book_many(session, make_user, event, 2, 1, 1)
    assert first_waiting.status == second_waiting.status == BookingStatus.WAITLISTED
    assert await waitlist_positions(session, [first_waiting.id, second_waiting.id]) == {
        first_waiting.id: 1,
        second_waiting.id: 2,
    }
    assert await _event_counters(session, event.id) == (0, 2)
    await _assert_invariants(session)


async def test_a_newcomer_never_overtakes_someone_waiting_even_when_it_would_fit(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=5)
    _, big_waiting = await _book_many(session, make_user, event, 4, 3)  # 1 seat left, 3 wanted: waits
    small = await service.book(session, booker((await make_user()).id), event.id, 1)  # 1 would fit, but someone waits
    assert big_waiting.status == BookingStatus.WAITLISTED
    assert small.status == BookingStatus.WAITLISTED
    assert await _position(session, small.id) == 2
    assert await _event_counters(session, event.id) == (1, 2)
    await _assert_invariants(session)


async def test_a_second_active_booking_on_the_same_event_is_a_conflict(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=1)
    user = await make_user()
    await service.book(session, booker(user.id), event.id, 1)
    with pytest.raises(Conflict, match="already have an active booking"):
        await service.book(session, booker(user.id), event.id, 1)
    assert await _event_counters(session, event.id) == (0, 0)


async def test_a_waitlisted_user_booking_again_is_also_a_conflict(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=1)
    await _book_many(session, make_user, event, 1)
    waiting_user = await make_user()
    await service.book(session, booker(waiting_user.id), event.id, 1)
    with pytest.raises(Conflict):
        await service.book(session, booker(waiting_user.id), event.id, 1)
    assert await _event_counters(session, event.id) == (0, 1)


async def test_booking_again_after_cancelling_is_allowed(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=2)
    user = await make_user()
    first = await service.book(session, booker(user.id), event.id, 1)
    await service.cancel(session, Actor.system(), first.id)
    again = await service.book(session, booker(user.id), event.id, 2)
    assert again.status == BookingStatus.CONFIRMED
    await _assert_invariants(session)


async def test_cancelling_a_confirmed_booking_frees_its_seats(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=10)
    (booking,) = await _book_many(session, make_user, event, 4)
    cancelled = await service.cancel(session, Actor.system(), booking.id)
    assert cancelled.status == BookingStatus.CANCELLED
    assert cancelled.cancelled_at is not None
    assert await _event_counters(session, event.id) == (10, 0)
    await _assert_invariants(session)


async def test_cancel_promotes_from_the_head_while_the_head_fits(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=4)
    confirmed, w1, w2, w3, w4 = await _book_many(session, make_user, event, 4, 1, 2, 3, 1)
    await service.cancel(
        session, Actor.system(), confirmed.id
    )  # 4 free: w1 (1) and w2 (2) fit, w3 (3) does not; w4 must wait
    assert [await _status(session, b.id) for b in (w1, w2, w3, w4)] == [
        "CONFIRMED",
        "CONFIRMED",
        "WAITLISTED",
        "WAITLISTED",
    ]
    assert await waitlist_positions(session, [w3.id, w4.id]) == {w3.id: 1, w4.id: 2}
    assert await _event_counters(session, event.id) == (1, 2)
    await _assert_invariants(session)


async def test_cancel_promotes_nobody_when_the_head_does_not_fit(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=3)
    one, _two, head, small = await _book_many(session, make_user, event, 1, 2, 3, 1)
    await service.cancel(
        session, Actor.system(), one.id
    )  # 1 free: head wants 3, so even the 1-seat booking behind waits
    assert await _status(session, head.id) == "WAITLISTED"
    assert await _status(session, small.id) == "WAITLISTED"
    assert await _event_counters(session, event.id) == (1, 2)
    await _assert_invariants(session)


async def test_leaving_the_waitlist_moves_everyone_behind_up_one_place(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=1)
    _, w1, w2, w3, w4 = await _book_many(session, make_user, event, 1, 1, 1, 1, 1)
    await service.cancel(session, Actor.system(), w2.id)
    assert await waitlist_positions(session, [w1.id, w2.id, w3.id, w4.id]) == {w1.id: 1, w3.id: 2, w4.id: 3}
    assert await _event_counters(session, event.id) == (0, 3)
    await _assert_invariants(session)


async def test_raising_capacity_promotes_from_the_waitlist(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=2)
    _, w1, w2, w3 = await _book_many(session, make_user, event, 2, 2, 1, 2)
    await _change_capacity(session, event, 6)  # 4 new seats: w1 + w2 = 3, w3 needs 2 more
    assert [await _status(session, b.id) for b in (w1, w2, w3)] == ["CONFIRMED", "CONFIRMED", "WAITLISTED"]
    assert await _position(session, w3.id) == 1
    assert await _event_counters(session, event.id) == (1, 1)
    await _assert_invariants(session)


async def test_lowering_capacity_to_the_confirmed_seats_is_allowed(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=10)
    await _book_many(session, make_user, event, 4)
    await _change_capacity(session, event, 4)
    assert await _event_counters(session, event.id) == (0, 0)
    await _assert_invariants(session)


async def test_lowering_capacity_below_the_confirmed_seats_is_refused(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=10)
    await _book_many(session, make_user, event, 4)
    with pytest.raises(BadUserInput, match="4 seats are already confirmed"):
        await _change_capacity(session, event, 3)
    capacity = (await session.execute(text("SELECT capacity FROM events WHERE id = :id"), {"id": event.id})).scalar()
    assert capacity == 10
    assert await _event_counters(session, event.id) == (6, 0)


async def test_the_capacity_of_a_cancelled_event_can_no_longer_change(
    session: AsyncSession, make_event: EventFactory
) -> None:
    event = await make_event(capacity=10, status=EventStatus.CANCELLED)
    with pytest.raises(Conflict, match="cancelled"):
        await _change_capacity(session, event, 20)
    capacity = (await session.execute(text("SELECT capacity FROM events WHERE id = :id"), {"id": event.id})).scalar()
    assert capacity == 10


async def test_cancelling_twice_is_a_conflict(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=2)
    (booking,) = await _book_many(session, make_user, event, 1)
    await service.cancel(session, Actor.system(), booking.id)
    with pytest.raises(Conflict, match="already cancelled"):
        await service.cancel(session, Actor.system(), booking.id)
    assert await _event_counters(session, event.id) == (2, 0)


async def test_cancelling_someone_elses_booking_as_its_owner_answers_not_found(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    from boxoffice.errors import NotFound

    event = await make_event(capacity=2)
    (booking,) = await _book_many(session, make_user, event, 1)
    stranger = await make_user()
    with pytest.raises(NotFound):
        await service.cancel(session, booker(stranger.id), booking.id)
    assert await _status(session, booking.id) == "CONFIRMED"


async def test_when_a_head_that_did_not_fit_leaves_the_next_in_line_is_promoted_if_it_fits(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=3)
    _, big_head, small = await _book_many(session, make_user, event, 1, 3, 1)  # 2 free, head wants 3
    assert await _status(session, small.id) == "WAITLISTED"
    await service.cancel(session, Actor.system(), big_head.id)
    assert await _status(session, small.id) == "CONFIRMED"
    assert await _event_counters(session, event.id) == (1, 0)
    await _assert_invariants(session)
