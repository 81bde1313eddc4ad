"""The per-process hub: one LISTEN connection in, this process's subscribers out.

Notifications only mark events dirty; each event's feed then reads it at a bounded rate and offers the
state to its subscribers, which keep only the latest. Nothing here ever awaits a subscriber, so a client
that stops reading stalls its own task only, and the watchdog drops it once its send has hung too long.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

from boxoffice.db.session import Database
from boxoffice.live.channels import EVENTS_CHANNEL, parse_event_id
from boxoffice.live.feed import EventFeed
from boxoffice.live.listener import PgListener
from boxoffice.live.snapshots import EventState, read_event_state, read_user_bookings
from boxoffice.live.subscribers import BookingSubscriber, EventSubscriber, Subscriber

logger = logging.getLogger(__name__)

S = TypeVar("S", bound=Subscriber)

# Subscribers woken per turn of the event loop when a snapshot is published.
_WAKE_BATCH = 50


def _discard(registry: dict[int, set[S]], key: int, subscriber: S) -> None:
    group = registry.get(key)
    if group is not None:
        group.discard(subscriber)
        if not group:
            del registry[key]


@dataclass(frozen=True)
class LiveConfig:
    # At most this many reads per second of one event by this process (≈10/s), whatever the burst.
    min_read_interval: float = 0.1
    # ... and fewer for a large audience: each snapshot costs a socket write per subscriber, so the interval
    # grows with the event's subscribers in this process to keep within this many pushes a second (500
    # subscribers: 4 snapshots a second). The last state is still always sent.
    max_pushes_per_second: float = 2000.0
    # A push that has not left within this time means the client stopped reading: it is dropped.
    send_timeout: float = 10.0
    # How long a feed serving no eventUpdates subscriber survives its last read (keeps its rate limit).
    feed_linger: float = 2.0
    # Waiting for the first LISTEN connection longer than this fails the subscription.
    connect_timeout: float = 10.0


def listen_dsn(database: Database) -> str:
    """The database's URL as plain asyncpg takes it."""
    return database.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class LiveHub:
    def __init__(self, config: LiveConfig | None = None) -> None:
        self.config = config or LiveConfig()
        self._database: Database | None = None
        self._listener: PgListener | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._starting = asyncio.Lock()
        self._event_subscribers: dict[int, set[EventSubscriber]] = {}
        self._booking_subscribers: dict[int, set[BookingSubscriber]] = {}
        self._feeds: dict[int, EventFeed] = {}
        self.notifications = 0
        self.published = 0
        self.dropped = 0

    # Lifecycle ---------------------------------------------------------------------------------------

    async def ensure_started(self, database: Database) -> None:
        """Start listening on first use; subscriptions call this before their first read."""
        if self._listener is not None:
            return
        async with self._starting:
            if self._listener is not None:
                return
            listener = PgListener(listen_dsn(database), EVENTS_CHANNEL, self._on_payload, self._on_reconnected)
            self._database = database
            try:
                await asyncio.wait_for(listener.start(), self.config.connect_timeout)
            except BaseException:
                await listener.stop()
                raise
            self._listener = listener
            self._watchdog = asyncio.create_task(self._watch_sends(), name="boxoffice-live-watchdog")

    async def close(self) -> None:
        for subscriber in self._all_subscribers():
            subscriber.drop()
        for feed in list(self._feeds.values()):
            await feed.stop()
        self._feeds.clear()
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
            self._watchdog = None
        if self._listener is not None:
            await self._listener.stop()
            self._listener = None

    # Subscribing -------------------------------------------------------------------------------------

    @asynccontextmanager
    async def watch_event(self, event_id: int, user_id: int | None) -> AsyncIterator[EventSubscriber]:
        """An eventUpdates subscriber, offered the event's current state at once and every change after."""
        subscriber = EventSubscriber(event_id, user_id)
        self._event_subscribers.setdefault(event_id, set()).add(subscriber)
        try:
            # Registered before the first read, so no commit falls between the read and the notifications.
            self._feed(event_id).mark_dirty()
            yield subscriber
        finally:
            self._forget(subscriber)

    @asynccontextmanager
    async def watch_bookings(self, user_id: int) -> AsyncIterator[BookingSubscriber]:
        """A myBookingUpdates subscriber: offered the user's bookings on every event that changes."""
        if self._database is None:
            raise RuntimeError("ensure_started() first")
        subscriber = BookingSubscriber(user_id)
        self._booking_subscribers.setdefault(user_id, set()).add(subscriber)
        try:
            # Registered first: a change committed after this read is announced to it.
            baseline = await read_user_bookings(self._database, user_id, changed_since=None)
            subscriber.set_baseline(baseline.views, baseline.read_at)
            yield subscriber
        finally:
            self._forget(subscriber)

    async def resync(self, subscriber: BookingSubscriber) -> None:
        """Re-read a booking subscriber's bookings after notifications may have been lost."""
        assert self._database is not None
        since = subscriber.baseline
        found = await read_user_bookings(self._database, subscriber.owner_id, changed_since=since)
        for view in found.views:
            event = found.events.get(view.booking.event_id)
            if event is not None:
                subscriber.offer([view], event, found.organizers.get(event.organizer_id))

    def _forget(self, subscriber: Subscriber) -> None:
        if isinstance(subscriber, EventSubscriber):
            _discard(self._event_subscribers, subscriber.event_id, subscriber)
        elif isinstance(subscriber, BookingSubscriber):
            _discard(self._booking_subscribers, subscriber.owner_id, subscriber)

    # Fan-in ------------------------------------------------------------------------------------------

    def _on_payload(self, payload: str) -> None:
        event_id = parse_event_id(payload)
        if event_id is None:
            logger.warning("ignoring notification with payload %r", payload[:100])
            return
        self.notifications += 1
        if event_id in self._event_subscribers or self._booking_subscribers or event_id in self._feeds:
            self._feed(event_id).mark_dirty()

    def _on_reconnected(self) -> None:
        """After a reconnection, anything may have changed unannounced: re-read what subscribers watch."""
        if self._listener is None or self._listener.connections_made <= 1:
            return
        logger.info("LISTEN connection re-established; re-reading for every subscriber")
        for event_id in list(self._event_subscribers):
            self._feed(event_id).mark_dirty()
        for group in self._booking_subscribers.values():
            for subscriber in group:
                subscriber.request_resync()

    def _feed(self, event_id: int) -> EventFeed:
        feed = self._feeds.get(event_id)
        if feed is None:
            feed = EventFeed(
                event_id,
                read=self._read_state,
                publish=self._publish,
                is_pinned=lambda key: key in self._event_subscribers,
                on_idle=self._on_feed_idle,
                min_interval=self._read_interval,
                linger=self.config.feed_linger,
            )
            self._feeds[event_id] = feed
        return feed

    def _read_interval(self, event_id: int) -> float:
        audience = len(self._event_subscribers.get(event_id, ()))
        return max(self.config.min_read_interval, audience / self.config.max_pushes_per_second)

    def _on_feed_idle(self, feed: EventFeed) -> None:
        if self._feeds.get(feed.event_id) is feed:
            del self._feeds[feed.event_id]

    async def _read_state(self, event_id: int) -> EventState | None:
        assert self._database is not None
        watchers = {s.user_id for s in self._event_subscribers.get(event_id, ()) if s.user_id is not None}
        return await read_event_state(self._database, event_id, watchers | set(self._booking_subscribers))

    # Fan-out -----------------------------------------------------------------------------------------

    async def _publish(self, event_id: int, state: EventState) -> None:
        self.published += 1
        subscribers = list(self._event_subscribers.get(event_id, ()))
        # Once per group, before anyone is woken: they then find what they share ready, instead of all waiting
        # on the first of them to make it.
        prepared: set[Hashable] = set()
        for subscriber in subscribers:
            if subscriber.prepare is None or subscriber.prepare_key in prepared:
                continue
            prepared.add(subscriber.prepare_key)
            try:
                await subscriber.prepare(state)
            except Exception:
                logger.warning("preparing a snapshot of event %s failed", event_id, exc_info=True)
        for index, subscriber in enumerate(subscribers, 1):
            subscriber.offer(state)
            if index % _WAKE_BATCH == 0:
                # Each woken subscriber writes to its socket when it runs: let the loop serve others (bookings)
                # between batches rather than after a burst of hundreds of writes.
                await asyncio.sleep(0)
        organizer = state.organizer
        for user_id, views in state.bookings.items():
            for booking_subscriber in list(self._booking_subscribers.get(user_id, ())):
                booking_subscriber.offer(views, state.event, organizer)

    # Slow clients ------------------------------------------------------------------------------------

    def _all_subscribers(self) -> list[Subscriber]:
        found: list[Subscriber] = []
        for event_group in self._event_subscribers.values():
            found.extend(event_group)
        for booking_group in self._booking_subscribers.values():
            found.extend(booking_group)
        return found

    async def _watch_sends(self) -> None:
        loop = asyncio.get_running_loop()
        period = max(self.config.send_timeout / 4, 0.05)
        while True:
            await asyncio.sleep(period)
            now = loop.time()
            for subscriber in self._all_subscribers():
                since = subscriber.sending_since
                if since is not None and now - since > self.config.send_timeout:
                    logger.info("dropping a subscriber whose push has not gone out for %.1fs", now - since)
                    self.dropped += 1
                    self._forget(subscriber)
                    subscriber.drop()

    # Introspection -----------------------------------------------------------------------------------

    def stats(self) -> dict[str, int]:
        return {
            "event_subscribers": sum(len(group) for group in self._event_subscribers.values()),
            "booking_subscribers": sum(len(group) for group in self._booking_subscribers.values()),
            "booking_subscribers_ready": sum(
                1 for group in self._booking_subscribers.values() for subscriber in group if subscriber.baseline
            ),
            "feeds": len(self._feeds),
            "notifications": self.notifications,
            "published": self.published,
            "dropped": self.dropped,
        }
