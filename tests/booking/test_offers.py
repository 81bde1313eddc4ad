"""API.md "Additions (turn 2)", offers: every transition of an OFFERED booking, one behaviour per test, on real
PostgreSQL. Deadlines are judged by the database's clock; tests that need one to pass shorten the offer minute."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.auth.actor import Actor
from boxoffice.booking import service
from boxoffice.booking.invariants import check_invariants
from boxoffice.booking.service import cancel_user_bookings
from boxoffice.booking.synthetic import create_synthetic_users, purge_synthetic_users
from boxoffice.db.driver import driver_transaction
from boxoffice.db.models import Booking, BookingStatus, CancelReason, Event, Role, WaitlistPolicy
from boxoffice.db.session import Database
from boxoffice.errors import BadUserInput, Conflict, Forbidden, NotFound, Unauthenticated
from boxoffice.events.service import EventChanges, cancel_event, update_event
from tests.support.factories import EventFactory, UserFactory, booker
from tests.support.ledger import Counters, counters, history, status_of, wait_until_due

OFFER = WaitlistPolicy.OFFER


@dataclass
class Line:
    """An OFFER event whose seats are all confirmed, with people waiting behind."""

    event: Event
    confirmed: list[Booking]
    waiting: list[Booking]


class LineFactory(Protocol):
    async def __call__(self, capacity: int = 2, waiting: tuple[int, ...] = (1, 1), offer_minutes: int = 60) -> Line: ...


@pytest.fixture
def full_event(session: AsyncSession, make_user: UserFactory, make_event: EventFactory) -> LineFactory:
    async def make(capacity: int = 2, waiting: tuple[int, ...] = (1, 1), offer_minutes: int = 60) -> Line:
        event = await make_event(capacity=capacity, waitlist_policy=OFFER, offer_minutes=offer_minutes)
        confirmed = [await service.book(session, booker((await make_user()).id), event.id, 1) for _ in range(capacity)]
        line = [await service.book(session, booker((await make_user()).id), event.id, q) for q in waiting]
        assert all(b.status is BookingStatus.WAITLISTED for b in line)
        return Line(event, confirmed, line)

    return make


async def _cancel(session: AsyncSession, booking: Booking) -> Booking:
    return await service.cancel(session, booker(booking.user_id), booking.id)


async def _accept(session: AsyncSession, booking: Booking) -> Booking:
    return await service.accept_offer(session, booker(booking.user_id), booking.id)


async def _assert_invariants(session: AsyncSession) -> None:
    report = await check_invariants(session)
    await session.commit()
    assert report.ok, report.violations


async def _offer_past_its_deadline(
    db: Database, session: AsyncSession, full_event: LineFactory, offer_minute: Callable[[float], None]
) -> Line:
    """The head of the line holds an offer whose deadline has passed on the database's clock, and nothing has
    expired it yet; offers made from here on last an hour, so the next one stays open while the test looks."""
    offer_minute(0.3)
    line = await full_event(offer_minutes=1)
    await _cancel(session, line.confirmed[0])
    offer_minute(60.0)
    await wait_until_due(db, line.waiting[0].id)
    return line


def _organizer(event: Event) -> Actor:
    return Actor.user(event.organizer_id, Role.ORGANIZER)


async def test_a_cancel_under_offer_offers_the_freed_seat_to_the_head_of_the_line(
    db: Database, session: AsyncSession, full_event: LineFactory
) -> None:
    line = await full_event()
    await _cancel(session, line.confirmed[0])
    assert await status_of(db, line.waiting[0].id) == "OFFERED"
    assert await status_of(db, line.waiting[1].id) == "WAITLISTED"
    assert await history(db, line.waiting[0].id) == [("WAITLISTED", "WAITLISTED", 1), ("OFFERED", "OFFERED", 1)]
    await _assert_invariants(session)


async def test_an_offer_holds_its_seats_counted_apart_from_the_free_ones(
    db: Database, session: AsyncSession, full_event: LineFactory
) -> None:
    line = await full_event()
    await _cancel(session, line.confirmed[0])
    assert await counters(db, line.event.id) == Counters(
        capacity=2, seats_remaining=0, offered_seats=1, waitlist_count=1
    )


async def test_an_offers_deadline_is_offer_minutes_from_now_on_the_database_clock(
    db: Database, session: AsyncSession, full_event: LineFactory, offer_minute: Callable[[float], None]
) -> None:
    offer_minute(10.0)
    line = await full_event(offer_minutes=3)
    await _cancel(session, line.confirmed[0])
    async with db.engine.connect() as connection:
        seconds_left, due_at_matches = (
            await connection.execute(
                text(
                    "SELECT extract(epoch FROM b.offer_expires_at - clock_timestamp()), "
                    "e.offers_due_at = b.offer_expires_at FROM bookings b JOIN events e ON e.id = b.event_id "
                    "WHERE b.id = :id"
                ),
                {"id": line.waiting[0].id},
            )
        ).one()
    assert 0 < seconds_left <= 30
    assert seconds_left > 20  # made a moment ago: most of the 3 x 10 s is left
    assert due_at_matches


async def test_a_newcomer_does_not_take_seats_held_by_an_offer(
    session: AsyncSession, make_user: UserFactory, full_event: LineFactory
) -> None:
    line = await full_event(waiting=(1,))
    await _cancel(session, line.confirmed[0])  # the only one waiting is offered the seat; nobody waits now
    newcomer = await service.book(session, booker((await make_user()).id), line.event.id, 1)
    assert newcomer.status is BookingStatus.WAITLISTED


async def test_offers_go_strictly_in_line_order_and_stop_at_the_first_that_does_not_fit(
    db: Database, session: AsyncSession, full_event: LineFactory
) -> None:
    line = await full_event(capacity=3, waiting=(2, 1))
    await _cancel(session, line.confirmed[0])  # one seat free: the head needs two, so nobody is offered
    assert [await status_of(db, b.id) for b in line.waiting] == ["WAITLISTED", "WAITLISTED"]
    await _cancel(session, line.confirmed[1])  # two free: the head fits, the next one would not
    assert [await status_of(db, b.id) for b in line.waiting] == ["OFFERED", "WAITLISTED"]
    await _assert_invariants(session)


async def test_accepting_an_offer_confirms_the_booking(
    db: Database, session: AsyncSession, full_event: LineFactory
) -> None:
    line = await full_event()
    await _cancel(session, line.confirmed[0])
    accepted = await _accept(session, line.waiting[0])
    assert accepted.status is BookingStatus.CONFIRMED
    assert accepted.offer_expires_at is None and accepted.confirmed_at is not None
    assert await counters(db, line.event.id) == Counters(2, 0, 0, 1)
    assert (await history(db, accepted.id))[-1] == ("CONFIRMED", "ACCEPTED", None)
    await _assert_invariants(session)


async def test_declining_an_offer_hands_its_seats_to_the_next_in_line(
    db: Database, session: AsyncSession, full_event: LineFactory
) -> None:
    line = await full_event()
    await _cancel(session, line.confirmed[0])
    declined = await _cancel(session, line.waiting[0])
    assert declined.status is BookingStatus.CANCELLED
    assert (await history(db, declined.id))[-1] == ("CANCELLED", "DECLINED", None)
    assert await status_of(db, line.waiting[1].id) == "OFFERED"
    assert await history(db, line.waiting[1].id) == [("WAITLISTED", "WAITLISTED", 2), ("OFFERED", "OFFERED", 1)]
    await _assert_invariants(session)


async def test_a_passed_deadline_expires_the_offer_when_the_event_is_next_locked(
    db: Database,
    session: AsyncSession,
    make_user: UserFactory,
    full_event: LineFactory,
    offer_minute: Callable[[float], None],
) -> None:
    line = await _offer_past_its_deadline(db, session, full_event, offer_minute)

    await service.book(session, booker((await make_user()).id), line.event.id, 1)  # any lock of the event

    assert await status_of(db, line.waiting[0].id) == "EXPIRED"
    assert (await history(db, line.waiting[0].id))[-1] == ("EXPIRED", "EXPIRED", None)
    assert await status_of(db, line.waiting[1].id) == "OFFERED"
    await _assert_invariants(session)


async def test_an_expired_offer_can_never_be_accepted_even_before_any_sweep(
    db: Database, session: AsyncSession, full_event: LineFactory, offer_minute: Callable[[float], None]
) -> None:
    line = await _offer_past_its_deadline(db, session, full_event, offer_minute)

    with pytest.raises(Conflict, match="expired"):
        await _accept(session, line.waiting[0])

    # The expiry the refusal found was kept, and the seat went on.
    assert await status_of(db, line.waiting[0].id) == "EXPIRED"
    assert await status_of(db, line.waiting[1].id) == "OFFERED"
    await _assert_invariants(session)


async def test_accepting_an_expired_offer_again_is_still_a_conflict(
    db: Database, session: AsyncSession, full_event: LineFactory, offer_minute: Callable[[float], None]
) -> None:
    line = await _offer_past_its_deadline(db, session, full_event, offer_minute)
    with pytest.raises(Conflict):
        await _accept(session, line.waiting[0])
    with pytest.raises(Conflict, match="expired"):
        await _accept(session, line.waiting[0])


async def test_cancelling_an_expired_offer_is_a_conflict(
    db: Database, session: AsyncSession, full_event: LineFactory, offer_minute: Callable[[float], None]
) -> None:
    line = await _offer_past_its_deadline(db, session, full_event, offer_minute)
    with pytest.raises(Conflict, match="expired"):
        await _cancel(session, line.waiting[0])
    assert await status_of(db, line.waiting[0].id) == "EXPIRED"


@pytest.mark.parametrize("status", ["CONFIRMED", "WAITLISTED", "CANCELLED"])
async def test_only_an_open_offer_can_be_accepted(session: AsyncSession, full_event: LineFactory, status: str) -> None:
    line = await full_event(waiting=(1,))
    booking = {"CONFIRMED": line.confirmed[0], "WAITLISTED": line.waiting[0], "CANCELLED": line.confirmed[1]}[status]
    if status == "CANCELLED":
        await _cancel(session, booking)
    with pytest.raises(Conflict):
        await _accept(session, booking)


async def test_an_offer_is_accepted_only_by_its_own_user(
    session: AsyncSession, make_user: UserFactory, full_event: LineFactory
) -> None:
    line = await full_event()
    await _cancel(session, line.confirmed[0])
    offer = line.waiting[0]
    admin, stranger, other_organizer = (
        await make_user(Role.ADMIN),
        await make_user(),
        await make_user(Role.ORGANIZER),
    )
    with pytest.raises(Forbidden):
        await service.accept_offer(session, Actor.user(admin.id, Role.ADMIN), offer.id)
    with pytest.raises(Forbidden):
        await service.accept_offer(session, _organizer(line.event), offer.id)
    with pytest.raises(NotFound):
        await service.accept_offer(session, booker(stranger.id), offer.id)
    with pytest.raises(NotFound):
        await service.accept_offer(session, Actor.user(other_organizer.id, Role.ORGANIZER), offer.id)
    with pytest.raises(Unauthenticated):
        await service.accept_offer(session, Actor.anonymous(), offer.id)
    with pytest.raises(NotFound):
        await service.accept_offer(session, booker(offer.user_id), 10**12)


async def test_raising_capacity_under_offer_offers_the_new_seats(
    db: Database, session: AsyncSession, full_event: LineFactory
) -> None:
    line = await full_event()
    await update_event(session, _organizer(line.event), line.event.id, EventChanges(capacity=3))
    assert await history(db, line.waiting[0].id) == [
        ("WAITLISTED", "WAITLISTED", 1),
        ("OFFERED", "CAPACITY_CHANGED", 1),
    ]
    assert await status_of(db, line.waiting[1].id) == "WAITLISTED"
    assert await counters(db, line.event.id) == Counters(3, 0, 1, 1)
    await _assert_invariants(session)


async def test_lowering_capacity_below_confirmed_and_offered_seats_is_refused(
    db: Database, session: AsyncSession, full_event: LineFactory
) -> None:
    line = await full_event(capacity=3)
    await _cancel(session, line.confirmed[0])  # 2 confirmed + 1 offered
    with pytest.raises(BadUserInput, match="held by open offers"):
        await update_event(session, _organizer(line.event), line.event.id, EventChanges(capacity=2))
    assert await counters(db, line.event.id) == Counters(3, 0, 1, 1)


async def test_lowering_capacity_to_confirmed_and_offered_seats_is_allowed(
    db: Database, session: AsyncSession, full_event: LineFactory
) -> None:
    line = await full_event(capacity=4, waiting=(1,))
    await _cancel(session, line.confirmed[0])
    await _cancel(session, line.confirmed[1])  # 2 confirmed, 1 offered, 1 free
    await update_event(session, _organizer(line.event), line.event.id, EventChanges(capacity=3))
    assert await counters(db, line.event.id) == Counters(3, 0, 1, 0)
    await _assert_invariants(session)


async def test_switching_from_offer_to_auto_confirm_confirms_the_open_offers(
    db: Database, session: AsyncSession, full_event: LineFactory
) -> None:
    line = await full_event()
    await _cancel(session, line.confirmed[0])
    await update_event(
        session,
        _organizer(line.event),
        line.event.id,
        EventChanges(waitlist_policy=WaitlistPolicy.AUTO_CONFIRM),
    )
    assert (await history(db, line.waiting[0].id))[-1] == ("CONFIRMED", "PROMOTED", None)
    assert await counters(db, line.event.id) == Counters(2, 0, 0, 1)
    await _assert_invariants(session)


async def test_switching_to_offer_makes_the_next_promotion_an_offer(
    db: Database, session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=1)
    first = await service.book(session, booker((await make_user()).id), event.id, 1)
    waiting = await service.book(session, booker((await make_user()).id), event.id, 1)
    await update_event(session, _organizer(event), event.id, EventChanges(waitlist_policy=OFFER, offer_minutes=5))
    await _cancel(session, first)
    assert await status_of(db, waiting.id) == "OFFERED"


@pytest.mark.parametrize("minutes", [0, -1, 10_081])
async def test_offer_minutes_outside_1_to_10080_are_refused(
    session: AsyncSession, make_event: EventFactory, minutes: int
) -> None:
    event = await make_event()
    with pytest.raises(BadUserInput, match="Offer minutes"):
        await update_event(session, _organizer(event), event.id, EventChanges(offer_minutes=minutes))


async def test_cancelling_the_event_cancels_its_open_offers_and_frees_their_seats(
    db: Database, session: AsyncSession, full_event: LineFactory
) -> None:
    line = await full_event()
    await _cancel(session, line.confirmed[0])
    await cancel_event(session, _organizer(line.event), line.event.id)
    assert (await history(db, line.waiting[0].id))[-1] == ("CANCELLED", "EVENT_CANCELLED", None)
    assert await counters(db, line.event.id) == Counters(2, 2, 0, 0)
    await _assert_invariants(session)


async def test_purging_synthetic_bookings_offers_their_seats_to_real_people_waiting(
    db: Database, session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=1, waitlist_policy=OFFER)
    (synthetic,) = await create_synthetic_users(db.engine, 1)
    await service.book(session, booker(synthetic), event.id, 1)
    real = await service.book(session, booker((await make_user()).id), event.id, 1)

    await purge_synthetic_users(session, Actor.system())

    assert await history(db, real.id) == [("WAITLISTED", "WAITLISTED", 1), ("OFFERED", "PURGED", 1)]
    await _assert_invariants(session)


async def test_deleting_an_account_with_an_open_offer_hands_it_on(
    db: Database, session: AsyncSession, full_event: LineFactory
) -> None:
    line = await full_event()
    await _cancel(session, line.confirmed[0])
    async with driver_transaction(session) as conn:
        cancelled = await cancel_user_bookings(conn, line.waiting[0].user_id)
    assert (cancelled.bookings, cancelled.promoted) == (1, 1)
    assert await status_of(db, line.waiting[1].id) == "OFFERED"
    await _assert_invariants(session)


async def test_when_a_head_that_did_not_fit_leaves_the_next_in_line_is_offered_the_free_seat(
    db: Database, session: AsyncSession, full_event: LineFactory
) -> None:
    line = await full_event(capacity=2, waiting=(2, 1))
    await _cancel(session, line.confirmed[0])  # one seat free; the head needs two
    await _cancel(session, line.waiting[0])  # the head leaves the line
    assert await history(db, line.waiting[1].id) == [("WAITLISTED", "WAITLISTED", 2), ("OFFERED", "OFFERED", 1)]
    await _assert_invariants(session)


async def test_an_admin_declining_an_offer_is_told_apart_from_its_user_declining(
    db: Database, session: AsyncSession, make_user: UserFactory, full_event: LineFactory
) -> None:
    line = await full_event()
    await _cancel(session, line.confirmed[0])
    admin = await make_user(Role.ADMIN)
    declined = await service.cancel(session, Actor.user(admin.id, Role.ADMIN), line.waiting[0].id)
    assert (declined.status, declined.cancel_reason) == (BookingStatus.CANCELLED, CancelReason.ADMIN)
    assert (await history(db, declined.id))[-1] == ("CANCELLED", "DECLINED", None)
    assert await status_of(db, line.waiting[1].id) == "OFFERED"
