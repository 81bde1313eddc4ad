"""One business operation, one transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession


@asynccontextmanager
async def transaction(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """Everything inside commits together or not at all.

    A request may already have read something (the current user, say) in an implicit transaction;
    that one holds no writes and no locks, so it is ended before the operation's own begins.
    """
    if session.in_transaction():
        await session.commit()
    async with session.begin():
        yield session
