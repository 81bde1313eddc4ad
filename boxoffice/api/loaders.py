"""DataLoaders made per request: each field that needs related rows asks its loader, and every load of
one kind made while a page resolves becomes one SQL query, so a page costs the same number of queries
whatever its size."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from boxoffice.auth.actor import Actor
from boxoffice.booking.history import history_of
from boxoffice.booking.queries import (
    active_bookings_of_user,
    bookings_by_ids,
    bookings_of_events,
    waitlist_positions,
)
from boxoffice.db.models import Booking, BookingChange, BookingStatus, Event, User
from boxoffice.events.queries import events_by_ids
from boxoffice.users.queries import users_by_ids

P = ParamSpec("P")
T = TypeVar("T")


class Caller(Protocol):
    """What the loaders need of the request: run a query on its session, and who is asking."""

    async def call(
        self, operation: Callable[Concatenate[AsyncSession, P], Awaitable[T]], *args: P.args, **kwargs: P.kwargs
    ) -> T: ...

    async def actor(self) -> Actor: ...


EventBookingsKey = tuple[int, BookingStatus | None]


class Loaders:
    def __init__(self, context: Caller) -> None:
        self._context = context
        self.users: DataLoader[int, User | None] = DataLoader(self._load_users)
        self.events: DataLoader[int, Event | None] = DataLoader(self._load_events)
        self.bookings: DataLoader[int, Booking | None] = DataLoader(self._load_bookings)
        self.my_booking: DataLoader[int, Booking | None] = DataLoader(self._load_my_bookings)
        # Places in line change with every booking: cached for this request only, which is what we want.
        self.waitlist_position: DataLoader[int, int | None] = DataLoader(self._load_waitlist_positions)
        self.event_bookings: DataLoader[EventBookingsKey, list[Booking]] = DataLoader(self._load_event_bookings)
        # Grows with every change: a long-lived (WebSocket) context clears a booking's entry before each push.
        self.booking_history: DataLoader[int, list[BookingChange]] = DataLoader(self._load_booking_history)

    async def _load_users(self, ids: list[int]) -> list[User | None]:
        found = await self._context.call(users_by_ids, ids)
        return [found.get(user_id) for user_id in ids]

    async def _load_events(self, ids: list[int]) -> list[Event | None]:
        found = await self._context.call(events_by_ids, ids)
        return [found.get(event_id) for event_id in ids]

    async def _load_bookings(self, ids: list[int]) -> list[Booking | None]:
        found = await self._context.call(bookings_by_ids, ids)
        return [found.get(booking_id) for booking_id in ids]

    async def _load_my_bookings(self, event_ids: list[int]) -> list[Booking | None]:
        """The caller's active booking per event id."""
        user_id = (await self._context.actor()).user_id
        if user_id is None:
            return [None for _ in event_ids]
        found = await self._context.call(active_bookings_of_user, user_id, event_ids)
        return [found.get(event_id) for event_id in event_ids]

    async def _load_waitlist_positions(self, booking_ids: list[int]) -> list[int | None]:
        found = await self._context.call(waitlist_positions, booking_ids)
        return [found.get(booking_id) for booking_id in booking_ids]

    async def _load_booking_history(self, booking_ids: list[int]) -> list[list[BookingChange]]:
        found = await self._context.call(history_of, booking_ids)
        return [found.get(booking_id, []) for booking_id in booking_ids]

    async def _load_event_bookings(self, keys: list[EventBookingsKey]) -> list[list[Booking]]:
        # One query per distinct status filter asked for in this batch (usually one).
        event_ids_by_status: dict[BookingStatus | None, list[int]] = defaultdict(list)
        for event_id, status in keys:
            event_ids_by_status[status].append(event_id)
        results: dict[EventBookingsKey, list[Booking]] = {}
        for status, event_ids in event_ids_by_status.items():
            grouped = await self._context.call(bookings_of_events, event_ids, status)
            for event_id in event_ids:
                results[(event_id, status)] = grouped.get(event_id, [])
        return [results[key] for key in keys]
