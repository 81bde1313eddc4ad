"""Synthetic audience users: made in bulk for a simulation, and purged again without breaking any event.

A simulation and a purge must not overlap, or the purge could delete users whose bookings are still being
made. Simulations hold a shared advisory lock for their whole run, a purge holds it exclusively.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from boxoffice.auth.actor import Actor
from boxoffice.booking import ledger
from boxoffice.db.driver import driver_transaction
from boxoffice.db.locks import AdvisoryLock
from boxoffice.db.models import ACTIVE_BOOKING_STATUSES, Role, sql_in
from boxoffice.errors import Forbidden

_SYNTHETIC_LOCK_KEY = int(AdvisoryLock.SYNTHETIC_USERS)
SYNTHETIC_EMAIL_DOMAIN = "synthetic.invalid"
# Not a hash any password verifier produces, so nobody can ever log in as a synthetic user.
UNUSABLE_PASSWORD = "!synthetic"

_CREATE_SQL = text(
    f"""
    INSERT INTO users (email, name, role, password_hash, synthetic)
    SELECT 'sim-' || :run_id || '-' || n || '@' || :domain, 'Simulated booker ' || n, '{Role.AUDIENCE}', :password,
           true
      FROM generate_series(1, :count) AS n
    RETURNING id
    """
)

_EVENTS_WITH_SYNTHETIC_BOOKINGS_SQL = f"""
    SELECT DISTINCT b.event_id FROM bookings b JOIN users u ON u.id = b.user_id
     WHERE u.synthetic AND {sql_in("b.status", ACTIVE_BOOKING_STATUSES)}
     ORDER BY b.event_id
"""

_DELETE_USERS_SQL = "DELETE FROM users WHERE synthetic"


@dataclass(frozen=True)
class PurgeResult:
    users: int
    events: int
    promoted: int
    # What the purge freed: active bookings removed, and the confirmed seats they held.
    bookings: int = 0
    seats_freed: int = 0
    # The real users' bookings that got seats because synthetic ones ahead of them left.
    promoted_booking_ids: tuple[int, ...] = ()


@asynccontextmanager
async def simulation_guard(engine: AsyncEngine) -> AsyncIterator[None]:
    """Held for a whole simulation run so that no purge deletes its users meanwhile; many runs may share it.

    A session-level lock outside any transaction: an open transaction would pin the oldest visible row
    version for the whole run, and the hot event row's dead versions could then never be pruned, slowing
    every booking down as the run goes on.
    """
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("SELECT pg_advisory_lock_shared(:key)"), {"key": _SYNTHETIC_LOCK_KEY})
        try:
            yield
        finally:
            try:
                await autocommit.execute(text("SELECT pg_advisory_unlock_shared(:key)"), {"key": _SYNTHETIC_LOCK_KEY})
            except BaseException:
                # Closing the connection for good releases the lock; it must not go back to the pool holding it.
                await connection.invalidate()
                raise


async def create_synthetic_users(engine: AsyncEngine, count: int) -> list[int]:
    """`count` audience users in one statement, emails unique to this run."""
    run_id = uuid.uuid4().hex[:12]
    async with engine.begin() as connection:
        rows = await connection.execute(
            _CREATE_SQL,
            {"run_id": run_id, "domain": SYNTHETIC_EMAIL_DOMAIN, "password": UNUSABLE_PASSWORD, "count": count},
        )
        return list(rows.scalars())


async def purge_synthetic_users(session: AsyncSession, actor: Actor) -> PurgeResult:
    """Delete every synthetic user and their bookings, in one transaction, keeping each event's invariants.

    Each affected event is fixed under its row lock (in id order, like every other multi-event writer),
    before the users go, so no booking ever disappears from an event behind its lock's back. ADMIN only.
    """
    if not actor.is_admin:
        raise Forbidden("Only admins can do this")
    async with driver_transaction(session) as conn:
        # Waits for running simulations to finish and keeps new ones out until this commits.
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _SYNTHETIC_LOCK_KEY)
        event_ids = [record["event_id"] for record in await conn.fetch(_EVENTS_WITH_SYNTHETIC_BOOKINGS_SQL)]
        purged = [
            await ledger.purge_synthetic_bookings(conn, await ledger.lock_event(conn, event_id))
            for event_id in event_ids
        ]
        # asyncpg answers a command tag such as "DELETE 55".
        users = int((await conn.execute(_DELETE_USERS_SQL)).split()[-1])
    promoted = tuple(booking_id for event in purged for booking_id in event.promoted_booking_ids)
    return PurgeResult(
        users=users,
        events=len(event_ids),
        promoted=len(promoted),
        bookings=sum(event.bookings for event in purged),
        seats_freed=sum(event.seats_freed for event in purged),
        promoted_booking_ids=promoted,
    )
