"""The offer sweeper: expires due offers and hands their seats on, in every server process.

Every `interval` seconds it claims events with a due offer, one per transaction, with
`SELECT ... WHERE offers_due_at <= clock_timestamp() ... FOR UPDATE SKIP LOCKED LIMIT 1` (ledger.claim_due_event):
processes sweeping at once each take a different event, and none waits behind a booker holding an event's lock
(that booker's own `lock_event` expires the offers anyway). Deadlines are judged by the database's clock only.
The expiry runs under the event's row lock like every other change of seats, so two sweepers can never expire one
offer twice or hand its seats on twice. Now and then it also prunes idempotency keys older than a day.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

from boxoffice.booking import idempotency, ledger
from boxoffice.db.driver import driver_transaction
from boxoffice.db.session import Database

logger = logging.getLogger(__name__)

# Events settled per sweep before the sweeper sleeps again; more wait for the next sweep (or their next lock).
MAX_EVENTS_PER_SWEEP = 200
# Keys are pruned at most this often: a day's retention needs no precision.
PRUNE_EVERY_SECONDS = 60.0


@dataclass(frozen=True)
class Sweep:
    """What one sweep did."""

    events: int  # events whose due offers were expired (and handed on)
    keys_pruned: int


class OfferSweeper:
    """A background task of one process; `start` and `close` are called by the app's lifespan."""

    def __init__(
        self,
        database: Database,
        interval: float,
        *,
        key_ttl_seconds: float = idempotency.KEY_TTL_SECONDS,
        prune_every_seconds: float = PRUNE_EVERY_SECONDS,
    ) -> None:
        self._database = database
        self._interval = interval
        self._key_ttl = key_ttl_seconds
        self._prune_every = prune_every_seconds
        self._last_prune: float | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="boxoffice-offer-sweeper")

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:
                # A database that is away for a moment must not end the sweeping for good.
                logger.exception("offer sweep failed; retrying in %s s", self._interval)
            await asyncio.sleep(self._interval)

    async def sweep(self) -> Sweep:
        """Settle every event with a due offer (up to MAX_EVENTS_PER_SWEEP), and prune old keys when it is time."""
        events = 0
        while events < MAX_EVENTS_PER_SWEEP:
            # One event per transaction: its lock is held only while its own offers are settled.
            async with self._database.session() as session, driver_transaction(session) as conn:
                claimed = await ledger.claim_due_event(conn)
            if claimed is None:
                break
            events += 1
        if events:
            logger.info("offer sweep: settled %d event(s) with offers past their deadline", events)
        return Sweep(events, await self._prune_if_due())

    async def _prune_if_due(self) -> int:
        now = time.monotonic()
        if self._last_prune is not None and now - self._last_prune < self._prune_every:
            return 0
        self._last_prune = now
        async with self._database.session() as session, driver_transaction(session) as conn:
            return await idempotency.prune_keys(conn, self._key_ttl)
