"""Two real `boxoffice serve` processes on one database, both sweeping every few milliseconds, expire the same
events' offers and hand the seats on: nobody is ever offered twice, and every invariant holds."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

from boxoffice.booking import service
from boxoffice.booking.invariants import check_invariants
from boxoffice.config import Settings
from boxoffice.db.models import Booking, WaitlistPolicy
from boxoffice.db.session import Database
from tests.support.factories import TEST_BCRYPT_ROUNDS, EventFactory, UserFactory, booker
from tests.support.servers import ServeProcess

EVENTS = 12
CAPACITY = 2
WAITING = 8
OFFER_MINUTE_SECONDS = 0.4
SERVER_ENV = {
    "BOXOFFICE_OFFER_MINUTE_SECONDS": str(OFFER_MINUTE_SECONDS),
    "BOXOFFICE_OFFER_SWEEP_SECONDS": "0.02",
    "BOXOFFICE_BCRYPT_ROUNDS": str(TEST_BCRYPT_ROUNDS),
}


async def _wait_until_nobody_waits_or_is_offered(db: Database, event_ids: list[int]) -> None:
    """Until every offer has expired and the lines are empty (the servers' sweepers alone move them)."""
    async with db.engine.connect() as connection:
        for _ in range(2400):
            left = (
                await connection.execute(
                    text(
                        "SELECT count(*) FROM bookings WHERE event_id = ANY(:ids) "
                        "AND status IN ('WAITLISTED', 'OFFERED')"
                    ),
                    {"ids": event_ids},
                )
            ).scalar_one()
            await connection.commit()
            if left == 0:
                return
            await asyncio.sleep(0.05)
    raise AssertionError("the sweepers did not expire every offer within two minutes")


async def _offers_made(db: Database) -> tuple[list[int], list[Booking]]:
    """EVENTS full OFFER events with WAITING people in line each; every holder cancels, so the heads are offered."""
    make_user = UserFactory(db)
    make_event = EventFactory(db, make_user)
    event_ids, waiting = [], []
    async with db.session() as session:

        async def book(event_id: int) -> Booking:
            return await service.book(session, booker((await make_user()).id), event_id, 1)

        for _ in range(EVENTS):
            event = await make_event(capacity=CAPACITY, waitlist_policy=WaitlistPolicy.OFFER, offer_minutes=1)
            holders = [await book(event.id) for _ in range(CAPACITY)]
            waiting += [await book(event.id) for _ in range(WAITING)]
            for holder in holders:
                await service.cancel(session, booker(holder.user_id), holder.id)
            event_ids.append(event.id)
    return event_ids, waiting


async def test_two_server_processes_sweeping_the_same_events_never_offer_anyone_twice(
    offer_minute: Callable[[float], None],
) -> None:
    offer_minute(OFFER_MINUTE_SECONDS)  # the first offers, made here, last as long as the servers' ones
    with tempfile.TemporaryDirectory(prefix="boxoffice-sweepers-", ignore_cleanup_errors=True) as tmp:
        first = ServeProcess.start(Path(tmp) / "first", "--no-demo", cwd=Path(tmp), env=SERVER_ENV)
        try:
            url = first.database_url()
            second = ServeProcess.start(
                Path(tmp) / "second", "--no-demo", cwd=Path(tmp), env={**SERVER_ENV, "DATABASE_URL": url}
            )
            db = Database(Settings(database_url=url, pool_size=2, pool_max_overflow=0))
            try:
                event_ids, waiting = await _offers_made(db)
                await _wait_until_nobody_waits_or_is_offered(db, event_ids)

                async with db.session() as session:
                    paths: dict[int, list[tuple[str, str]]] = {}
                    rows = await session.execute(
                        text("SELECT booking_id, status, reason FROM booking_history ORDER BY id")
                    )
                    for row in rows:
                        paths.setdefault(row.booking_id, []).append((row.status, row.reason))
                    report = await check_invariants(session, event_ids, offer_grace_seconds=0)
                assert report.ok, report.violations
                # Both processes really swept (each logs the sweeps that settled something).
                for server in (first, second):
                    assert "offer sweep: settled" in server.text, server.text
                for booking in waiting:
                    assert paths[booking.id] == [
                        ("WAITLISTED", "WAITLISTED"),
                        ("OFFERED", "OFFERED"),
                        ("EXPIRED", "EXPIRED"),
                    ], paths[booking.id]
            finally:
                await db.close()
                assert second.stop() == 0, second.text
        finally:
            assert first.stop() == 0, first.text
