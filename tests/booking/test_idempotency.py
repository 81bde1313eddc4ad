"""API.md "Additions (turn 2)", safe retries: bookEvent and cancelBooking with an idempotencyKey, on real
PostgreSQL, including retries racing each other on their own connections."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from boxoffice.auth.actor import Actor
from boxoffice.booking import service
from boxoffice.booking.invariants import check_invariants
from boxoffice.booking.sweeper import OfferSweeper
from boxoffice.db.models import Booking, BookingStatus, EventStatus, Role
from boxoffice.db.session import Database
from boxoffice.errors import BadUserInput, Conflict
from boxoffice.events.service import cancel_event
from tests.support.factories import EventFactory, UserFactory, booker
from tests.support.ledger import history

RETRIES = 20


@pytest.fixture
async def retry_engine(db: Database) -> AsyncIterator[AsyncEngine]:
    """A connection per retry, so that all of them really run at once."""
    engine = create_async_engine(db.url, pool_size=RETRIES, max_overflow=0)
    yield engine
    await engine.dispose()


async def _at_once(
    engine: AsyncEngine, call: Callable[[AsyncSession], Awaitable[object]], count: int = RETRIES
) -> list[object]:
    """`call(session)` `count` times, each on its own connection, released together; answers or errors."""
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    ready, go = asyncio.Barrier(count + 1), asyncio.Event()

    async def one() -> object:
        async with sessions() as own:
            await own.connection()
            await ready.wait()
            await go.wait()
            try:
                return await call(own)
            except Exception as error:
                return error

    tasks = [asyncio.create_task(one()) for _ in range(count)]
    await ready.wait()
    go.set()
    return await asyncio.gather(*tasks)


async def _count(session: AsyncSession, sql: str, **params: object) -> int:
    value = (await session.execute(text(sql), params)).scalar_one()
    await session.commit()
    return int(value)


async def test_a_retried_booking_with_the_same_key_answers_the_first_booking(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event, user = await make_event(), await make_user()
    first = await service.book(session, booker(user.id), event.id, 2, idempotency_key="k-1")
    again = await service.book(session, booker(user.id), event.id, 2, idempotency_key="k-1")
    assert again.id == first.id and again.status is BookingStatus.CONFIRMED
    assert await _count(session, "SELECT count(*) FROM bookings") == 1


async def test_twenty_racing_retries_with_one_key_make_one_booking_and_all_name_it(
    session: AsyncSession, retry_engine: AsyncEngine, make_user: UserFactory, make_event: EventFactory
) -> None:
    event, user = await make_event(capacity=5), await make_user()

    answers = await _at_once(
        retry_engine, lambda own: service.book(own, booker(user.id), event.id, 1, idempotency_key="tap-1")
    )

    assert all(isinstance(answer, Booking) for answer in answers), answers
    assert {answer.id for answer in answers} == {answers[0].id}  # type: ignore[attr-defined]
    assert await _count(session, "SELECT count(*) FROM bookings") == 1
    assert await _count(session, "SELECT count(*) FROM booking_history") == 1
    assert await _count(session, "SELECT seats_remaining FROM events WHERE id = :e", e=event.id) == 4


async def test_a_retry_answers_the_booking_as_it_is_now(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=1)
    holder, waiting = await make_user(), await make_user()
    held = await service.book(session, booker(holder.id), event.id, 1)
    first = await service.book(session, booker(waiting.id), event.id, 1, idempotency_key="k")
    await service.cancel(session, booker(holder.id), held.id)  # the waiting booking is promoted
    again = await service.book(session, booker(waiting.id), event.id, 1, idempotency_key="k")
    assert (first.status, again.id, again.status) == (BookingStatus.WAITLISTED, first.id, BookingStatus.CONFIRMED)


async def test_the_same_key_with_another_quantity_is_bad_user_input(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event, user = await make_event(), await make_user()
    await service.book(session, booker(user.id), event.id, 1, idempotency_key="k")
    with pytest.raises(BadUserInput, match="idempotencyKey"):
        await service.book(session, booker(user.id), event.id, 2, idempotency_key="k")


async def test_the_same_key_for_another_event_is_bad_user_input(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    first_event, other_event, user = await make_event(), await make_event(), await make_user()
    await service.book(session, booker(user.id), first_event.id, 1, idempotency_key="k")
    with pytest.raises(BadUserInput, match="idempotencyKey"):
        await service.book(session, booker(user.id), other_event.id, 1, idempotency_key="k")
    assert await _count(session, "SELECT count(*) FROM bookings") == 1


async def test_racing_retries_with_one_key_and_other_arguments_are_bad_user_input(
    session: AsyncSession, retry_engine: AsyncEngine, make_user: UserFactory, make_event: EventFactory
) -> None:
    event, user = await make_event(capacity=50), await make_user()

    answers = await _at_once(
        retry_engine,
        lambda own: service.book(own, booker(user.id), event.id, 1, idempotency_key="same"),
        count=RETRIES // 2,
    ) + await _at_once(
        retry_engine,
        lambda own: service.book(own, booker(user.id), event.id, 2, idempotency_key="same"),
        count=RETRIES // 2,
    )

    assert sum(isinstance(answer, Booking) for answer in answers) == RETRIES // 2
    assert sum(isinstance(answer, BadUserInput) for answer in answers) == RETRIES // 2
    assert await _count(session, "SELECT count(*) FROM bookings") == 1


async def test_a_key_used_to_book_cannot_cancel(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event, user = await make_event(), await make_user()
    booking = await service.book(session, booker(user.id), event.id, 1, idempotency_key="k")
    with pytest.raises(BadUserInput, match="idempotencyKey"):
        await service.cancel(session, booker(user.id), booking.id, idempotency_key="k")


async def test_keys_belong_to_their_user(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event, alice, bob = await make_event(), await make_user(), await make_user()
    first = await service.book(session, booker(alice.id), event.id, 1, idempotency_key="k")
    second = await service.book(session, booker(bob.id), event.id, 1, idempotency_key="k")
    assert first.id != second.id


@pytest.mark.parametrize("key", ["", "x" * 129])
async def test_a_key_outside_1_to_128_characters_is_bad_user_input(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory, key: str
) -> None:
    event, user = await make_event(), await make_user()
    with pytest.raises(BadUserInput, match="idempotencyKey"):
        await service.book(session, booker(user.id), event.id, 1, idempotency_key=key)
    assert await _count(session, "SELECT count(*) FROM bookings") == 0


async def test_a_refused_first_call_stores_no_key(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event, user = await make_event(status=EventStatus.DRAFT), await make_user()
    for _ in range(2):
        with pytest.raises(Exception, match="does not exist"):
            await service.book(session, booker(user.id), event.id, 1, idempotency_key="k")
    assert await _count(session, "SELECT count(*) FROM idempotency_keys") == 0


async def test_a_retried_cancellation_answers_the_cancelled_booking_instead_of_a_conflict(
    db: Database, session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event, user = await make_event(), await make_user()
    booking = await service.book(session, booker(user.id), event.id, 1)
    first = await service.cancel(session, booker(user.id), booking.id, idempotency_key="c")
    again = await service.cancel(session, booker(user.id), booking.id, idempotency_key="c")
    assert (again.id, again.status, again.cancelled_at) == (first.id, BookingStatus.CANCELLED, first.cancelled_at)
    assert [row[1] for row in await history(db, booking.id)] == ["BOOKED", "CANCELLED"]


async def test_twenty_racing_cancellation_retries_cancel_once_and_all_answer_it(
    db: Database, session: AsyncSession, retry_engine: AsyncEngine, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=1)
    holder, waiting = await make_user(), await make_user()
    held = await service.book(session, booker(holder.id), event.id, 1)
    await service.book(session, booker(waiting.id), event.id, 1)

    answers = await _at_once(
        retry_engine, lambda own: service.cancel(own, booker(holder.id), held.id, idempotency_key="c")
    )

    assert all(isinstance(a, Booking) and a.status is BookingStatus.CANCELLED for a in answers), answers
    assert [row[1] for row in await history(db, held.id)] == ["BOOKED", "CANCELLED"]
    report = await check_invariants(session)
    assert report.ok, report.violations


async def test_a_cancellation_without_a_key_is_still_a_conflict_the_second_time(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event, user = await make_event(), await make_user()
    booking = await service.book(session, booker(user.id), event.id, 1)
    await service.cancel(session, booker(user.id), booking.id, idempotency_key="c")
    with pytest.raises(Conflict):
        await service.cancel(session, booker(user.id), booking.id)


async def test_an_admins_cancellation_key_is_the_admins(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event, user, admin = await make_event(), await make_user(), await make_user(Role.ADMIN)
    booking = await service.book(session, booker(user.id), event.id, 1)
    await service.cancel(session, Actor.user(admin.id, Role.ADMIN), booking.id, idempotency_key="c")
    again = await service.cancel(session, Actor.user(admin.id, Role.ADMIN), booking.id, idempotency_key="c")
    assert again.status is BookingStatus.CANCELLED
    assert await _count(session, "SELECT count(*) FROM idempotency_keys WHERE user_id = :u", u=admin.id) == 1


async def test_the_sweeper_prunes_keys_older_than_a_day_and_keeps_younger_ones(
    db: Database, session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event()
    old, young = await make_user(), await make_user()
    await service.book(session, booker(old.id), event.id, 1, idempotency_key="old")
    await service.book(session, booker(young.id), event.id, 1, idempotency_key="young")
    async with db.engine.begin() as connection:
        await connection.execute(
            text("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'old'")
        )

    swept = await OfferSweeper(db, interval=1.0).sweep()

    assert swept.keys_pruned == 1
    keys = (await session.execute(text("SELECT key FROM idempotency_keys"))).scalars().all()
    assert keys == ["young"]


async def test_cancelling_an_event_keeps_its_bookings_keys_answering(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event, user = await make_event(), await make_user()
    first = await service.book(session, booker(user.id), event.id, 1, idempotency_key="k")
    await cancel_event(session, Actor.user(event.organizer_id, Role.ORGANIZER), event.id)
    again = await service.book(session, booker(user.id), event.id, 1, idempotency_key="k")
    assert (again.id, again.status) == (first.id, BookingStatus.CANCELLED)
