"""The process's one LISTEN connection: a dedicated asyncpg connection, outside the pool, reconnected on loss."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg

logger = logging.getLogger(__name__)

# Idle connections can die without a FIN (a NAT, a failover): a cheap query now and then notices.
_HEALTH_CHECK_SECONDS = 15.0
_HEALTH_CHECK_TIMEOUT = 5.0
_MAX_BACKOFF_SECONDS = 10.0


def _lost_signal(connection: asyncpg.Connection) -> asyncio.Event:
    lost = asyncio.Event()
    connection.add_termination_listener(lambda _connection: lost.set())
    return lost


class PgListener:
    """LISTENs on `channel` and hands every payload to `on_payload`, synchronously and in arrival order.

    `on_connected` runs after every (re)connection once LISTEN is in place: notifications sent while no
    connection was listening are lost, so the caller re-reads whatever its subscribers may have missed.
    `on_disconnected`, if given, runs as soon as a connection that was listening is found gone (or stopped).
    """

    def __init__(
        self,
        dsn: str,
        channel: str,
        on_payload: Callable[[str], None],
        on_connected: Callable[[], None],
        on_disconnected: Callable[[], None] | None = None,
    ) -> None:
        self._dsn = dsn
        self._channel = channel
        self._on_payload = on_payload
        self._on_connected = on_connected
        self._on_disconnected = on_disconnected
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self.connections_made = 0

    async def start(self) -> None:
        """Start listening; returns once the first LISTEN is in place, so nothing after it is missed."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="boxoffice-live-listener")
        await self._ready.wait()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _callback(self, _connection: object, _pid: int, _channel: str, payload: object) -> None:
        # asyncpg passes the NOTIFY payload as a str.
        self._on_payload(str(payload))

    async def _run(self) -> None:
        backoff = 0.2
        while True:
            connection: asyncpg.Connection | None = None
            listening = False
            try:
                connection = await asyncpg.connect(self._dsn)
                lost = _lost_signal(connection)
                await connection.add_listener(self._channel, self._callback)
                listening = True
                self.connections_made += 1
                backoff = 0.2
                self._ready.set()
                self._on_connected()
                await self._watch(connection, lost)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("LISTEN connection lost; reconnecting in %.1fs", backoff, exc_info=True)
            finally:
                if listening and self._on_disconnected is not None:
                    self._on_disconnected()
                if connection is not None and not connection.is_closed():
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(connection.close(), _HEALTH_CHECK_TIMEOUT)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, _MAX_BACKOFF_SECONDS)

    async def _watch(self, connection: asyncpg.Connection, lost: asyncio.Event) -> None:
        """Return when the connection is gone, however it went."""
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), _HEALTH_CHECK_SECONDS)
                return
            await asyncio.wait_for(connection.fetchval("SELECT 1"), _HEALTH_CHECK_TIMEOUT)
