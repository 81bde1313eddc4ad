"""simulate_bookings and purge_synthetic_users against a real PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.auth.actor import Actor
from boxoffice.booking.invariants import check_invariants
from boxoffice.booking.queries import waitlist_positions
from boxoffice.booking.service import book
from boxoffice.booking.simulate import simulate_bookings
from boxoffice.booking.synthetic import purge_synthetic_users
from boxoffice.db.models import Booking, BookingStatus, Event, EventStatus, User
from boxoffice.db.session import Database
from boxoffice.errors import BadUserInput, Conflict, NotFound
from tests.support.factories import EventFactory, UserFactory, booker, make_users

MAX_USERS = 20_000


async def _synthetic_users(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).where(User.synthetic))).scalar_one())


@pytest.mark.parametrize("users", [0, -1, MAX_USERS + 1])
async def test_bad_user_count_is_refused_and_writes_nothing(
    db: Database, session: AsyncSession, make_event: EventFactory, users: int
) -> None:
    event = await make_event(capacity=10)
    with pytest.raises(BadUserInput):
        await simulate_bookings(db, Actor.system(), event.id, users, MAX_USERS)
    assert await _synthetic_users(session) == 0


async def test_unknown_event_is_not_found_and_writes_nothing(db: Database, session: AsyncSession) -> None:
    with pytest.raises(NotFound):
        await simulate_bookings(db, Actor.system(), 424242, 10, MAX_USERS)
    assert await _synthetic_users(session) == 0


@pytest.mark.parametrize("status", [EventStatus.DRAFT, EventStatus.CANCELLED])
async def test_unpublished_event_is_refused_up_front(
    db: Database, session: AsyncSession, make_event: EventFactory, status: EventStatus
) -> None:
    event = await make_event(capacity=10, status=status)
    with pytest.raises(Conflict):
        await simulate_bookings(db, Actor.system(), event.id, 10, MAX_USERS)
    assert await _synthetic_users(session) == 0


async def test_thousand_bookers_on_ten_seats(db: Database, session: AsyncSession, make_event: EventFactory) -> None:
    event = await make_event(capacity=10)

    report = await simulate_bookings(db, Actor.system(), event.id, 1_000, MAX_USERS)

    assert (report.event_id, report.bookers, report.confirmed, report.waitlisted, report.failed) == (
        event.id,
        1_000,
        10,
        990,
        0,
    )
    assert (report.seats_remaining, report.waitlist_length, report.overbooked) == (0, 990, False)
    assert report.duration_ms > 0 and report.bookings_per_second > 0
    waitlisted = list(
        (
            await session.execute(
                select(Booking.id).where(Booking.event_id == event.id, Booking.status == BookingStatus.WAITLISTED)
            )
        ).scalars()
    )
    positions = await waitlist_positions(session, waitlisted)
    assert sorted(positions.values()) == list(range(1, 991))
    assert (await check_invariants(session, [event.id])).ok
    assert await _synthetic_users(session) == 1_000


async def test_simulation_connections_go_back_to_the_pool_waiting_for_the_flush_again(
    db: Database, make_event: EventFactory
) -> None:
    event = await make_event(capacity=10)
    await simulate_bookings(db, Actor.system(), event.id, 200, MAX_USERS)
    # Hold every pooled connection at once, so the simulation's own are among them.
    connections = [await db.engine.connect() for _ in range(db.pool_capacity)]
    try:
        settings = [(await c.execute(text("SHOW synchronous_commit"))).scalar_one() for c in connections]
    finally:
        for connection in connections:
            await connection.close()
    assert settings == ["on"] * db.pool_capacity


async def test_purge_removes_synthetic_users_and_promotes_real_ones_behind_them(
    db: Database, session: AsyncSession, make_event: EventFactory, make_user: UserFactory
) -> None:
    event = await make_event(capacity=10)
    early = await make_user()
    await book(session, booker(early.id), event.id)
    await simulate_bookings(db, Actor.system(), event.id, 50, MAX_USERS)
    # Two real users queue behind the synthetic ones: the purge must hand them the freed seats.
    late = await make_users(db, 2, prefix="late")
    for user_id in late:
        assert (await book(session, booker(user_id), event.id)).status == BookingStatus.WAITLISTED
    other = await make_event(capacity=3)
    await simulate_bookings(db, Actor.system(), other.id, 5, MAX_USERS)

    result = await purge_synthetic_users(session, Actor.system())

    assert (result.users, result.events, result.promoted) == (55, 2, 2)
    assert await _synthetic_users(session) == 0
    assert (await check_invariants(session, [event.id, other.id])).ok
    rows = (
        await session.execute(
            select(Booking.user_id, Booking.status).where(Booking.event_id == event.id).order_by(Booking.user_id)
        )
    ).all()
    assert [(user_id, status) for user_id, status in rows] == [
        (user_id, BookingStatus.CONFIRMED) for user_id in [early.id, *late]
    ]
    counters = (
        await session.execute(
            select(Event.seats_remaining, Event.waitlist_count)
            .where(Event.id.in_([event.id, other.id]))
            .order_by(Event.id)
        )
    ).all()
    assert [tuple(c) for c in counters] == [(7, 0), (3, 0)]


async def test_purge_with_nothing_to_purge(session: AsyncSession, make_user: UserFactory) -> None:
    real = await make_user()
    result = await purge_synthetic_users(session, Actor.system())
    assert (result.users, result.events, result.promoted) == (0, 0, 0)
    assert (await session.execute(text("SELECT count(*) FROM users"))).scalar_one() == 1
    assert real.id


async def test_purge_during_a_simulation_waits_for_it_and_keeps_invariants(
    db: Database, make_event: EventFactory
) -> None:
    event = await make_event(capacity=10)
    running = asyncio.create_task(simulate_bookings(db, Actor.system(), event.id, 2_000, MAX_USERS))
    # Purge only once the run is under way: its users exist and it holds the simulation guard.
    async with db.sessions() as watching:
        for _ in range(500):
            if await _synthetic_users(watching) and not running.done():
                break
            await watching.commit()
            await asyncio.sleep(0.01)

    async with db.sessions() as purging:
        result = await purge_synthetic_users(purging, Actor.system())
    report = await running

    # The purge waited for the whole run, then removed every one of its users and bookings.
    assert (report.confirmed, report.waitlisted, report.failed) == (10, 1_990, 0)
    assert result.users == 2_000
    async with db.sessions() as session:
        assert await _synthetic_users(session) == 0
        assert (await check_invariants(session, [event.id])).ok
        counters = (await session.execute(select(Event.seats_remaining, Event.waitlist_count))).one()
        assert tuple(counters) == (10, 0)
