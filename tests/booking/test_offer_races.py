"""Accepting right at the deadline, racing two sweepers: every offer ends exactly one way (accepted before its
deadline, or expired and handed on), and each answer says which; on real PostgreSQL, many transactions at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from boxoffice.booking import service
from boxoffice.booking.invariants import check_invariants
from boxoffice.config import Settings
from boxoffice.db.models import Booking, BookingStatus, WaitlistPolicy
from boxoffice.db.session import Database
from boxoffice.errors import Conflict
from tests.support.factories import EventFactory, UserFactory, booker
from tests.support.ledger import sweeping

EVENTS = 30
MINUTE_SECONDS = 0.4  # offers of 1, 2 and 3 minutes: 0.4, 0.8 and 1.2 s


async def _offer_per_event(session: AsyncSession, make_user: UserFactory, make_event: EventFactory) -> list[Booking]:
    """EVENTS one-seat OFFER events, each with its head of the line just offered the seat and one more waiting."""
    offers: list[Booking] = []
    for n in range(EVENTS):
        event = await make_event(capacity=1, waitlist_policy=WaitlistPolicy.OFFER, offer_minutes=1 + n % 3)
        holder = await service.book(session, booker((await make_user()).id), event.id, 1)
        offers.append(await service.book(session, booker((await make_user()).id), event.id, 1))
        await service.book(session, booker((await make_user()).id), event.id, 1)
        await service.cancel(session, booker(holder.user_id), holder.id)
    return offers


async def _until_database_clock_passes(session: AsyncSession, seconds_after_first_offer: float) -> None:
    query = text(
        "SELECT clock_timestamp() >= min(at) + make_interval(secs => :s) FROM booking_history WHERE reason = 'OFFERED'"
    )
    for _ in range(1200):
        passed = (await session.execute(query, {"s": seconds_after_first_offer})).scalar_one()
        await session.commit()
        if passed:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the database clock did not move on")


async def test_accepts_racing_the_deadline_and_two_sweepers_end_each_offer_exactly_one_way(
    db: Database,
    session: AsyncSession,
    make_user: UserFactory,
    make_event: EventFactory,
    test_settings: Settings,
    offer_minute: Callable[[float], None],
) -> None:
    offer_minute(MINUTE_SECONDS)
    offers = await _offer_per_event(session, make_user, make_event)
    offer_minute(60.0)  # the offers handed on stay open while the test looks
    engine = create_async_engine(db.url, pool_size=EVENTS, max_overflow=0)
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def accept(offer: Booking) -> object:
        async with sessions() as own:
            try:
                return await service.accept_offer(own, booker(offer.user_id), offer.id)
            except Conflict as refused:
                return refused

    async with sweeping(test_settings, 2, 0.01):
        # When the 2-minute offers' deadlines are near: the 1-minute ones have passed, the 3-minute ones have not.
        await _until_database_clock_passes(session, 2 * MINUTE_SECONDS - 0.05)
        answers = await asyncio.gather(*(accept(offer) for offer in offers))
    await engine.dispose()

    paths: dict[int, list[str]] = {}
    for row in await session.execute(text("SELECT booking_id, reason FROM booking_history ORDER BY id")):
        paths.setdefault(row.booking_id, []).append(row.reason)
    await session.commit()
    accepted = [offer for offer, answer in zip(offers, answers, strict=True) if isinstance(answer, Booking)]
    refused = [offer for offer, answer in zip(offers, answers, strict=True) if isinstance(answer, Conflict)]
    assert len(accepted) + len(refused) == EVENTS
    assert accepted and refused, "the race should have gone both ways"
    for offer, answer in zip(offers, answers, strict=True):
        if isinstance(answer, Booking):
            assert answer.status is BookingStatus.CONFIRMED
            assert paths[offer.id] == ["WAITLISTED", "OFFERED", "ACCEPTED"]
        else:
            assert paths[offer.id] == ["WAITLISTED", "OFFERED", "EXPIRED"]
    # Whoever waited behind an expired offer got the seat offered, once; behind an accepted one, nothing.
    behind = {
        row.event_id: row.id
        for row in await session.execute(text("SELECT event_id, max(id) AS id FROM bookings GROUP BY event_id"))
    }
    await session.commit()
    for offer in offers:
        expected = ["WAITLISTED", "OFFERED"] if offer in refused else ["WAITLISTED"]
        assert paths[behind[offer.event_id]] == expected
    report = await check_invariants(session, offer_grace_seconds=0)
    assert report.ok, report.violations
