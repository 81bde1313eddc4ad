"""Simulate a rush on one event: N synthetic users book it at once, through the same code as `bookEvent`.

Concurrency is a fixed handful of worker coroutines pulling bookers from a shared iterator, never N tasks:
on a hot event the event's row lock serialises every booking anyway, and PostgreSQL books fastest with a
few clients (more only queue on the lock and cost context switches), so N = 10,000 needs neither 10,000
connections nor 10,000 pending tasks.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
from sqlalchemy import text

from boxoffice.auth.actor import Actor
from boxoffice.booking.invariants import check_invariants
from boxoffice.booking.ledger import lock_event
from boxoffice.booking.service import book_on, ensure_open_for_booking
from boxoffice.booking.synthetic import create_synthetic_users, simulation_guard
from boxoffice.db.driver import driver_connection, driver_transaction
from boxoffice.db.models import BookingStatus, Role
from boxoffice.db.session import Database
from boxoffice.errors import BadUserInput, DomainError, Forbidden

logger = logging.getLogger(__name__)

# Tuned with bench/simulate.py, 10,000 bookers on 2 busy cores: 2, 4, 8 and 11 (the default pool's limit)
# workers book within noise of each other, since the hot row lock serialises them; fewer clients leave
# more CPU to PostgreSQL and to the rest of the server.
DEFAULT_WORKERS = 4


@dataclass(frozen=True)
class SimulationResult:
    event_id: int
    bookers: int
    confirmed: int
    waitlisted: int
    failed: int
    seats_remaining: int
    waitlist_length: int
    duration_ms: float
    bookings_per_second: float
    overbooked: bool


@dataclass
class _Tally:
    confirmed: int = 0
    waitlisted: int = 0
    failed: int = 0


def worker_count(database: Database, requested: int | None, bookers: int) -> int:
    """Workers to run: never more than the pool can serve beside the simulation's own guard connection."""
    wanted = requested if requested is not None else DEFAULT_WORKERS
    return max(1, min(wanted, database.pool_capacity - 1, bookers))


async def _ensure_bookable(database: Database, event_id: int) -> None:
    """Refuse up front (NOT_FOUND / CONFLICT) rather than create N users whose bookings would all fail."""
    async with database.session() as session, driver_transaction(session) as conn:
        ensure_open_for_booking(await lock_event(conn, event_id))


@asynccontextmanager
async def _synthetic_commits(conn: asyncpg.Connection, durable: bool) -> AsyncIterator[None]:
    """Commit synthetic bookings without waiting for their WAL flush, unless told to be durable.

    The event's row lock is held through COMMIT, so the flush is most of a hot booking's lock time. Synthetic
    bookings are test data: a crash may lose the last fraction of a second of them, never a real booking, and
    never consistency (an asynchronous commit can only lose the tail of the log). It also keeps a simulation
    from competing with real bookings for the disk. The connection goes back to the pool reset.
    """
    if durable:
        yield
        return
    await conn.execute("SET synchronous_commit = off")
    try:
        yield
    finally:
        if not conn.is_closed():
            await conn.execute("RESET synchronous_commit")


async def _worker(database: Database, event_id: int, bookers: Iterator[int], tally: _Tally) -> None:
    # One pooled connection per worker for all its bookers; each booking is still its own transaction.
    async with (
        database.session() as session,
        driver_connection(session) as conn,
        _synthetic_commits(conn, database.settings.simulate_durable_commits),
    ):
        for user_id in bookers:
            try:
                # Each synthetic booker acts as itself, an audience user, through bookEvent's own code.
                booking = await book_on(conn, Actor.user(user_id, Role.AUDIENCE), event_id)
            except DomainError as error:
                # A booker that fails is part of the report, not the end of the run.
                tally.failed += 1
                logger.warning("simulated booking for user %s failed: %s", user_id, error.message)
                continue
            if booking.status is BookingStatus.CONFIRMED:
                tally.confirmed += 1
            else:
                tally.waitlisted += 1


async def _run_bookers(database: Database, event_id: int, user_ids: list[int], workers: int) -> _Tally:
    tally = _Tally()
    # One iterator shared by all workers: each user books exactly once, in the order they were created.
    bookers = iter(user_ids)
    async with asyncio.TaskGroup() as group:
        for _ in range(workers):
            group.create_task(_worker(database, event_id, bookers, tally))
    return tally


async def simulate_bookings(
    database: Database, actor: Actor, event_id: int, users: int, max_users: int, *, workers: int | None = None
) -> SimulationResult:
    """Create `users` synthetic audience users and have each book one seat of the event concurrently (ADMIN only)."""
    if not actor.is_admin:
        raise Forbidden("Only admins can do this")
    if not 1 <= users <= max_users:
        raise BadUserInput(f"Bookers (users) must be between 1 and {max_users:,} (got {users})")
    started = time.perf_counter()
    await _ensure_bookable(database, event_id)
    async with simulation_guard(database.engine):
        user_ids = await create_synthetic_users(database.engine, users)
        tally = await _run_bookers(database, event_id, user_ids, worker_count(database, workers, users))
    async with database.session() as session:
        invariants = await check_invariants(session, [event_id])
        seats_remaining, waitlist_length = (
            await session.execute(
                text("SELECT seats_remaining, waitlist_count FROM events WHERE id = :id"), {"id": event_id}
            )
        ).one()
    duration = time.perf_counter() - started
    return SimulationResult(
        event_id=event_id,
        bookers=users,
        confirmed=tally.confirmed,
        waitlisted=tally.waitlisted,
        failed=tally.failed,
        seats_remaining=seats_remaining,
        waitlist_length=waitlist_length,
        duration_ms=duration * 1000,
        bookings_per_second=users / duration if duration > 0 else 0.0,
        overbooked=invariants.overbooked,
    )
