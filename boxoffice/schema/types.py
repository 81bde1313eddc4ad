"""The object types of the contract. Related objects come through the request's DataLoaders."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import strawberry

from boxoffice.api.context import Context
from boxoffice.auth.permissions import ManagesEvent, is_admin, requires
from boxoffice.booking.simulate import SimulationResult
from boxoffice.db import models
from boxoffice.errors import NotFound
from boxoffice.live.read_cache import EventRow
from boxoffice.schema.enums import BookingStatus, EventStatus, Role

Info = strawberry.Info[Context, None]


@strawberry.type(name="User")
class UserType:
    id: strawberry.ID
    name: str
    role: Role
    user_id: strawberry.Private[int]
    address: strawberry.Private[str]
    # Who may read the email besides the user themself and admins: the organizer of an event this user booked.
    shown_to: strawberry.Private[int | None] = None
    # The caller is this user, whether or not a token came with the request (register and login answer so).
    shown_always: strawberry.Private[bool] = False

    @classmethod
    def from_model(cls, user: models.User, *, shown_to: int | None = None, shown_always: bool = False) -> UserType:
        return cls(
            id=strawberry.ID(str(user.id)),
            name=user.name,
            role=user.role,
            user_id=user.id,
            address=user.email,
            shown_to=shown_to,
            shown_always=shown_always,
        )

    @strawberry.field(
        description="The user's email, for the user themself, ADMINs, and the organizer of an event they booked; "
        'for anyone else the empty string "" (the field stays non-null, as in the contract)'
    )
    async def email(self, info: Info) -> str:
        if self.shown_always:
            return self.address
        caller = await info.context.current_user()
        if caller is not None and (caller.id in (self.user_id, self.shown_to) or is_admin(caller)):
            return self.address
        return HIDDEN_EMAIL


# What User.email is for a caller who may not see it: non-null as the contract wants, and no address at all.
HIDDEN_EMAIL = ""


async def _user(info: Info, user_id: int, *, shown_to: int | None = None) -> UserType:
    user = await info.context.loaders.users.load(user_id)
    if user is None:
        raise NotFound(f"User {user_id} does not exist")
    return UserType.from_model(user, shown_to=shown_to)


@strawberry.type(name="Event")
class EventType:
    id: strawberry.ID
    title: str
    description: str
    venue: str
    starts_at: datetime
    capacity: int
    seats_remaining: int = strawberry.field(description="capacity - confirmed seats, never below 0")
    waitlist_length: int = strawberry.field(description="waitlisted bookings now")
    status: EventStatus
    organizer_id: strawberry.Private[int]
    event_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, event: models.Event | EventRow) -> EventType:
        return cls(
            id=strawberry.ID(str(event.id)),
            event_id=event.id,
            title=event.title,
            description=event.description,
            venue=event.venue,
            starts_at=event.starts_at,
            capacity=event.capacity,
            seats_remaining=max(event.seats_remaining, 0),
            waitlist_length=event.waitlist_count,
            status=event.status,
            organizer_id=event.organizer_id,
        )

    @strawberry.field
    async def organizer(self, info: Info) -> UserType:
        return await _user(info, self.organizer_id)

    @strawberry.field(description="The caller's active (not cancelled) booking, if any")
    async def my_booking(self, info: Info) -> BookingType | None:
        booking = await info.context.loaders.my_booking.load(self.event_id)
        return BookingType.from_model(booking) if booking else None

    @strawberry.field(
        description="The event's bookings, oldest first: its organizer or an ADMIN only",
        extensions=[requires(ManagesEvent())],
    )
    async def bookings(self, info: Info, status: BookingStatus | None = None) -> list[BookingType]:
        bookings = await info.context.loaders.event_bookings.load((self.event_id, status))
        return [BookingType.from_model(booking) for booking in bookings]


@strawberry.type(name="Booking")
class BookingType:
    id: strawberry.ID
    quantity: int
    status: BookingStatus
    created_at: datetime
    confirmed_at: datetime | None
    cancelled_at: datetime | None
    booking_id: strawberry.Private[int]
    event_id: strawberry.Private[int]
    user_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, booking: models.Booking) -> BookingType:
        return cls(
            id=strawberry.ID(str(booking.id)),
            booking_id=booking.id,
            event_id=booking.event_id,
            user_id=booking.user_id,
            quantity=booking.quantity,
            status=booking.status,
            created_at=booking.created_at,
            confirmed_at=booking.confirmed_at,
            cancelled_at=booking.cancelled_at,
        )

    @strawberry.field
    async def event(self, info: Info) -> EventType:
        event = await info.context.loaders.events.load(self.event_id)
        if event is None:
            raise NotFound(f"Event {self.event_id} does not exist")
        return EventType.from_model(event)

    @strawberry.field
    async def user(self, info: Info) -> UserType:
        # The event's organizer sees the emails of its bookers.
        event = await info.context.loaders.events.load(self.event_id)
        return await _user(info, self.user_id, shown_to=event.organizer_id if event is not None else None)

    @strawberry.field(description="1-based place in line right now; null unless WAITLISTED")
    async def waitlist_position(self, info: Info) -> int | None:
        if self.status is not BookingStatus.WAITLISTED:
            return None
        return await info.context.loaders.waitlist_position.load(self.booking_id)


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class EventEdge:
    cursor: str
    node: EventType


@strawberry.type
class EventConnection:
    edges: list[EventEdge]
    page_info: PageInfo


@strawberry.type
class UserEdge:
    cursor: str
    node: UserType


@strawberry.type
class UserConnection:
    edges: list[UserEdge]
    page_info: PageInfo


@strawberry.type
class AuthPayload:
    token: str
    expires_at: datetime
    user: UserType


@strawberry.type
class SimulationReport:
    event_id: strawberry.ID
    bookers: int
    confirmed: int
    waitlisted: int
    failed: int
    seats_remaining: int
    waitlist_length: int
    duration_ms: float
    bookings_per_second: float
    overbooked: bool

    @classmethod
    def from_result(cls, result: SimulationResult) -> SimulationReport:
        return cls(**{**dataclasses.asdict(result), "event_id": strawberry.ID(str(result.event_id))})


@strawberry.input
class EventInput:
    title: str
    venue: str
    starts_at: datetime
    capacity: int
    description: str = ""


@strawberry.input
class EventUpdateInput:
    title: str | None = None
    description: str | None = None
    venue: str | None = None
    starts_at: datetime | None = None
    capacity: int | None = None
