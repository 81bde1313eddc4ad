"""A storm on OFFER events: many concurrent clients book, cancel, accept, decline, resize and switch policy while
offers with deadlines of one to three seconds expire under them and two sweepers run; every invariant holds
throughout and at the end, and every booking's history is a valid path of the state machine."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from boxoffice.auth.actor import Actor
from boxoffice.booking import service
from boxoffice.booking.invariants import check_invariants
from boxoffice.config import Settings
from boxoffice.db.models import BookingStatus, Role, WaitlistPolicy
from boxoffice.db.session import Database
from boxoffice.errors import BadUserInput, Conflict
from boxoffice.events.service import EventChanges, update_event
from tests.support.factories import EventFactory, booker, make_users
from tests.support.ledger import sweeping

WORKERS = 40
OPERATIONS_PER_WORKER = 50
# An offer minute of one second: offers of 1..3 minutes last 1..3 s.
MINUTE_SECONDS = 1.0
SWEEP_SECONDS = 0.1
# How late an offer may still be open when the checker looks: sweeps every 0.1 s, plus a loaded machine's slack.
GRACE_SECONDS = 3.0

# Each history row (status, reason) may follow these statuses only; None is "no row yet".
ALLOWED: dict[tuple[str, str], set[str | None]] = {
    ("CONFIRMED", "BOOKED"): {None},
    ("WAITLISTED", "WAITLISTED"): {None},
    ("CONFIRMED", "PROMOTED"): {"WAITLISTED", "OFFERED"},  # from the line, or an open offer when AUTO_CONFIRM
    ("CONFIRMED", "CAPACITY_CHANGED"): {"WAITLISTED"},
    ("OFFERED", "OFFERED"): {"WAITLISTED"},
    ("OFFERED", "CAPACITY_CHANGED"): {"WAITLISTED"},
    ("CONFIRMED", "ACCEPTED"): {"OFFERED"},
    ("EXPIRED", "EXPIRED"): {"OFFERED"},
    ("CANCELLED", "DECLINED"): {"OFFERED"},
    ("CANCELLED", "CANCELLED"): {"CONFIRMED", "WAITLISTED"},
}


@dataclass
class Tally:
    done: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    booked: dict[int, tuple[int, int]] = field(default_factory=dict)  # booking -> (event, user)
    accepted: set[int] = field(default_factory=set)
    violations: list[dict[str, list[int]]] = field(default_factory=list)
    checks: int = 0


async def _until_the_open_offers_have_ended(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Until every offer open now has ended (nobody answers any more, so they expire; the next ones do not count)."""
    query = text("SELECT id FROM bookings WHERE status = 'OFFERED'")
    async with sessions() as own:
        open_now = set((await own.execute(query)).scalars())
        await own.commit()
        for _ in range(600):
            if not open_now & set((await own.execute(query)).scalars()):
                return
            await own.commit()
            await asyncio.sleep(0.05)
    raise AssertionError("offers open when the storm ended were still open 30 s later")


async def test_a_storm_on_offer_events_keeps_every_invariant_and_a_valid_history_for_every_booking(
    db: Database,
    session: AsyncSession,
    make_event: EventFactory,
    test_settings: Settings,
    offer_minute: Callable[[float], None],
) -> None:
    offer_minute(MINUTE_SECONDS)
    events = [
        await make_event(capacity=capacity, waitlist_policy=WaitlistPolicy.OFFER, offer_minutes=minutes)
        for capacity, minutes in ((4, 1), (8, 2), (12, 3))
    ]
    organizers = {event.id: Actor.user(event.organizer_id, Role.ORGANIZER) for event in events}
    users = await make_users(db, 150)
    engine = create_async_engine(db.url, pool_size=WORKERS + 2, max_overflow=0)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    tally = Tally()
    keys = itertools.count()

    async def holding(own: AsyncSession, status: str) -> list[tuple[int, int]]:
        query = text("SELECT id, user_id FROM bookings WHERE status = :status")
        rows = (await own.execute(query, {"status": status})).all()
        await own.commit()
        return [(row.id, row.user_id) for row in rows]

    async def open_offers(own: AsyncSession) -> list[tuple[int, int]]:
        rows = await holding(own, "OFFERED")
        # Half of the people never answer an offer: theirs expire.
        return [(booking_id, user_id) for booking_id, user_id in rows if user_id % 2]

    async def operation(own: AsyncSession, rng: random.Random) -> str:
        roll = rng.random()
        if roll < 0.45 or not tally.booked:
            event = rng.choice(events)
            user_id, key = rng.choice(users), f"storm-{next(keys)}"
            booking = await service.book(own, booker(user_id), event.id, rng.randint(1, 3), idempotency_key=key)
            tally.booked[booking.id] = (event.id, user_id)
            if rng.random() < 0.1:  # the client's own retry after a lost answer
                again = await service.book(own, booker(user_id), event.id, booking.quantity, idempotency_key=key)
                assert again.id == booking.id
            return "book"
        if roll < 0.65:
            # Mostly someone holding seats, whose seats are then offered to the line.
            confirmed = await holding(own, "CONFIRMED") if rng.random() < 0.7 else []
            if confirmed:
                booking_id, user_id = rng.choice(confirmed)
            else:
                booking_id = rng.choice(list(tally.booked))
                user_id = tally.booked[booking_id][1]
            await service.cancel(own, booker(user_id), booking_id)
            return "cancel"
        if roll < 0.83:
            offers = await open_offers(own)
            if not offers:
                return "no offer open"
            booking_id, user_id = rng.choice(offers)
            if roll < 0.77:
                accepted = await service.accept_offer(own, booker(user_id), booking_id)
                assert accepted.status is BookingStatus.CONFIRMED
                tally.accepted.add(booking_id)
                return "accept"
            await service.cancel(own, booker(user_id), booking_id)
            return "decline"
        event = rng.choice(events)
        if roll < 0.98:
            await update_event(own, organizers[event.id], event.id, EventChanges(capacity=rng.randint(2, 16)))
            return "resize"
        policy = WaitlistPolicy.AUTO_CONFIRM if rng.random() < 0.2 else WaitlistPolicy.OFFER
        await update_event(own, organizers[event.id], event.id, EventChanges(waitlist_policy=policy))
        return "policy"

    async def worker(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(OPERATIONS_PER_WORKER):
            async with sessions() as own:
                try:
                    tally.done[await operation(own, rng)] += 1
                except (Conflict, BadUserInput) as refusal:
                    tally.refused[type(refusal).__name__] += 1
            await asyncio.sleep(rng.random() * 0.12)  # people think between taps

    async def checker(stop: asyncio.Event) -> None:
        while not stop.is_set():
            async with sessions() as own:
                report = await check_invariants(own, offer_grace_seconds=GRACE_SECONDS)
            tally.checks += 1
            if not report.ok:
                tally.violations.append(report.violations)
            await asyncio.sleep(0.3)

    started = time.monotonic()
    stop = asyncio.Event()
    # Two sweepers, as two server processes would run.
    async with sweeping(test_settings, 2, SWEEP_SECONDS):
        checking = asyncio.create_task(checker(stop))
        try:
            await asyncio.gather(*(worker(seed) for seed in range(WORKERS)))
            # The clients are gone; the sweepers (and the checker) go on until the offers open now have expired.
            await _until_the_open_offers_have_ended(sessions)
        finally:
            stop.set()
            await checking
    await engine.dispose()
    elapsed = time.monotonic() - started

    assert tally.violations == [], tally.violations[:3]
    final = await check_invariants(session, offer_grace_seconds=GRACE_SECONDS)
    await session.commit()
    assert final.ok, final.violations

    rows = {
        row.id: row for row in (await session.execute(text("SELECT id, event_id, user_id, status FROM bookings"))).all()
    }
    assert set(rows) == set(tally.booked)  # nothing written that was not answered
    for booking_id, (event_id, user_id) in tally.booked.items():
        assert (rows[booking_id].event_id, rows[booking_id].user_id) == (event_id, user_id)

    paths: dict[int, list[tuple[str, str]]] = {}
    for row in await session.execute(text("SELECT booking_id, status, reason FROM booking_history ORDER BY id")):
        paths.setdefault(row.booking_id, []).append((row.status, row.reason))
    assert set(paths) == set(rows)
    for booking_id, path in paths.items():
        previous: str | None = None
        for step in path:
            assert previous in ALLOWED[step], (booking_id, path)
            previous = step[0]
        assert previous == rows[booking_id].status
        # Offered at most once: a booking that left the line never joins it again.
        assert sum(status == "OFFERED" for status, _ in path) <= 1, (booking_id, path)
    for booking_id in tally.accepted:
        assert ("CONFIRMED", "ACCEPTED") in paths[booking_id]

    reasons = Counter(reason for path in paths.values() for _, reason in path)
    print(
        f"\nstorm: {sum(tally.done.values()) + sum(tally.refused.values())} operations in {elapsed:.1f} s by "
        f"{WORKERS} clients: {dict(tally.done)}; refused {dict(tally.refused)}; history reasons {dict(reasons)}; "
        f"{tally.checks} invariant checks during the storm"
    )
    # The storm really went through every transition it is about.
    for reason in ("OFFERED", "ACCEPTED", "DECLINED", "EXPIRED", "CAPACITY_CHANGED", "CANCELLED"):
        assert reasons[reason] > 0, reasons
