"""An event's counters, a booking's status and history, read straight from PostgreSQL, for the engine's tests;
offer sweepers running beside a test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import text

from boxoffice.booking.sweeper import OfferSweeper
from boxoffice.config import Settings
from boxoffice.db.session import Database


@dataclass(frozen=True)
class Counters:
    capacity: int
    seats_remaining: int
    offered_seats: int
    waitlist_count: int


async def counters(db: Database, event_id: int) -> Counters:
    async with db.engine.connect() as connection:
        row = (
            await connection.execute(
                text("SELECT capacity, seats_remaining, offered_seats, waitlist_count FROM events WHERE id = :id"),
                {"id": event_id},
            )
        ).one()
    return Counters(*row)


async def status_of(db: Database, booking_id: int) -> str:
    async with db.engine.connect() as connection:
        status = (
            await connection.execute(text("SELECT status FROM bookings WHERE id = :id"), {"id": booking_id})
        ).scalar_one()
    return str(status)


async def history(db: Database, booking_id: int) -> list[tuple[str, str, int | None]]:
    """The booking's history rows, oldest first: (status, reason, waitlist_position)."""
    async with db.engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT status, reason, waitlist_position FROM booking_history WHERE booking_id = :id ORDER BY id"),
            {"id": booking_id},
        )
        return [(row.status, row.reason, row.waitlist_position) for row in rows]


async def wait_until_due(db: Database, booking_id: int, within_seconds: float = 60.0) -> None:
    """Until the database's clock has passed the booking's offer deadline (the clock every deadline is judged by)."""
    async with db.engine.connect() as connection:
        for _ in range(int(within_seconds / 0.05)):
            due = (
                await connection.execute(
                    # An offer already ended (expired by a sweeper, say) is past its deadline too.
                    text(
                        "SELECT coalesce(offer_expires_at <= clock_timestamp(), status <> 'OFFERED') "
                        "FROM bookings WHERE id = :id"
                    ),
                    {"id": booking_id},
                )
            ).scalar_one()
            await connection.commit()
            if due:
                return
            await asyncio.sleep(0.05)
    raise AssertionError(f"the offer of booking {booking_id} was not due within {within_seconds} s")


async def wait_until_status(db: Database, booking_id: int, status: str, within_seconds: float = 60.0) -> None:
    """Until the booking has `status` (something else, such as a sweeper, is expected to change it)."""
    for _ in range(int(within_seconds / 0.05)):
        if await status_of(db, booking_id) == status:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"booking {booking_id} was not {status} within {within_seconds} s")


@asynccontextmanager
async def sweeping(settings: Settings, count: int, interval: float) -> AsyncIterator[None]:
    """`count` offer sweepers running every `interval` seconds, each on its own pool as separate server processes
    would be; stopped (and their pools closed) when the block ends."""
    async with AsyncExitStack() as stack:
        for _ in range(count):
            database = Database(settings)
            stack.push_async_callback(database.close)
            sweeper = OfferSweeper(database, interval)
            stack.push_async_callback(sweeper.close)
            sweeper.start()
        yield
