"""Organizers' side of events: create, edit, publish, cancel, and which events a caller sees.

Every operation acts for an Actor and checks its rights itself, the write operations under the event's row
lock: an event the actor may not see answers NOT_FOUND (nothing tells a DRAFT exists), one it sees but may
not manage answers FORBIDDEN.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, TypeVar

import asyncpg
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.auth.actor import Actor, OwnedEvent
from boxoffice.booking import ledger
from boxoffice.booking.ledger import LockedEvent, lock_event
from boxoffice.db.driver import driver_transaction
from boxoffice.db.models import (
    DEFAULT_OFFER_MINUTES,
    MAX_OFFER_MINUTES,
    MIN_OFFER_MINUTES,
    Event,
    EventStatus,
    Role,
    WaitlistPolicy,
)
from boxoffice.db.transaction import transaction
from boxoffice.errors import BadUserInput, Conflict, Forbidden, NotFound

E = TypeVar("E", bound=OwnedEvent)

MAX_TITLE = 200
MAX_VENUE = 200
MAX_DESCRIPTION = 5_000
MAX_CAPACITY = 100_000


@dataclass(frozen=True)
class EventDraft:
    title: str
    venue: str
    starts_at: datetime
    capacity: int
    description: str = ""
    waitlist_policy: WaitlistPolicy = WaitlistPolicy.AUTO_CONFIRM
    offer_minutes: int = DEFAULT_OFFER_MINUTES


@dataclass(frozen=True)
class EventChanges:
    title: str | None = None
    description: str | None = None
    venue: str | None = None
    starts_at: datetime | None = None
    capacity: int | None = None
    waitlist_policy: WaitlistPolicy | None = None
    offer_minutes: int | None = None


@dataclass(frozen=True)
class EventPage:
    events: list[Event]
    has_next_page: bool

    def cursor(self, event: Event) -> str:
        return encode_cursor(event)


def _text(name: str, value: str, limit: int, *, required: bool = True) -> str:
    cleaned = value.strip()
    if required and not cleaned:
        raise BadUserInput(f"{name.capitalize()} must not be empty")
    if len(cleaned) > limit:
        raise BadUserInput(f"{name.capitalize()} must be at most {limit:,} characters (this one has {len(cleaned):,})")
    return cleaned


def _in_utc(value: datetime, name: str) -> datetime:
    """The same instant in UTC; an instant outside years 1..9999 in UTC (e.g. 9999-12-31T23:59:59-14:00) is
    BAD_USER_INPUT, as neither Python nor the driver can represent it."""
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError) as error:
        raise BadUserInput(f"{name} is out of range: it must fall within the years 1 to 9999 in UTC") from error


def _starts_at(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise BadUserInput("Starts at must include a time zone, e.g. 2030-05-01T19:30:00Z")
    value = _in_utc(value, "Starts at")
    if value <= datetime.now(UTC):
        raise BadUserInput("Starts at must be in the future")
    return value


def _capacity(value: int) -> int:
    if not 1 <= value <= MAX_CAPACITY:
        raise BadUserInput(f"Capacity must be between 1 and {MAX_CAPACITY:,} seats (got {value:,})")
    return value


def _offer_minutes(value: int) -> int:
    if not MIN_OFFER_MINUTES <= value <= MAX_OFFER_MINUTES:
        raise BadUserInput(
            f"Offer minutes must be between {MIN_OFFER_MINUTES} and {MAX_OFFER_MINUTES:,} (a week); got {value:,}"
        )
    return value


async def create_event(session: AsyncSession, actor: Actor, draft: EventDraft) -> Event:
    """A new DRAFT owned by the actor, an ORGANIZER or ADMIN."""
    organizer_id = actor.user_id
    if organizer_id is None or not actor.is_at_least(Role.ORGANIZER):
        raise Forbidden("Only organizers and admins can do this")
    event = ledger.new_event(
        organizer_id=organizer_id,
        title=_text("title", draft.title, MAX_TITLE),
        description=_text("description", draft.description, MAX_DESCRIPTION, required=False),
        venue=_text("venue", draft.venue, MAX_VENUE),
        starts_at=_starts_at(draft.starts_at),
        capacity=_capacity(draft.capacity),
        waitlist_policy=draft.waitlist_policy,
        offer_minutes=_offer_minutes(draft.offer_minutes),
    )
    async with transaction(session):
        session.add(event)
    await session.refresh(event)
    return event


async def _lock_managed(conn: asyncpg.Connection, actor: Actor, event_id: int) -> LockedEvent:
    """Lock an event the actor manages: NOT_FOUND if they may not see it, FORBIDDEN if they may not manage it."""
    event = await lock_event(conn, event_id)
    if not actor.may_see(event):
        raise NotFound(f"Event {event_id} does not exist")
    if not actor.may_manage(event):
        raise Forbidden("Only this event's organizer or an admin can change it")
    return event


async def _reload(session: AsyncSession, event_id: int) -> Event:
    return (
        await session.execute(select(Event).where(Event.id == event_id).execution_options(populate_existing=True))
    ).scalar_one()


def _validated(changes: EventChanges) -> dict[str, object]:
    """The columns to set, each value checked; capacity and the waitlist policy are checked here and applied by the
    ledger."""
    fields: dict[str, object] = {}
    if changes.title is not None:
        fields["title"] = _text("title", changes.title, MAX_TITLE)
    if changes.description is not None:
        fields["description"] = _text("description", changes.description, MAX_DESCRIPTION, required=False)
    if changes.venue is not None:
        fields["venue"] = _text("venue", changes.venue, MAX_VENUE)
    if changes.starts_at is not None:
        fields["starts_at"] = _starts_at(changes.starts_at)
    if changes.capacity is not None:
        _capacity(changes.capacity)
    if changes.offer_minutes is not None:
        _offer_minutes(changes.offer_minutes)
    return fields


async def update_event(session: AsyncSession, actor: Actor, event_id: int, changes: EventChanges) -> Event:
    async with driver_transaction(session) as conn:
        event = await _lock_managed(conn, actor, event_id)
        # Rights first, then the input (pure checks, no I/O under the lock), then the event's state.
        fields = _validated(changes)
        if event.status is EventStatus.CANCELLED:
            raise Conflict("This event has been cancelled and can no longer be edited")
        if fields:
            # Column names come from the fixed set above, never from input.
            assignments = ", ".join(f"{name} = ${n}" for n, name in enumerate(fields, start=2))
            await conn.execute(
                f"UPDATE events SET {assignments}, updated_at = now() WHERE id = $1", event_id, *fields.values()
            )
        policy = event.waitlist_policy if changes.waitlist_policy is None else changes.waitlist_policy
        offer_minutes = event.offer_minutes if changes.offer_minutes is None else changes.offer_minutes
        if (policy, offer_minutes) != (event.waitlist_policy, event.offer_minutes):
            # First, so that seats a capacity raise frees are given under the new policy.
            event = await ledger.set_waitlist_policy(conn, event, policy, offer_minutes)
        if changes.capacity is not None and changes.capacity != event.capacity:
            await ledger.resize(conn, event, changes.capacity)
    return await _reload(session, event_id)


async def publish_event(session: AsyncSession, actor: Actor, event_id: int) -> Event:
    async with driver_transaction(session) as conn:
        event = await _lock_managed(conn, actor, event_id)
        if event.status is EventStatus.CANCELLED:
            raise Conflict("This event has been cancelled and cannot be published")
        if event.status is EventStatus.DRAFT:
            await ledger.publish_event(conn, event)
    return await _reload(session, event_id)


async def cancel_event(session: AsyncSession, actor: Actor, event_id: int) -> Event:
    """Cancel the event and every active booking on it, in one transaction."""
    async with driver_transaction(session) as conn:
        event = await _lock_managed(conn, actor, event_id)
        if event.status is EventStatus.CANCELLED:
            raise Conflict("This event is already cancelled")
        await ledger.cancel_event(conn, event)
    return await _reload(session, event_id)


def ensure_manages(actor: Actor, event: OwnedEvent) -> None:
    """FORBIDDEN unless the actor manages the event (its organizer or an admin): for what only they may read."""
    if not actor.may_manage(event):
        raise Forbidden("Only this event's organizer or an admin can see this")


def seen_by(actor: Actor, event: E | None) -> E | None:
    """The event as the actor sees it: None when it does not exist or they may not see it (the two look the same)."""
    if event is None or not actor.may_see(event):
        return None
    return event


async def find_event(session: AsyncSession, actor: Actor, event_id: int) -> Event | None:
    return seen_by(actor, await session.get(Event, event_id, populate_existing=True))


async def get_event(session: AsyncSession, actor: Actor, event_id: int) -> Event:
    """The event, or NOT_FOUND when it does not exist or the actor may not see it."""
    event = await find_event(session, actor, event_id)
    if event is None:
        raise NotFound(f"Event {event_id} does not exist")
    return event


class Positioned(Protocol):
    """What a cursor is made of: a model row or a cached one alike."""

    @property
    def id(self) -> int: ...

    @property
    def starts_at(self) -> datetime: ...


def encode_cursor(event: Positioned) -> str:
    raw = f"{event.starts_at.isoformat()}|{event.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


_MAX_BIGINT = 2**63 - 1


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    refused = BadUserInput("after is not a cursor this API gave out")
    try:
        starts_at_text, event_id_text = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        starts_at, event_id = datetime.fromisoformat(starts_at_text), int(event_id_text)
    except (ValueError, binascii.Error, UnicodeError) as error:
        raise refused from error
    # Anything the database could not compare with: a naive time, an instant outside what it can carry, an id
    # beyond bigint.
    if starts_at.tzinfo is None or not 0 <= event_id <= _MAX_BIGINT:
        raise refused
    try:
        return starts_at.astimezone(UTC), event_id
    except (OverflowError, ValueError) as error:
        raise refused from error


MAX_SEARCH = 100


def _search_pattern(search: str) -> str | None:
    """An ILIKE pattern matching `search` anywhere, its own % and _ taken literally; None for a blank search."""
    cleaned = search.strip()
    if len(cleaned) > MAX_SEARCH:
        raise BadUserInput(f"Search must be at most {MAX_SEARCH} characters, got {len(cleaned)}")
    if not cleaned:
        return None
    escaped = cleaned.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_events(
    session: AsyncSession,
    actor: Actor,
    *,
    status: EventStatus | None = None,
    first: int = 50,
    after: str | None = None,
    max_page_size: int = 100,
    organizer_id: int | None = None,
    search: str | None = None,
    descending: bool = False,
) -> EventPage:
    """Events in start order (latest first with `descending`), `first` at a time after the cursor `after`;
    optionally one organizer's only, or those whose title or venue contains `search` (any case)."""
    if not 1 <= first <= max_page_size:
        raise BadUserInput(f"first must be between 1 and {max_page_size}, got {first}")
    order = (Event.starts_at.desc(), Event.id.desc()) if descending else (Event.starts_at, Event.id)
    query = select(Event).order_by(*order).limit(first + 1)
    if status is not None:
        query = query.where(Event.status == status)
    if organizer_id is not None:
        query = query.where(Event.organizer_id == organizer_id)
    pattern = _search_pattern(search) if search is not None else None
    if pattern is not None:
        query = query.where(or_(Event.title.ilike(pattern, escape="\\"), Event.venue.ilike(pattern, escape="\\")))
    if not actor.is_admin:
        # Actor.may_see as SQL, so that pages are cut after the rule applies.
        visible = Event.status != EventStatus.DRAFT
        if actor.user_id is not None:
            visible = or_(visible, Event.organizer_id == actor.user_id)
        query = query.where(visible)
    if after is not None:
        starts_at, event_id = decode_cursor(after)
        if descending:
            query = query.where(
                or_(Event.starts_at < starts_at, and_(Event.starts_at == starts_at, Event.id < event_id))
            )
        else:
            query = query.where(
                or_(Event.starts_at > starts_at, and_(Event.starts_at == starts_at, Event.id > event_id))
            )
    events = list((await session.execute(query.execution_options(populate_existing=True))).scalars())
    return EventPage(events[:first], has_next_page=len(events) > first)
