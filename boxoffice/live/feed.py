"""One event's reader: coalesces its notifications into at most one database read per interval.

However many bookings a burst commits and however many subscribers watch the event, this process reads the
event at most once per `min_interval` (the hub lengthens it for a large audience), and a notification that
arrives during or after a read always causes one more read, so the last state is always delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from boxoffice.live.snapshots import EventState

logger = logging.getLogger(__name__)

ReadState = Callable[[int], Awaitable[EventState | None]]
Publish = Callable[[int, EventState], Awaitable[None]]
IsPinned = Callable[[int], bool]

_RETRY_SECONDS = 1.0


class EventFeed:
    def __init__(
        self,
        event_id: int,
        read: ReadState,
        publish: Publish,
        is_pinned: IsPinned,
        on_idle: Callable[[EventFeed], None],
        min_interval: Callable[[int], float],
        linger: float,
    ) -> None:
        self.event_id = event_id
        self._read = read
        self._publish = publish
        self._is_pinned = is_pinned
        self._on_idle = on_idle
        self._min_interval = min_interval
        # A feed nobody subscribes to (it only serves myBookingUpdates) stays this long after its last read,
        # so that its rate limit survives between the notifications of a burst.
        self._linger = linger
        self._dirty = asyncio.Event()
        self._last_read = float("-inf")
        self._task: asyncio.Task[None] | None = None
        self.reads = 0

    def mark_dirty(self) -> None:
        self._dirty.set()
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"boxoffice-live-feed-{self.event_id}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                try:
                    await asyncio.wait_for(self._dirty.wait(), self._linger)
                except TimeoutError:
                    if not self._is_pinned(self.event_id):
                        return
                    continue
                wait = self._last_read + self._min_interval(self.event_id) - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                # Cleared before the read: anything committed after this point is read next time round.
                self._dirty.clear()
                self._last_read = loop.time()
                try:
                    state = await self._read(self.event_id)
                except Exception:
                    logger.warning("reading event %s for subscribers failed; retrying", self.event_id, exc_info=True)
                    self._dirty.set()
                    await asyncio.sleep(_RETRY_SECONDS)
                    continue
                self.reads += 1
                if state is not None:
                    await self._publish(self.event_id, state)
        finally:
            self._task = None
            self._on_idle(self)
