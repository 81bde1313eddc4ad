"""Many real concurrent transactions against one event, with exact assertions."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from boxoffice.auth.actor import Actor
from boxoffice.booking import ledger, service
from boxoffice.booking.invariants import check_invariants
from boxoffice.booking.queries import waitlist_positions
from boxoffice.db.models import BookingStatus
from boxoffice.db.session import Database
from boxoffice.errors import Conflict, DomainError
from tests.support.factories import EventFactory, booker, make_users

RUSH_USERS = 500
RUSH_CAPACITY = 20


@pytest.fixture
async def wide_engine(db: Database) -> AsyncIterator[AsyncEngine]:
    """An engine with a connection for every booker, so all of them really run at once."""
    engine = create_async_engine(db.url, pool_size=RUSH_USERS, max_overflow=0, pool_timeout=120)
    yield engine
    await engine.dispose()


async def _rush(engine: AsyncEngine, event_id: int, user_ids: list[int]) -> list[object]:
    """Every user books one seat, each in its own transaction on its own connection, all released at once."""
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    start, all_connected = asyncio.Event(), asyncio.Event()
    connected = 0

    async def one(user_id: int) -> object:
        nonlocal connected
        async with sessions() as session:
            await session.connection()  # hold a connection before the gun goes off
            connected += 1
            if connected == len(user_ids):
                all_connected.set()
            await start.wait()
            try:
                return await service.book(session, booker(user_id), event_id, 1)
            except DomainError as error:
                return error

    tasks = [asyncio.create_task(one(user_id)) for user_id in user_ids]
    await all_connected.wait()
    start.set()
    return await asyncio.gather(*tasks)


async def test_500_users_rushing_20_seats_get_exactly_20_confirmed_and_480_in_line(
    db: Database, session: AsyncSession, wide_engine: AsyncEngine, make_event: EventFactory
) -> None:
    event = await make_event(capacity=RUSH_CAPACITY)
    users = await make_users(db, RUSH_USERS)

    results = await _rush(wide_engine, event.id, users)

    statuses = [getattr(result, "status", None) for result in results]
    assert statuses.count(BookingStatus.CONFIRMED) == RUSH_CAPACITY
    assert statuses.count(BookingStatus.WAITLISTED) == RUSH_USERS - RUSH_CAPACITY
    waitlisted = [r.id for r in results if getattr(r, "status", None) == BookingStatus.WAITLISTED]  # type: ignore[attr-defined]
    positions = await waitlist_positions(session, waitlisted)
    assert sorted(positions.values()) == list(range(1, RUSH_USERS - RUSH_CAPACITY + 1))
    # Positions follow the order the bookings were made in.
    order = (
        await session.execute(
            text("SELECT id FROM bookings WHERE event_id = :e AND status = 'WAITLISTED' ORDER BY created_at, id"),
            {"e": event.id},
        )
    ).scalars()
    assert [positions[booking_id] for booking_id in order] == list(range(1, RUSH_USERS - RUSH_CAPACITY + 1))
    counters = (
        await session.execute(text("SELECT seats_remaining, waitlist_count FROM events WHERE id = :e"), {"e": event.id})
    ).one()
    assert tuple(counters) == (0, RUSH_USERS - RUSH_CAPACITY)
    report = await check_invariants(session)
    assert report.ok, report.violations


@dataclass
class StormLedger:
    """What every operation that reported success said it did, to compare with the table afterwards."""

    active: dict[int, tuple[int, int]] = field(default_factory=dict)  # booking id -> (event, user)
    cancelled: set[int] = field(default_factory=set)
    operations: int = 0
    refusals: int = 0


async def test_a_storm_of_random_book_and_cancel_operations_keeps_every_invariant_and_loses_nothing(
    db: Database, session: AsyncSession, make_event: EventFactory
) -> None:
    workers, operations_per_worker = 50, 44  # 2,200 operations
    events = [(await make_event(capacity=capacity)).id for capacity in (3, 8, 15)]
    users = await make_users(db, 120)
    engine = create_async_engine(db.url, pool_size=workers, max_overflow=0)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    ledger = StormLedger()

    async def worker(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(operations_per_worker):
            async with sessions() as own_session:
                try:
                    if ledger.active and rng.random() < 0.4:
                        booking_id = rng.choice(list(ledger.active))
                        await service.cancel(own_session, Actor.system(), booking_id)
                        ledger.active.pop(booking_id, None)
                        ledger.cancelled.add(booking_id)
                    else:
                        event_id, user_id = rng.choice(events), rng.choice(users)
                        booking = await service.book(own_session, booker(user_id), event_id, rng.randint(1, 4))
                        ledger.active[booking.id] = (event_id, user_id)
                    ledger.operations += 1
                except Conflict:
                    ledger.refusals += 1  # already booked / already cancelled: refused, wrote nothing

    await asyncio.gather(*(worker(seed) for seed in range(workers)))
    await engine.dispose()

    assert ledger.operations + ledger.refusals == workers * operations_per_worker
    assert ledger.operations > 1000
    rows = {
        row.id: row for row in (await session.execute(text("SELECT id, event_id, user_id, status FROM bookings"))).all()
    }
    for booking_id, (event_id, user_id) in ledger.active.items():
        assert rows[booking_id].status in ("CONFIRMED", "WAITLISTED")
        assert (rows[booking_id].event_id, rows[booking_id].user_id) == (event_id, user_id)
    for booking_id in ledger.cancelled:
        assert rows[booking_id].status == "CANCELLED"
    assert set(rows) == set(ledger.active) | ledger.cancelled  # nothing written that was not reported
    report = await check_invariants(session)
    assert report.ok, report.violations


async def _rush_with_pool(db: Database, event_id: int, users: list[int]) -> list[object]:
    engine = create_async_engine(db.url, pool_size=50, max_overflow=0)
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def one(user_id: int) -> object:
        async with sessions() as own_session:
            try:
                return await service.book(own_session, booker(user_id), event_id, 1)
            except Exception as error:  # the control run is expected to break
                return error

    try:
        return await asyncio.gather(*(one(user_id) for user_id in users))
    finally:
        await engine.dispose()


@pytest.fixture
def lock_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """The control: no row lock, and a pause between the check and the write so bookers interleave."""
    monkeypatch.setattr(ledger, "LOCK_EVENT_SQL", ledger.LOCK_EVENT_SQL.replace(" FOR UPDATE", ""))
    original_write = ledger.record_booking

    async def slow_write(*args: object, **kwargs: object) -> object:
        await asyncio.sleep(0.05)
        return await original_write(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ledger, "record_booking", slow_write)


@pytest.mark.usefixtures("lock_switched_off", "seat_check_dropped")
async def test_control_without_the_row_lock_the_same_rush_oversells(
    db: Database, session: AsyncSession, make_event: EventFactory
) -> None:
    event = await make_event(capacity=RUSH_CAPACITY)
    users = await make_users(db, 200)

    await _rush_with_pool(db, event.id, users)

    confirmed = (
        await session.execute(
            text("SELECT coalesce(sum(quantity), 0) FROM bookings WHERE event_id = :e AND status = 'CONFIRMED'"),
            {"e": event.id},
        )
    ).scalar_one()
    assert confirmed > RUSH_CAPACITY
    assert (await check_invariants(session)).overbooked


@pytest.mark.usefixtures("lock_switched_off")
async def test_control_without_the_row_lock_the_seat_check_constraint_refuses_the_oversell(
    db: Database, session: AsyncSession, make_event: EventFactory
) -> None:
    event = await make_event(capacity=RUSH_CAPACITY)
    users = await make_users(db, 200)

    results = await _rush_with_pool(db, event.id, users)

    refused = [r for r in results if isinstance(r, Exception) and "ck_events_seats_nonnegative" in str(r)]
    assert refused, "without the lock, racing bookers should have hit the seats >= 0 check"
    report = await check_invariants(session)
    assert not report.overbooked
