"""A per-process cache of public event reads, invalidated by the LISTEN/NOTIFY feed.

What it holds: immutable snapshots of event rows by id, pages of the events listing as a signed-out
caller sees them, keyed by (status, first, after), and whole answers to signed-out queries (the `data` of a
document with its variables, api/public_answers.py). Nothing per caller is ever stored: visibility is applied
to the cached row on every read (`Actor.may_see`), and per-caller fields (`myBooking`, an event's bookings)
are resolved per request as before; an answer is kept only when it was computed from this cache alone for a
signed-out caller (which every signed-out caller gets alike).

Freshness. Every committed change to an event or its bookings is announced on `boxoffice_events` (migration
0002) and reaches this process over its own LISTEN connection. A notification drops that event's entry and
every cached page before anything else runs on the event loop, so a read that starts after the notification
was received reads the database again and sees the commit. Answers are dropped by every notification, as
pages are (an answer may show any event). Between a commit and its notification's arrival
(the notify latency, normally well under a millisecond on one host) a reader may see the previous state,
exactly as it would on a read replica lagging by that much. A read that was already going to the database
when a notification arrived returns what it read but does not store it (the change counter moved on), so
a cached entry is never older than the last notification about it.

When the LISTEN connection is lost, notifications sent meanwhile are lost too: the cache is flushed and
disabled at once (every read goes to the database) until LISTEN is back in place, and flushed again then.
A connection that dies silently is noticed by the listener's health check (a `SELECT 1` every 15 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

import asyncpg

from boxoffice.db.models import EventStatus, WaitlistPolicy
from boxoffice.db.session import Database
from boxoffice.events.service import decode_cursor
from boxoffice.live.channels import EVENTS_CHANNEL, parse_event_id
from boxoffice.live.hub import listen_dsn
from boxoffice.live.listener import PgListener

logger = logging.getLogger(__name__)

T = TypeVar("T")
_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")

_EVENT_COLUMNS = (
    "id, organizer_id, title, description, venue, starts_at, capacity, seats_remaining, waitlist_count, status, "
    "waitlist_policy, offer_minutes, offered_seats"
)
_EVENT_SQL = f"SELECT {_EVENT_COLUMNS} FROM events WHERE id = $1"


@dataclass(frozen=True, slots=True)
class EventRow:
    """An event as read from its row: immutable, so one snapshot can be shared by every request."""

    id: int
    organizer_id: int
    title: str
    description: str
    venue: str
    starts_at: datetime
    capacity: int
    seats_remaining: int
    waitlist_count: int
    status: EventStatus
    waitlist_policy: WaitlistPolicy
    offer_minutes: int
    offered_seats: int

    @classmethod
    def from_record(cls, record: asyncpg.Record) -> EventRow:
        return cls(
            id=record["id"],
            organizer_id=record["organizer_id"],
            title=record["title"],
            description=record["description"],
            venue=record["venue"],
            starts_at=record["starts_at"],
            capacity=record["capacity"],
            seats_remaining=record["seats_remaining"],
            waitlist_count=record["waitlist_count"],
            status=EventStatus(record["status"]),
            waitlist_policy=WaitlistPolicy(record["waitlist_policy"]),
            offer_minutes=record["offer_minutes"],
            offered_seats=record["offered_seats"],
        )


@dataclass(frozen=True, slots=True)
class PublicPage:
    """A page of the events listing as a signed-out caller sees it."""

    events: tuple[EventRow, ...]
    has_next_page: bool


PageKey = tuple[str | None, int, str | None]


class RunOnConnection(Protocol):
    """Runs one read on a pooled connection and hands the connection back (the request's: api/context.py)."""

    def __call__(self, read: Callable[[asyncpg.Connection], Awaitable[T]], /) -> Awaitable[T]: ...


async def read_event_row(connection: asyncpg.Connection, event_id: int) -> EventRow | None:
    record = await connection.fetchrow(_EVENT_SQL, event_id)
    return EventRow.from_record(record) if record is not None else None


async def read_public_page(connection: asyncpg.Connection, key: PageKey) -> PublicPage:
    """Non-draft events in (starts_at, id) order, `first` after the cursor `after` (validated by the caller)."""
    status, first, after = key
    conditions = [f"status <> '{EventStatus.DRAFT}'"]
    args: list[Any] = [first + 1]
    if status is not None:
        args.append(status)
        conditions.append(f"status = ${len(args)}")
    if after is not None:
        starts_at, event_id = decode_cursor(after)
        args += [starts_at, event_id]
        conditions.append(f"(starts_at, id) > (${len(args) - 1}, ${len(args)})")
    sql = f"SELECT {_EVENT_COLUMNS} FROM events WHERE {' AND '.join(conditions)} ORDER BY starts_at, id LIMIT $1"
    rows = [EventRow.from_record(record) for record in await connection.fetch(sql, *args)]
    return PublicPage(tuple(rows[:first]), has_next_page=len(rows) > first)


class _Lru(OrderedDict[_K, _V]):
    def __init__(self, capacity: int) -> None:
        super().__init__()
        self.capacity = capacity

    def put(self, key: _K, value: _V) -> None:
        self[key] = value
        self.move_to_end(key)
        if len(self) > self.capacity:
            self.popitem(last=False)


class PublicReadCache:
    """Event rows and public pages, valid only while this process's LISTEN connection is in place."""

    def __init__(self, *, max_events: int = 10_000, max_pages: int = 1_000, max_answers: int = 1_000) -> None:
        self._events: _Lru[int, EventRow] = _Lru(max_events)
        self._pages: _Lru[PageKey, PublicPage] = _Lru(max_pages)
        self._answers: _Lru[Hashable, Any] = _Lru(max_answers)
        # A counter of changes: every notification and every flush moves it on. A load stores its result only
        # if nothing about its key changed since the load started.
        self._changes = 0
        self._event_changed: dict[int, int] = {}
        self._pages_changed = 0
        self._floor = 0
        self._task: asyncio.Task[None] | None = None
        self.enabled = False
        self.hits = 0
        self.misses = 0
        self.notifications = 0
        self.connections = 0

    # Lifecycle ---------------------------------------------------------------------------------------

    def start(self, database: Database) -> None:
        """Start listening in the background; reads are served from memory only once LISTEN is in place."""
        if self._task is None:
            self._task = asyncio.create_task(self._listen(database), name="boxoffice-read-cache-listener")

    async def _listen(self, database: Database) -> None:
        listener = PgListener(
            listen_dsn(database),
            EVENTS_CHANNEL,
            self._on_payload,
            self._on_connected,
            on_disconnected=self._on_disconnected,
        )
        try:
            await listener.start()
            await asyncio.Event().wait()
        finally:
            await listener.stop()

    async def close(self) -> None:
        self.enabled = False
        self._flush()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    # The feed ----------------------------------------------------------------------------------------

    def _flush(self) -> None:
        self._changes += 1
        self._floor = self._changes
        self._events.clear()
        self._pages.clear()
        self._answers.clear()
        self._event_changed.clear()

    def _on_connected(self) -> None:
        # Anything may have changed while nobody listened.
        self._flush()
        self.connections += 1
        self.enabled = True

    def _on_disconnected(self) -> None:
        if self.enabled:
            logger.warning("LISTEN connection lost: public read cache off until it is back")
        self.enabled = False
        self._flush()

    def _on_payload(self, payload: str) -> None:
        event_id = parse_event_id(payload)
        self.notifications += 1
        if event_id is None:
            # Not ours to understand: assume anything changed.
            self._flush()
            return
        self._changes += 1
        self._events.pop(event_id, None)
        if len(self._event_changed) >= self._events.capacity:
            self._event_changed.clear()
            self._floor = self._changes
        self._event_changed[event_id] = self._changes
        self._pages_changed = self._changes
        if self._pages:
            self._pages.clear()
        if self._answers:
            self._answers.clear()

    # Reads -------------------------------------------------------------------------------------------

    async def event(self, event_id: int, run: RunOnConnection) -> EventRow | None:
        """The event's row, None when there is no such event (not cached: a new event is not announced).

        `run` runs a read on a pooled connection: the caller's, so a miss counts against its request."""
        if self.enabled:
            found = self._events.get(event_id)
            if found is not None:
                self.hits += 1
                return found
        started = self._changes
        row = await run(lambda connection: read_event_row(connection, event_id))
        self.misses += 1
        if row is not None and self._storable(started) and self._event_changed.get(event_id, 0) <= started:
            self._events.put(event_id, row)
        return row

    async def page(self, status: str | None, first: int, after: str | None, run: RunOnConnection) -> PublicPage:
        """A page of the listing as a signed-out caller sees it; `first` already checked by the caller."""
        key: PageKey = (status, first, after)
        if after is not None:
            decode_cursor(after)  # a forged cursor is BAD_USER_INPUT, before anything is looked up
        if self.enabled:
            found = self._pages.get(key)
            if found is not None:
                self.hits += 1
                return found
        started = self._changes
        page = await run(lambda connection: read_public_page(connection, key))
        self.misses += 1
        if self._storable(started) and self._pages_changed <= started:
            self._pages.put(key, page)
        return page

    @property
    def changes(self) -> int:
        """Where the feed stands: a load that starts now passes this to `keep_answer` when it is done."""
        return self._changes

    def answer(self, key: Hashable) -> Any | None:
        """A whole answer kept for `key` (api/public_answers.py), None when there is none."""
        if not self.enabled:
            return None
        found = self._answers.get(key)
        if found is not None:
            self.hits += 1
            self._answers.move_to_end(key)
        return found

    def keep_answer(self, key: Hashable, started: int, answer: Any) -> None:
        """Keep an answer computed from this cache since change `started`, unless any change was heard since."""
        if self._storable(started) and self._pages_changed <= started:
            self._answers.put(key, answer)

    def _storable(self, started: int) -> bool:
        """Whether a read that started at change `started` may be cached: nothing flushed the cache since."""
        return self.enabled and self._floor <= started

    def stats(self) -> dict[str, int | bool]:
        return {
            "enabled": self.enabled,
            "events": len(self._events),
            "pages": len(self._pages),
            "answers": len(self._answers),
            "hits": self.hits,
            "misses": self.misses,
            "notifications": self.notifications,
            "connections": self.connections,
        }
