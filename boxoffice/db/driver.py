"""Transactions straight on the session's asyncpg connection, for the booking hot path.

On a hot event the row lock's hold time is the throughput ceiling, and the Python work done between the
statements that run under the lock counts towards it. Driving the pooled asyncpg connection directly keeps
that work to a minimum; the session still owns the connection and returns it to the pool.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import SessionTransaction

# Set in a session's `info` by an owner that closes the session soon (one HTTP request's context): the pooled
# connection then stays with the session between raw operations instead of going back to the pool after each.
KEEP_CONNECTION = "boxoffice.keep_connection"


@asynccontextmanager
async def driver_connection(session: AsyncSession) -> AsyncIterator[asyncpg.Connection]:
    """The session's pooled asyncpg connection, handed back to the pool on exit (unless the session keeps it)."""
    keep = session.info.get(KEEP_CONNECTION, False)
    driver = _kept_driver(session) if keep else None
    if driver is None:
        driver = await _check_out(session, keep)
    try:
        yield driver
    finally:
        if not keep:
            # SQLAlchemy's own transaction never started on the wire; this just hands the connection back.
            await session.commit()


# Where a keeping session remembers the connection its raw operations run on, with the session transaction that
# holds it: asking the session for its connection again costs more than the primary-key read it serves.
_KEPT = "boxoffice.kept_driver"


def _kept_driver(session: AsyncSession) -> asyncpg.Connection | None:
    """The connection an earlier raw operation of this keeping session used, if the session still holds it and no
    transaction is open on it (one the ORM began since, say, which `_check_out` ends first)."""
    kept: tuple[SessionTransaction, asyncpg.Connection] | None = session.info.get(_KEPT)
    if kept is None:
        return None
    holder, driver = kept
    if session.sync_session.get_transaction() is not holder or not holder.is_active or driver.is_in_transaction():
        return None
    return driver


async def _check_out(session: AsyncSession, keep: bool) -> asyncpg.Connection:
    if session.in_transaction() and not (keep and not await _orm_transaction_open(session)):
        # A read the request made earlier through the ORM (no writes, no locks): end it, so that what runs on
        # the raw connection is not nested inside it (a savepoint) and sees a fresh snapshot.
        await session.commit()
    connection = await session.connection()
    driver: asyncpg.Connection | None = (await connection.get_raw_connection()).driver_connection
    if driver is None:
        raise RuntimeError("the session's connection has no asyncpg connection")
    if keep:
        session.info[_KEPT] = (session.sync_session.get_transaction(), driver)
    return driver


async def _orm_transaction_open(session: AsyncSession) -> bool:
    """True when the ORM began a transaction on the wire in this session (raw use alone never does)."""
    driver = (await (await session.connection()).get_raw_connection()).driver_connection
    return driver is None or driver.is_in_transaction()


@asynccontextmanager
async def driver_transaction(session: AsyncSession) -> AsyncIterator[asyncpg.Connection]:
    """One business operation on the raw connection: everything inside commits together or not at all."""
    async with driver_connection(session) as driver, driver.transaction():
        yield driver
