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


@asynccontextmanager
async def driver_connection(session: AsyncSession) -> AsyncIterator[asyncpg.Connection]:
    """The session's pooled asyncpg connection, handed back to the pool on exit."""
    if session.in_transaction():
        # A read the request made earlier (the current user, say): no writes, no locks; end it.
        await session.commit()
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    if driver is None:
        raise RuntimeError("the session's connection has no asyncpg connection")
    try:
        yield driver
    finally:
        # SQLAlchemy's own transaction never started on the wire; this just hands the connection back.
        await session.commit()


@asynccontextmanager
async def driver_transaction(session: AsyncSession) -> AsyncIterator[asyncpg.Connection]:
    """One business operation on the raw connection: everything inside commits together or not at all."""
    async with driver_connection(session) as driver, driver.transaction():
        yield driver
