"""The object types of the contract. Related objects come through the request's DataLoaders."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import strawberry

from boxoffice.api.context import Context
from boxoffice.api.permissions import ManagesEvent, requires
from boxoffice.booking.queries import booking_counts, booking_page
from boxoffice.booking.simulate import SimulationResult
from boxoffice.db import models
from boxoffice.errors import NotFound
from boxoffice.live.read_cache import EventRow
from boxoffice.schema.enums import BookingStatus, CancelReason, EventStatus, Role

Info = strawberry.Info[Context, None]


@strawberry.type(name="User")
class UserType:
    id: strawberry.ID
    email: str
    name: str
    role: Role
    active: bool = strawberry.field(
        default=True, description="False while an admin has deactivated the account: no sign-in, tokens refused"
    )

    @classmethod
    def from_model(cls, user: models.User) -> UserType:
        return cls(
            id=strawberry.ID(str(user.id)),
            email=user.email,
            name=user.name,
            role=user.role,
            active=user.deactivated_at is None,
        )


async def _user(info: Info, user_id: int) -> UserType:
    user = await info.context.loaders.users.load(user_id)
    if user is None:
        raise NotFound(f"User {user_id} does not exist")
    return UserType.from_model(user)


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

    @strawberry.field(
        description=(
            "The event's bookings a page at a time, in booking order (the waiting list's order too), with counts "
            "per status: its organizer or an ADMIN only. `first` after `after`, or `last` before `before` "
            "(1..the page size cap, 50 when neither is given)"
        ),
        extensions=[requires(ManagesEvent())],
    )
    async def bookings_page(
        self,
        info: Info,
        status: BookingStatus | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> BookingConnection:
        context = info.context
        page = await context.call(
            booking_page,
            self.event_id,
            status,
            first=first,
            after=after,
            last=last,
            before=before,
            max_page_size=context.settings.max_page_size,
        )
        edges = [BookingEdge(cursor=str(booking.id), node=BookingType.from_model(booking)) for booking in page.bookings]
        page_info = PageInfo(
            has_next_page=page.has_next_page,
            end_cursor=edges[-1].cursor if edges else None,
            has_previous_page=page.has_previous_page,
            start_cursor=edges[0].cursor if edges else None,
        )
        return BookingConnection(edges=edges, page_info=page_info, event_id=self.event_id, status=status)


@strawberry.type(name="Booking")
class BookingType:
    id: strawberry.ID
    quantity: int
    status: BookingStatus
    created_at: datetime
    confirmed_at: datetime | None
    cancelled_at: datetime | None
    cancellation_reason: CancelReason | None = strawberry.field(
        description="Why it was cancelled; null unless CANCELLED (and for bookings cancelled before this was kept)"
    )
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
            cancellation_reason=CancelReason(booking.cancel_reason) if booking.cancel_reason else None,
        )

    @strawberry.field
    async def event(self, info: Info) -> EventType:
        event = await info.context.loaders.events.load(self.event_id)
        if event is None:
            raise NotFound(f"Event {self.event_id} does not exist")
        return EventType.from_model(event)

    @strawberry.field
    async def user(self, info: Info) -> UserType:
        return await _user(info, self.user_id)

    @strawberry.field(description="1-based place in line right now; null unless WAITLISTED")
    async def waitlist_position(self, info: Info) -> int | None:
        if self.status is not BookingStatus.WAITLISTED:
            return None
        return await info.context.loaders.waitlist_position.load(self.booking_id)


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None
    has_previous_page: bool = strawberry.field(default=False, description="Whether there are items before this page")
    start_cursor: str | None = strawberry.field(default=None, description="The first item's cursor on this page")


@strawberry.type
class EventEdge:
    cursor: str
    node: EventType


@strawberry.type
class EventConnection:
    edges: list[EventEdge]
    page_info: PageInfo


@strawberry.type
class BookingEdge:
    cursor: str
    node: BookingType


@strawberry.type(description="An event's bookings per status: how many bookings, and how many tickets they are for")
class BookingCounts:
    confirmed: int
    waitlisted: int
    cancelled: int
    confirmed_tickets: int
    waitlisted_tickets: int
    cancelled_tickets: int


@strawberry.type
class BookingConnection:
    edges: list[BookingEdge]
    page_info: PageInfo
    event_id: strawberry.Private[int]
    status: strawberry.Private[BookingStatus | None]

    @strawberry.field(description="The event's bookings per status, whatever the page and filter")
    async def counts(self, info: Info) -> BookingCounts:
        found = await info.context.call(booking_counts, self.event_id)
        return BookingCounts(
            confirmed=found.bookings[BookingStatus.CONFIRMED],
            waitlisted=found.bookings[BookingStatus.WAITLISTED],
            cancelled=found.bookings[BookingStatus.CANCELLED],
            confirmed_tickets=found.tickets[BookingStatus.CONFIRMED],
            waitlisted_tickets=found.tickets[BookingStatus.WAITLISTED],
            cancelled_tickets=found.tickets[BookingStatus.CANCELLED],
        )

    @strawberry.field(description="How many bookings match the status filter, over all pages")
    async def total_count(self, info: Info) -> int:
        found = await info.context.call(booking_counts, self.event_id)
        if self.status is None:
            return sum(found.bookings.values())
        return found.bookings[self.status]


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


@strawberry.type(description="What purgeSyntheticUsers removed and freed, and whom it moved up")
class PurgeReport:
    users: int = strawberry.field(description="Synthetic users deleted")
    events: int = strawberry.field(description="Events that had active synthetic bookings")
    bookings: int = strawberry.field(description="Active synthetic bookings removed")
    seats_freed: int = strawberry.field(description="Confirmed seats those bookings held")
    promoted: int = strawberry.field(description="Waitlisted bookings of real users confirmed into the freed seats")
    promoted_booking_ids: strawberry.Private[tuple[int, ...]]

    @strawberry.field(description="The bookings promoted, with their user and event")
    async def promoted_bookings(self, info: Info) -> list[BookingType]:
        found = await info.context.loaders.bookings.load_many(list(self.promoted_booking_ids))
        return [BookingType.from_model(booking) for booking in found if booking is not None]


@strawberry.type(description="What deleting an account did")
class AccountDeletion:
    cancelled_bookings: int = strawberry.field(description="Active bookings cancelled")
    promoted: int = strawberry.field(description="Waitlisted bookings of others confirmed into the freed seats")


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
