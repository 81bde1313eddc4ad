"""Benchmark: the booking service on one hot event against a one-statement reference booking.

Both run in the same process, on the same database, with the same number of concurrent bookers, each
booker a distinct user booking one seat. The reference makes the same decision (confirm when the seats are
there and nobody waits, else join the line) in a single SQL statement sent over a raw asyncpg connection
in autocommit: the most PostgreSQL can do for that decision, including the booking's first history row (issue
12: the service writes it in the same statement as the booking). Prints bookings/s for both and their ratio;
the last line is JSON. `engine_ab.py` runs this script of two checkouts alternately, for before/after.

    python bench/booking_engine.py [--bookers 2000] [--capacity 100] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from event_loop import event_loop_runner
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from boxoffice.auth.actor import Actor
from boxoffice.booking.invariants import check_invariants
from boxoffice.booking.service import book
from boxoffice.config import Settings
from boxoffice.db.migrate import migrate
from boxoffice.db.models import Role
from boxoffice.db.session import Database

# The decision, the booking, its first history row (BOOKED / WAITLISTED with the place joined) and the counters.
REFERENCE_BOOKING_SQL = """
WITH e AS (
    SELECT id, seats_remaining, waitlist_count FROM events WHERE id = $1 AND status = 'PUBLISHED' FOR UPDATE
), decision AS (
    SELECT id, waitlist_count AS line, (waitlist_count = 0 AND seats_remaining >= $3) AS confirmed FROM e
), counters AS (
    UPDATE events SET seats_remaining = seats_remaining - CASE WHEN d.confirmed THEN $3 ELSE 0 END,
                      waitlist_count = waitlist_count + CASE WHEN d.confirmed THEN 0 ELSE 1 END,
                      updated_at = now()
      FROM decision d WHERE events.id = d.id
), booking AS (
    INSERT INTO bookings (event_id, user_id, quantity, status, waitlist_seq, confirmed_at)
    SELECT d.id, $2, $3,
           CASE WHEN d.confirmed THEN 'CONFIRMED' ELSE 'WAITLISTED' END,
           CASE WHEN d.confirmed THEN NULL ELSE nextval('booking_waitlist_seq') END,
           CASE WHEN d.confirmed THEN now() END
      FROM decision d
    RETURNING id, event_id, status
)
INSERT INTO booking_history (booking_id, event_id, status, reason, waitlist_position)
SELECT b.id, b.event_id, b.status,
       CASE WHEN d.confirmed THEN 'BOOKED' ELSE 'WAITLISTED' END,
       CASE WHEN d.confirmed THEN NULL ELSE d.line + 1 END
  FROM booking b, decision d
RETURNING status
"""


async def create_users(conn: AsyncConnection, prefix: str, count: int, role: str = "AUDIENCE") -> list[int]:
    """`count` users (`<prefix><n>@example.com`, no usable password) in one statement; their ids in order."""
    result = await conn.execute(
        text(
            "INSERT INTO users (email, name, role, password_hash) "
            "SELECT :prefix || n || '@example.com', 'Bench ' || n, :role, 'x' "
            "FROM generate_series(1, :n) n RETURNING id"
        ),
        {"prefix": prefix, "role": role, "n": count},
    )
    return sorted(result.scalars().all())


async def create_events(
    conn: AsyncConnection, organizer_id: int, count: int, capacity: int, days_ahead: int = 7, title: str = "Hot event"
) -> list[int]:
    """`count` PUBLISHED events of `capacity` seats, the n-th starting `days_ahead + n` days from now."""
    result = await conn.execute(
        text(
            "INSERT INTO events (organizer_id, title, description, venue, starts_at, capacity, "
            "seats_remaining, waitlist_count, status) "
            "SELECT :org, :title || ' ' || n, '', 'Arena', CAST(:starts AS timestamptz) + n * interval '1 day', "
            ":cap, :cap, 0, 'PUBLISHED' "
            "FROM generate_series(1, :n) n RETURNING id"
        ),
        {
            "org": organizer_id,
            "title": title,
            "starts": datetime.now(UTC) + timedelta(days=days_ahead),
            "cap": capacity,
            "n": count,
        },
    )
    return sorted(result.scalars().all())


async def _setup(db: Database, bookers: int, capacity: int) -> tuple[list[int], list[int]]:
    async with db.engine.begin() as conn:
        await conn.execute(text("TRUNCATE bookings, events, users RESTART IDENTITY CASCADE"))
        (organizer,) = await create_users(conn, "bench-organizer", 1, role="ORGANIZER")
        events = await create_events(conn, organizer, 2, capacity)
        users = await create_users(conn, "bench", bookers)
    return events, users


async def run_bookers(concurrency: int, user_ids: list[int], book_one: Callable[[int], Awaitable[None]]) -> float:
    """Seconds for `concurrency` workers to book each of `user_ids` once through `book_one`."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for user_id in user_ids:
        queue.put_nowait(user_id)

    async def worker() -> None:
        while not queue.empty():
            await book_one(queue.get_nowait())

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


def service_booker(db: Database, event_id: int) -> Callable[[int], Awaitable[None]]:
    """The service path: one pooled session and `book` (one seat on `event_id`) per booker."""

    async def service_booking(user_id: int) -> None:
        async with db.sessions() as session:
            await book(session, Actor.user(user_id, Role.AUDIENCE), event_id, 1)

    return service_booking


async def reference_pool(db: Database, size: int) -> asyncpg.Pool:
    """A raw asyncpg pool on the same database as `db`, for the reference booking."""
    dsn = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    return await asyncpg.create_pool(dsn, min_size=size, max_size=size)


def reference_booker(pool: asyncpg.Pool, event_id: int) -> Callable[[int], Awaitable[None]]:
    """The reference path: the same decision in one statement, in autocommit, on a raw pooled connection."""

    async def reference_booking(user_id: int) -> None:
        async with pool.acquire() as connection:
            await connection.fetchval(REFERENCE_BOOKING_SQL, event_id, user_id, 1)

    return reference_booking


async def bench(bookers: int, capacity: int, concurrency: int, rounds: int) -> dict[str, float | int | bool]:
    data_dir = Path(tempfile.mkdtemp(prefix="boxoffice-bench-"))
    settings = Settings(data_dir=data_dir, pool_size=concurrency, pool_max_overflow=0)
    db = Database(settings)
    try:
        await migrate(db.engine)
        (service_event, reference_event), users = await _setup(db, bookers, capacity)

        service_booking = service_booker(db, service_event)
        pool = await reference_pool(db, concurrency)
        reference_booking = reference_booker(pool, reference_event)

        # Warm both paths (connections, prepared statements) on a throwaway share of the users.
        warm = concurrency * 2
        await run_bookers(concurrency, users[:warm], service_booking)
        await run_bookers(concurrency, users[warm : 2 * warm], reference_booking)
        # Alternate the two paths in rounds, so that noise from a shared machine falls on both alike.
        measured = users[2 * warm :]
        half = len(measured) // 2
        service_users, reference_users = measured[:half], measured[half : 2 * half]
        step = -(-half // rounds)
        service_seconds = reference_seconds = 0.0
        for start in range(0, half, step):
            service_seconds += await run_bookers(concurrency, service_users[start : start + step], service_booking)
            reference_seconds += await run_bookers(
                concurrency, reference_users[start : start + step], reference_booking
            )
        await pool.close()

        async with db.sessions() as session:
            report = await check_invariants(session)
        service_rate = half / service_seconds
        reference_rate = half / reference_seconds
        return {
            "bookers_per_path": half,
            "capacity": capacity,
            "concurrency": concurrency,
            "rounds": rounds,
            "service_bookings_per_s": round(service_rate, 1),
            "reference_bookings_per_s": round(reference_rate, 1),
            "ratio": round(service_rate / reference_rate, 3),
            "invariants_ok": report.ok,
        }
    finally:
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bookers", type=int, default=2000, help="bookers per path (default 2000)")
    parser.add_argument("--capacity", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5, help="alternating service/reference rounds")
    args = parser.parse_args()
    result = event_loop_runner()(
        bench(args.bookers * 2 + 4 * args.concurrency, args.capacity, args.concurrency, args.rounds)
    )
    print(f"service:   {result['service_bookings_per_s']:>8} bookings/s")
    print(f"reference: {result['reference_bookings_per_s']:>8} bookings/s")
    print(f"ratio:     {result['ratio']:>8}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
