"""The offer sweeper: due offers expire and their seats go on without anyone touching the event, on real
PostgreSQL; it claims events with SKIP LOCKED, so it never waits for a booker holding an event's lock."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.booking import service
from boxoffice.booking.invariants import check_invariants
from boxoffice.booking.sweeper import OfferSweeper
from boxoffice.db.models import Booking, WaitlistPolicy
from boxoffice.db.session import Database
from tests.support.factories import EventFactory, UserFactory, booker
from tests.support.ledger import history, status_of, wait_until_due, wait_until_status


async def _offer_made(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> tuple[Booking, Booking]:
    """An OFFER event of one seat: its holder cancels, the head of the line is offered it; (offer, next in line)."""
    event = await make_event(capacity=1, waitlist_policy=WaitlistPolicy.OFFER, offer_minutes=1)
    holder = await service.book(session, booker((await make_user()).id), event.id, 1)
    offered = await service.book(session, booker((await make_user()).id), event.id, 1)
    following = await service.book(session, booker((await make_user()).id), event.id, 1)
    await service.cancel(session, booker(holder.user_id), holder.id)
    return offered, following


async def _due_offer(
    db: Database,
    session: AsyncSession,
    make_user: UserFactory,
    make_event: EventFactory,
    offer_minute: Callable[[float], None],
) -> tuple[Booking, Booking]:
    """`_offer_made` with the offer past its deadline (nothing expired it yet); later offers last an hour."""
    offer_minute(0.3)
    offered, following = await _offer_made(session, make_user, make_event)
    offer_minute(60.0)
    await wait_until_due(db, offered.id)
    return offered, following


async def test_a_sweep_expires_a_due_offer_and_offers_its_seats_to_the_next_in_line(
    db: Database,
    session: AsyncSession,
    make_user: UserFactory,
    make_event: EventFactory,
    offer_minute: Callable[[float], None],
) -> None:
    offered, following = await _due_offer(db, session, make_user, make_event, offer_minute)

    swept = await OfferSweeper(db, interval=1.0).sweep()

    assert swept.events == 1
    assert (await history(db, offered.id))[-1] == ("EXPIRED", "EXPIRED", None)
    assert await history(db, following.id) == [("WAITLISTED", "WAITLISTED", 2), ("OFFERED", "OFFERED", 1)]
    report = await check_invariants(session, offer_grace_seconds=0)
    assert report.ok, report.violations


async def test_a_sweep_leaves_offers_before_their_deadline_alone(
    db: Database, session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    offered, _ = await _offer_made(session, make_user, make_event)
    swept = await OfferSweeper(db, interval=1.0).sweep()
    assert swept.events == 0
    assert await status_of(db, offered.id) == "OFFERED"


async def test_a_sweep_skips_an_event_whose_lock_another_transaction_holds_instead_of_waiting(
    db: Database,
    session: AsyncSession,
    make_user: UserFactory,
    make_event: EventFactory,
    offer_minute: Callable[[float], None],
) -> None:
    offered, _ = await _due_offer(db, session, make_user, make_event, offer_minute)
    sweeper = OfferSweeper(db, interval=1.0)

    async with db.engine.connect() as holder:
        await holder.execute(text("SELECT id FROM events FOR UPDATE"))
        assert (await sweeper.sweep()).events == 0
        await holder.rollback()
    assert await status_of(db, offered.id) == "OFFERED"

    assert (await sweeper.sweep()).events == 1
    assert await status_of(db, offered.id) == "EXPIRED"


async def test_the_apps_sweeper_task_expires_due_offers_by_itself(
    db: Database,
    session: AsyncSession,
    make_user: UserFactory,
    make_event: EventFactory,
    offer_minute: Callable[[float], None],
) -> None:
    offer_minute(0.3)
    offered, following = await _offer_made(session, make_user, make_event)
    offer_minute(60.0)
    sweeper = OfferSweeper(db, interval=0.05)
    sweeper.start()
    try:
        await wait_until_status(db, offered.id, "EXPIRED")
    finally:
        await sweeper.close()
    assert await status_of(db, following.id) == "OFFERED"
