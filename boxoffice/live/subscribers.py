"""Per-subscriber state: bounded, latest-wins, and never awaited by the hub.

The hub only ever calls `offer` (synchronous, O(1) memory per subscriber): a subscriber that is slow to
send finds the latest state when it wakes, not a backlog, and one that never wakes costs a fixed amount.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta

from boxoffice.db.models import ACTIVE_BOOKING_STATUSES, Event, User
from boxoffice.live.snapshots import BookingView, EventState

logger = logging.getLogger(__name__)

_ACTIVE = frozenset(ACTIVE_BOOKING_STATUSES)
# A booking first seen after subscribing is sent if it changed this recently before the subscription's
# baseline read: covers commits that raced the baseline, at worst resending a state the client knows.
_RACE_MARGIN = timedelta(minutes=1)
MAX_PENDING_BOOKINGS = 256
MAX_KNOWN_BOOKINGS = 4096


class Subscriber:
    """What the hub and its watchdog need of any subscriber."""

    def __init__(self, user_id: int | None) -> None:
        self.user_id = user_id
        self.task: asyncio.Task[object] | None = asyncio.current_task()
        self.wake = asyncio.Event()
        # Set while a push is out of our hands (resolving and sending): the watchdog reads it.
        self.sending_since: float | None = None
        self.dropped = False

    def drop(self) -> None:
        """Stop this subscriber: its task is cancelled wherever it waits, a blocked send included."""
        self.dropped = True
        self.wake.set()
        if self.task is not None and not self.task.done():
            self.task.cancel()


Prepare = Callable[[EventState], Awaitable[None]]


class EventSubscriber(Subscriber):
    """eventUpdates: holds the latest state of one event, nothing older."""

    def __init__(self, event_id: int, user_id: int | None) -> None:
        super().__init__(user_id)
        self.event_id = event_id
        self.latest: EventState | None = None
        self._offered: tuple[object, ...] | None = None
        # Work the hub does once per snapshot for all subscribers with the same `prepare_key`, before offering
        # it to them (the rendering they share): set by the subscription, None when there is none.
        self.prepare: Prepare | None = None
        self.prepare_key: Hashable = None

    def offer(self, state: EventState) -> None:
        if self.user_id is not None and self.user_id not in state.watched:
            # Read before this subscriber registered: it would say "no booking" whatever the truth. The read
            # its registration asked for follows.
            return
        mine = state.active_booking(self.user_id)
        fingerprint = (state.fingerprint, mine.booking.id if mine else None, mine.fingerprint if mine else None)
        if fingerprint == self._offered:
            return
        self._offered = fingerprint
        self.latest = state
        self.wake.set()

    async def next_state(self) -> EventState:
        while True:
            await self.wake.wait()
            self.wake.clear()
            if self.dropped:
                raise asyncio.CancelledError
            if self.latest is not None:
                state, self.latest = self.latest, None
                return state


@dataclass(frozen=True, slots=True)
class BookingPush:
    view: BookingView
    event: Event
    organizer: User | None


class BookingSubscriber(Subscriber):
    """myBookingUpdates: the latest state of each of the user's bookings that changed since it was last sent."""

    def __init__(self, user_id: int) -> None:
        super().__init__(user_id)
        self.owner_id = user_id
        self.pending: OrderedDict[int, BookingPush] = OrderedDict()
        self._known: OrderedDict[int, tuple[object, ...]] = OrderedDict()
        self.baseline: datetime | None = None
        # Set when notifications may have been missed (the LISTEN connection was lost): re-read everything.
        self.resync = False

    def set_baseline(self, views: list[BookingView], read_at: datetime) -> None:
        for view in views:
            self._remember(view)
        self.baseline = read_at

    def _remember(self, view: BookingView) -> None:
        self._known[view.booking.id] = view.fingerprint
        self._known.move_to_end(view.booking.id)
        while len(self._known) > MAX_KNOWN_BOOKINGS:
            self._known.popitem(last=False)

    def _is_news(self, view: BookingView) -> bool:
        known = self._known.get(view.booking.id)
        if known is not None:
            return known != view.fingerprint
        if view.booking.status in _ACTIVE:
            return True
        # Cancelled and never seen: news only if it was cancelled around or after subscribing.
        return self.baseline is None or view.booking.updated_at >= self.baseline - _RACE_MARGIN

    def offer(self, views: list[BookingView], event: Event, organizer: User | None) -> None:
        for view in views:
            if not self._is_news(view):
                continue
            self._remember(view)
            booking_id = view.booking.id
            self.pending[booking_id] = BookingPush(view, event, organizer)
            self.pending.move_to_end(booking_id)
            if len(self.pending) > MAX_PENDING_BOOKINGS:
                self.pending.popitem(last=False)
                logger.warning(
                    "user %s: more than %d unsent booking changes, oldest dropped", self.user_id, MAX_PENDING_BOOKINGS
                )
            self.wake.set()

    def request_resync(self) -> None:
        self.resync = True
        self.wake.set()

    async def next_push(self) -> BookingPush | None:
        """The next booking to send; None means a resync was asked for (the caller re-reads, then offers)."""
        while True:
            if self.dropped:
                raise asyncio.CancelledError
            if self.resync:
                self.resync = False
                return None
            if self.pending:
                _, push = self.pending.popitem(last=False)
                return push
            await self.wake.wait()
            self.wake.clear()
