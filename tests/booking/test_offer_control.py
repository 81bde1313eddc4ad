"""The control for offers: with the event's row lock switched off, organizers raising the capacity of an OFFER event
at once each offer the seats they think are free. Without the seat check that offers more seats than exist
(confirmed + offered > capacity); with it, PostgreSQL refuses the statement that would, since every offer moves the
counters by exactly the seats it took. Like the booking rush's control in test_concurrency.py."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from boxoffice.auth.actor import Actor
from boxoffice.booking import ledger, service
from boxoffice.booking.invariants import check_invariants
from boxoffice.db.models import Event, Role, WaitlistPolicy
from boxoffice.db.session import Database
from boxoffice.events.service import EventChanges, update_event
from tests.support.factories import EventFactory, booker, make_users

CAPACITY = 10
RAISES = list(range(CAPACITY + 1, CAPACITY + 11))  # ten organizers' tabs, each raising to another capacity


@pytest.fixture
def lock_switched_off_for_resizes(monkeypatch: pytest.MonkeyPatch) -> None:
    """No row lock, and a pause between reading the counters and resizing, so the raises interleave."""
    monkeypatch.setattr(ledger, "LOCK_EVENT_SQL", ledger.LOCK_EVENT_SQL.replace(" FOR UPDATE", ""))
    original_resize = ledger.resize

    async def slow_resize(*args: object, **kwargs: object) -> object:
        await asyncio.sleep(0.05)
        return await original_resize(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ledger, "resize", slow_resize)


async def _full_offer_event(db: Database, session: AsyncSession, make_event: EventFactory) -> Event:
    """An OFFER event with every seat confirmed and a long line (made with the lock on)."""
    event = await make_event(capacity=CAPACITY, waitlist_policy=WaitlistPolicy.OFFER)
    for user_id in await make_users(db, CAPACITY + 40):
        await service.book(session, booker(user_id), event.id, 1)
    return event


async def _raise_at_once(db: Database, event: Event) -> list[object]:
    engine = create_async_engine(db.url, pool_size=len(RAISES), max_overflow=0)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    organizer = Actor.user(event.organizer_id, Role.ORGANIZER)

    async def one(capacity: int) -> object:
        async with sessions() as own:
            try:
                return await update_event(own, organizer, event.id, EventChanges(capacity=capacity))
            except Exception as error:  # the control run is expected to break
                return error

    try:
        return await asyncio.gather(*(one(capacity) for capacity in RAISES))
    finally:
        await engine.dispose()


async def _held_and_capacity(session: AsyncSession, event_id: int) -> tuple[int, int]:
    held, capacity = (
        await session.execute(
            text(
                "SELECT (SELECT coalesce(sum(quantity), 0) FROM bookings WHERE event_id = :e "
                "AND status IN ('CONFIRMED', 'OFFERED')), (SELECT capacity FROM events WHERE id = :e)"
            ),
            {"e": event_id},
        )
    ).one()
    await session.commit()
    return int(held), int(capacity)


@pytest.mark.usefixtures("lock_switched_off_for_resizes", "seat_check_dropped")
async def test_control_without_the_row_lock_racing_capacity_raises_offer_more_seats_than_exist(
    db: Database, session: AsyncSession, make_event: EventFactory
) -> None:
    event = await _full_offer_event(db, session, make_event)

    await _raise_at_once(db, event)

    held, capacity = await _held_and_capacity(session, event.id)
    assert held > capacity
    assert (await check_invariants(session)).overbooked


@pytest.mark.usefixtures("lock_switched_off_for_resizes")
async def test_control_without_the_row_lock_the_seat_check_refuses_offering_seats_that_do_not_exist(
    db: Database, session: AsyncSession, make_event: EventFactory
) -> None:
    event = await _full_offer_event(db, session, make_event)

    results = await _raise_at_once(db, event)

    refused = [r for r in results if isinstance(r, Exception) and "ck_events_seats_nonnegative" in str(r)]
    assert refused, "without the lock, racing raises should have hit the seats >= 0 check"
    held, capacity = await _held_and_capacity(session, event.id)
    assert held <= capacity
    assert not (await check_invariants(session)).overbooked
