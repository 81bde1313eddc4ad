"""Deleting an account cancels its bookings through the booking engine, even while bookings race it."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from boxoffice.auth.passwords import hash_password
from boxoffice.auth.throttle import AuthThrottle
from boxoffice.booking import service
from boxoffice.booking.invariants import check_invariants
from boxoffice.db.models import BookingStatus, Role, User
from boxoffice.db.session import Database
from boxoffice.errors import DomainError
from boxoffice.users.accounts import delete_account
from tests.support.factories import EventFactory, booker, make_users

PASSWORD = "deleting is forever"
ROUNDS = 4
RACERS = 60
EVENTS = 4


@pytest.fixture
async def wide_engine(db: Database) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(db.url, pool_size=RACERS + 10, max_overflow=0, pool_timeout=120)
    yield engine
    await engine.dispose()


async def _leaver(db: Database) -> User:
    user = User(
        email="leaver@example.com",
        name="Leaver",
        role=Role.AUDIENCE.value,
        password_hash=await hash_password(PASSWORD, ROUNDS),
    )
    async with db.sessions() as session, session.begin():
        session.add(user)
    return user


def _throttle() -> AuthThrottle:
    return AuthThrottle(pair_max=5, window_seconds=300)


async def test_deleting_cancels_every_active_booking_and_promotes_the_line(
    db: Database, session: AsyncSession, make_event: EventFactory
) -> None:
    leaver = await _leaver(db)
    full, queue = await make_event(capacity=2), await make_event(capacity=1)
    others = await make_users(db, 3)
    await service.book(session, booker(leaver.id), full.id, 2)
    await service.book(session, booker(others[0]), full.id, 1)  # waits behind the leaver's seats
    await service.book(session, booker(others[1]), queue.id, 1)
    await service.book(session, booker(leaver.id), queue.id, 1)  # waits, with someone behind
    await service.book(session, booker(others[2]), queue.id, 1)

    deletion = await delete_account(session, booker(leaver.id), PASSWORD, throttle=_throttle(), bcrypt_rounds=ROUNDS)

    assert (deletion.cancelled_bookings, deletion.promoted) == (2, 1)
    statuses = dict(
        (await session.execute(text("SELECT user_id, status FROM bookings WHERE event_id = :e"), {"e": full.id})).all()
    )
    assert statuses == {others[0]: BookingStatus.CONFIRMED.value}
    position = await session.execute(
        text("SELECT status FROM bookings WHERE event_id = :e AND user_id = :u"), {"e": queue.id, "u": others[2]}
    )
    assert position.scalar_one() == BookingStatus.WAITLISTED.value
    assert (await check_invariants(session, [full.id, queue.id])).ok


async def test_deletion_racing_bookings_keeps_every_invariant(
    db: Database, session: AsyncSession, wide_engine: AsyncEngine, make_event: EventFactory
) -> None:
    """The leaver books on every event while deleting; others rush the same events. Whatever the order, the
    leaver ends with no booking anywhere, and every event's counters and line match its bookings."""
    leaver = await _leaver(db)
    events = [await make_event(capacity=3) for _ in range(EVENTS)]
    await service.book(session, booker(leaver.id), events[0].id, 2)
    racers = await make_users(db, RACERS)
    sessions = async_sessionmaker(wide_engine, expire_on_commit=False)
    rng = random.Random(13)
    start = asyncio.Event()

    async def racer(user_id: int) -> None:
        async with sessions() as own:
            await own.connection()
            await start.wait()
            event = rng.choice(events)
            try:
                booking = await service.book(own, booker(user_id), event.id, rng.randint(1, 2))
                if rng.random() < 0.3:
                    await service.cancel(own, booker(user_id), booking.id)
            except DomainError:
                pass

    async def leaver_books(event_id: int) -> None:
        async with sessions() as own:
            await own.connection()
            await start.wait()
            try:
                await service.book(own, booker(leaver.id), event_id, 1)
            except DomainError:
                pass  # already gone: NOT_FOUND

    async def leave() -> None:
        async with sessions() as own:
            await start.wait()
            await delete_account(own, booker(leaver.id), PASSWORD, throttle=_throttle(), bcrypt_rounds=ROUNDS)

    tasks = [asyncio.create_task(racer(user_id)) for user_id in racers]
    tasks += [asyncio.create_task(leaver_books(event.id)) for event in events[1:]]
    tasks.append(asyncio.create_task(leave()))
    await asyncio.sleep(0)
    start.set()
    await asyncio.gather(*tasks)

    left = await session.execute(text("SELECT count(*) FROM bookings WHERE user_id = :u"), {"u": leaver.id})
    assert left.scalar_one() == 0
    gone = await session.execute(text("SELECT count(*) FROM users WHERE id = :u"), {"u": leaver.id})
    assert gone.scalar_one() == 0
    report = await check_invariants(session, [event.id for event in events])
    assert report.ok, report.violations
