"""What subscribers are sent, read fresh from the database in one short session per read.

Everything a pushed Event or Booking resolves (organizer, myBooking, waitlistPosition, event) is read here,
before the push, so resolving and sending a push never holds a database connection, however slow the client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.booking.queries import waitlist_positions
from boxoffice.db.models import ACTIVE_BOOKING_STATUSES, Booking, BookingStatus, Event, User
from boxoffice.db.session import Database

_FRESH = {"populate_existing": True}
_ACTIVE = frozenset(ACTIVE_BOOKING_STATUSES)


@dataclass(frozen=True, slots=True)
class BookingView:
    """A booking as a subscriber sees it, with its place in line at the time of the read."""

    booking: Booking
    position: int | None

    @property
    def fingerprint(self) -> tuple[object, ...]:
        """What a client can observe: a new fingerprint means the booking is worth sending again."""
        b = self.booking
        return (b.status, b.quantity, self.position, b.confirmed_at, b.cancelled_at, b.offer_expires_at)


@dataclass(frozen=True, slots=True)
class EventState:
    """One read of an event, with the bookings on it of the users subscribed in this process."""

    event: Event
    organizer: User | None
    bookings: dict[int, list[BookingView]]  # user id -> that user's bookings on the event
    # The users whose bookings were read (whether they have one or not): `bookings` is true for them only.
    watched: frozenset[int] = frozenset()
    # What subscribers are sent of this state, rendered once per group and shared (boxoffice/api/fanout.py);
    # it lives and dies with the state, which subscribers drop as soon as a newer one is offered.
    renderings: dict[Hashable, asyncio.Future[Any]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def fingerprint(self) -> tuple[object, ...]:
        e = self.event
        return (
            e.title,
            e.description,
            e.venue,
            e.starts_at,
            e.capacity,
            e.seats_remaining,
            e.waitlist_count,
            e.status,
            e.offered_seats,
            e.waitlist_policy,
            e.offer_minutes,
        )

    def active_booking(self, user_id: int | None) -> BookingView | None:
        if user_id is None:
            return None
        for view in self.bookings.get(user_id, []):
            if view.booking.status in _ACTIVE:
                return view
        return None


@dataclass(frozen=True, slots=True)
class UserBookings:
    """A user's bookings, each with its event: what myBookingUpdates resolves."""

    views: list[BookingView]
    events: dict[int, Event]
    organizers: dict[int, User]
    read_at: datetime


async def _with_positions(session: AsyncSession, bookings: Iterable[Booking]) -> list[BookingView]:
    bookings = list(bookings)
    waiting = [b.id for b in bookings if b.status is BookingStatus.WAITLISTED]
    positions = await waitlist_positions(session, waiting)
    return [BookingView(b, positions.get(b.id)) for b in bookings]


async def _users(session: AsyncSession, user_ids: set[int]) -> dict[int, User]:
    if not user_ids:
        return {}
    rows = await session.execute(select(User).where(User.id.in_(user_ids)).execution_options(**_FRESH))
    return {user.id: user for user in rows.scalars()}


async def read_event_state(database: Database, event_id: int, user_ids: set[int]) -> EventState | None:
    """The event now, and the bookings on it of `user_ids`; None when the event is gone."""
    async with database.sessions() as session:
        event = (
            await session.execute(select(Event).where(Event.id == event_id).execution_options(**_FRESH))
        ).scalar_one_or_none()
        if event is None:
            return None
        organizer = (await _users(session, {event.organizer_id})).get(event.organizer_id)
        by_user: dict[int, list[BookingView]] = {}
        if user_ids:
            rows = await session.execute(
                select(Booking)
                .where(Booking.event_id == event_id, Booking.user_id.in_(user_ids))
                .order_by(Booking.id)
                .execution_options(**_FRESH)
            )
            for view in await _with_positions(session, rows.scalars()):
                by_user.setdefault(view.booking.user_id, []).append(view)
        return EventState(event, organizer, by_user, frozenset(user_ids))


async def read_user_bookings(database: Database, user_id: int, changed_since: datetime | None) -> UserBookings:
    """The user's active bookings, plus any other booking of theirs changed since `changed_since`."""
    async with database.sessions() as session:
        read_at = (await session.execute(select(func.now()))).scalar_one()
        wanted: ColumnElement[bool] = Booking.status.in_(_ACTIVE)
        if changed_since is not None:
            wanted = or_(wanted, Booking.updated_at >= changed_since)
        rows = await session.execute(
            select(Booking).where(Booking.user_id == user_id, wanted).order_by(Booking.id).execution_options(**_FRESH)
        )
        views = await _with_positions(session, rows.scalars())
        event_ids = {view.booking.event_id for view in views}
        events: dict[int, Event] = {}
        if event_ids:
            found = await session.execute(select(Event).where(Event.id.in_(event_ids)).execution_options(**_FRESH))
            events = {event.id: event for event in found.scalars()}
        organizers = await _users(session, {event.organizer_id for event in events.values()})
        return UserBookings(views, events, organizers, read_at)
