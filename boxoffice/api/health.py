"""GET /health: is the database answering? Asked on a connection of its own, outside the request pool.

Under load every pooled connection may be busy and requests queue for one; a health check that queued with them
would report a loaded but healthy server as down (or answer after many seconds). The probe keeps one dedicated
connection, opened on first use and reopened after a failure, and gives the database a short time to answer.
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg
from sqlalchemy.engine import make_url

from boxoffice.db.session import Database

logger = logging.getLogger(__name__)

HEALTH_TIMEOUT_SECONDS = 3.0


def driver_dsn(sqlalchemy_url: str) -> str:
    """The asyncpg DSN of a `postgresql+asyncpg://` URL (unix-socket `?host=` included)."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


class HealthProbe:
    def __init__(self, timeout: float = HEALTH_TIMEOUT_SECONDS) -> None:
        self.timeout = timeout
        self._connection: asyncpg.Connection | None = None
        self._lock: asyncio.Lock | None = None

    async def healthy(self, database: Database | None) -> bool:
        if database is None:
            return False
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            try:
                if self._connection is None or self._connection.is_closed():
                    self._connection = await asyncpg.connect(driver_dsn(database.url), timeout=self.timeout)
                await self._connection.fetchval("SELECT 1", timeout=self.timeout)
                return True
            except Exception:
                logger.warning("Health check failed", exc_info=True)
                await self.close()
                return False

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await asyncio.wait_for(connection.close(), self.timeout)
            except Exception:
                connection.terminate()
