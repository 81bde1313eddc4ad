"""The object types of the contract. Related objects come through the request's DataLoaders."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Annotated

import strawberry

from boxoffice.api.context import Context
from boxoffice.api.permissions import requires
from boxoffice.auth.service import MAX_EMAIL, MAX_NAME, MAX_PASSWORD, MIN_PASSWORD
from boxoffice.booking.queries import booking_counts, booking_page
from boxoffice.booking.simulate import SimulationResult
from boxoffice.db import models
from boxoffice.db.models import DEFAULT_OFFER_MINUTES, MAX_OFFER_MINUTES, MAX_SEATS_PER_BOOKING
from boxoffice.errors import Forbidden, NotFound
from boxoffice.events.service import MAX_CAPACITY, MAX_DESCRIPTION, MAX_TITLE, MAX_VENUE, ensure_manages
from boxoffice.live.read_cache import EventRow
from boxoffice.schema.enums import BookingStatus, CancelReason, ChangeReason, EventStatus, Role, WaitlistPolicy

Info = strawberry.Info[Context, None]


@strawberry.type(
    name="User",
    description="A person with an account. Anyone may read the organizer of an event they can see; "
    "the users list is for ADMINs.",
)
class UserType:
    id: strawberry.ID = strawberry.field(description="The user's id (a positive integer, as a string)")
    name: str = strawberry.field(description=f"How they are shown to others, 1..{MAX_NAME} characters")
    role: Role = strawberry.field(description="What they may do: AUDIENCE < ORGANIZER < ADMIN (see Role)")
    user_id: strawberry.Private[int]
    address: strawberry.Private[str]
    # Who may read the email besides the user themself and admins: the organizer of an event this user booked.
    shown_to: strawberry.Private[int | None] = None
    # The caller is this user, whether or not a token came with the request (register and login answer so).
    shown_always: strawberry.Private[bool] = False

    active: bool = strawberry.field(
        default=True, description="False while an admin has deactivated the account: no sign-in, tokens refused"
    )

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
            active=user.deactivated_at is None,
        )

    @strawberry.field(
        description="The address they sign in with, unique, compared case-insensitively. Shown to the user "
        'themself, ADMINs, and the organizer of an event they booked; anyone else gets the empty string "" '
        "(the field stays non-null, as in the contract)"
    )
    async def email(self, info: Info) -> str:
        if self.shown_always:
            return self.address
        actor = await info.context.actor()
        if actor.may_see_email(self.user_id, organizer_of_their_event=self.shown_to):
            return self.address
        return HIDDEN_EMAIL


# What User.email is for a caller who may not see it: non-null as the contract wants, and no address at all.
HIDDEN_EMAIL = ""


async def _user(info: Info, user_id: int, *, shown_to: int | None = None) -> UserType:
    user = await info.context.loaders.users.load(user_id)
    if user is None:
        raise NotFound(f"User {user_id} does not exist")
    return UserType.from_model(user, shown_to=shown_to)


@strawberry.type(
    name="Event",
    description="Something people book seats for. Everyone, signed in or not, sees PUBLISHED and CANCELLED events; "
    "a DRAFT only its organizer and ADMINs.",
)
class EventType:
    id: strawberry.ID = strawberry.field(description="The event's id (a positive integer, as a string)")
    title: str = strawberry.field(description=f"Its name, 1..{MAX_TITLE} characters")
    description: str = strawberry.field(description=f"What it is about, 0..{MAX_DESCRIPTION} characters")
    venue: str = strawberry.field(description=f"Where it takes place, 1..{MAX_VENUE} characters")
    starts_at: datetime = strawberry.field(description="When it starts, with time zone; bookings close then")
    capacity: int = strawberry.field(description=f"Seats in total, 1..{MAX_CAPACITY}")
    seats_remaining: int = strawberry.field(
        description="Seats free right now: capacity - confirmed seats - seats held by open offers, never below 0"
    )
    waitlist_length: int = strawberry.field(description="WAITLISTED bookings right now (bookings, not seats)")
    status: EventStatus = strawberry.field(description="DRAFT, PUBLISHED or CANCELLED (see EventStatus)")
    waitlist_policy: WaitlistPolicy = strawberry.field(
        description="What seats freed for the waiting list do: confirm its head at once (AUTO_CONFIRM, the default) "
        "or offer them to it for offerMinutes (OFFER); see WaitlistPolicy"
    )
    offer_minutes: int = strawberry.field(
        description=f"How long an offer holds its seats under the OFFER policy, 1..{MAX_OFFER_MINUTES} minutes "
        f"(default {DEFAULT_OFFER_MINUTES}); kept but unused under AUTO_CONFIRM"
    )
    offered_seats: int = strawberry.field(
        description="Seats held by open offers (OFFERED bookings) right now: neither free nor confirmed"
    )
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
            waitlist_policy=event.waitlist_policy,
            offer_minutes=event.offer_minutes,
            offered_seats=event.offered_seats,
            organizer_id=event.organizer_id,
        )

    @strawberry.field(description="Who organizes it: the ORGANIZER or ADMIN who created it")
    async def organizer(self, info: Info) -> UserType:
        return await _user(info, self.organizer_id)

    @strawberry.field(
        description="The caller's active (CONFIRMED, WAITLISTED or OFFERED) booking on this event; null when signed "
        "out or without one"
    )
    async def my_booking(self, info: Info) -> BookingType | None:
        booking = await info.context.loaders.my_booking.load(self.event_id)
        return BookingType.from_model(booking) if booking else None

    @strawberry.field(
        description="The event's bookings, oldest first, optionally only those with `status`: for its organizer "
        "and ADMINs only (others get FORBIDDEN, signed out UNAUTHENTICATED)",
        extensions=[requires()],
    )
    async def bookings(
        self,
        info: Info,
        status: Annotated[
            BookingStatus | None, strawberry.argument(description="Only bookings with this status; null for all")
        ] = None,
    ) -> list[BookingType]:
        ensure_manages(await info.context.actor(), self)
        bookings = await info.context.loaders.event_bookings.load((self.event_id, status))
        return [BookingType.from_model(booking) for booking in bookings]

    @strawberry.field(
        description=(
            "The event's bookings a page at a time, in booking order (the waiting list's order too), with counts "
            "per status: its organizer or an ADMIN only. `first` after `after`, or `last` before `before` "
            "(1..the page size cap, 50 when neither is given)"
        ),
        extensions=[requires()],
    )
    async def bookings_page(
        self,
        info: Info,
        status: Annotated[
            BookingStatus | None, strawberry.argument(description="Only bookings with this status; null for all")
        ] = None,
        first: Annotated[
            int | None, strawberry.argument(description="How many bookings after `after` (default 50)")
        ] = None,
        after: Annotated[
            str | None, strawberry.argument(description="A cursor from this list: the page starts after it")
        ] = None,
        last: Annotated[int | None, strawberry.argument(description="How many bookings before `before`")] = None,
        before: Annotated[
            str | None, strawberry.argument(description="A cursor from this list: the page ends before it")
        ] = None,
    ) -> BookingConnection:
        ensure_manages(await info.context.actor(), self)
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


@strawberry.type(
    name="Booking",
    description="One user's seats on one event, or their place in its waiting list. Readable by its user, "
    "the event's organizer and ADMINs.",
)
class BookingType:
    id: strawberry.ID = strawberry.field(description="The booking's id (a positive integer, as a string)")
    quantity: int = strawberry.field(description=f"Seats in this booking, 1..{MAX_SEATS_PER_BOOKING}")
    status: BookingStatus = strawberry.field(
        description="CONFIRMED, WAITLISTED, OFFERED, EXPIRED or CANCELLED (see BookingStatus)"
    )
    created_at: datetime = strawberry.field(description="When it was booked; the waiting list is in this order")
    confirmed_at: datetime | None = strawberry.field(
        description="When it got its seats (at booking or when promoted from the waiting list); null until then"
    )
    cancelled_at: datetime | None = strawberry.field(description="When it was cancelled; null while active")
    cancellation_reason: CancelReason | None = strawberry.field(
        description="Why it was cancelled; null unless CANCELLED (and for bookings cancelled before this was kept)"
    )
    offer_expires_at: datetime | None = strawberry.field(
        description="While OFFERED: when the offer ends; accept it (acceptOffer) before then, or it becomes EXPIRED "
        "and its seats go to the next in line. Null in every other status"
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
            offer_expires_at=booking.offer_expires_at,
        )

    @strawberry.field(description="The event it is for")
    async def event(self, info: Info) -> EventType:
        event = await info.context.loaders.events.load(self.event_id)
        if event is None:
            raise NotFound(f"Event {self.event_id} does not exist")
        return EventType.from_model(event)

    @strawberry.field(description="Whose booking it is")
    async def user(self, info: Info) -> UserType:
        # The event's organizer sees the emails of its bookers.
        event = await info.context.loaders.events.load(self.event_id)
        return await _user(info, self.user_id, shown_to=event.organizer_id if event is not None else None)

    @strawberry.field(
        description="1-based place in the event's waiting list right now (1 is next); null unless WAITLISTED"
    )
    async def waitlist_position(self, info: Info) -> int | None:
        if self.status is not BookingStatus.WAITLISTED:
            return None
        return await info.context.loaders.waitlist_position.load(self.booking_id)

    @strawberry.field(
        description="Every change of its status, oldest first, with why it happened and its place in line where "
        "that applies: for its user, the event's organizer and ADMINs (others get FORBIDDEN, signed out "
        "UNAUTHENTICATED)",
        extensions=[requires()],
    )
    async def history(self, info: Info) -> list[BookingChangeType]:
        context = info.context
        event = await context.loaders.events.load(self.event_id)
        if event is None or not (await context.actor()).may_see_history(self, event):
            raise Forbidden("Only the booking's user, the event's organizer and admins can read its history")
        changes = await context.loaders.booking_history.load(self.booking_id)
        return [BookingChangeType.from_model(change) for change in changes]


@strawberry.type(
    name="BookingChange",
    description="One change of a booking's status (Booking.history): when, to what, and why",
)
class BookingChangeType:
    at: datetime = strawberry.field(description="When it happened (the database's clock)")
    status: BookingStatus = strawberry.field(description="The booking's status from then on")
    reason: ChangeReason = strawberry.field(description="Why it changed (see ChangeReason)")
    waitlist_position: int | None = strawberry.field(
        description="The place in line (1 = next) it joined at (WAITLISTED) or held just before leaving the line "
        "(PROMOTED, OFFERED, CAPACITY_CHANGED, PURGED); null otherwise"
    )

    @classmethod
    def from_model(cls, change: models.BookingChange) -> BookingChangeType:
        return cls(at=change.at, status=change.status, reason=change.reason, waitlist_position=change.waitlist_position)


@strawberry.type(description="Where a page of a Relay-style list ends, and whether more follows")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether items follow this page")
    end_cursor: str | None = strawberry.field(
        description="The last item's cursor: pass it as `after` for the next page; null on an empty page"
    )
    has_previous_page: bool = strawberry.field(default=False, description="Whether items come before this page")
    start_cursor: str | None = strawberry.field(
        default=None, description="The first item's cursor: pass it as `before` for the page before; null when empty"
    )


@strawberry.type(description="One event in a page of events")
class EventEdge:
    cursor: str = strawberry.field(description="This event's place in the list, for `after`; opaque")
    node: EventType = strawberry.field(description="The event")


@strawberry.type(description="A page of events, Relay-style")
class EventConnection:
    edges: list[EventEdge] = strawberry.field(description="The events of this page, in order")
    page_info: PageInfo = strawberry.field(description="Whether more follows, and from where")


@strawberry.type(description="One booking in a page of an event's bookings")
class BookingEdge:
    cursor: str = strawberry.field(description="This booking's place in the list: pass it as `after` or `before`")
    node: BookingType = strawberry.field(description="The booking")


@strawberry.type(description="An event's bookings per status: how many (one per person), and how many tickets")
class BookingCounts:
    confirmed: int = strawberry.field(description="CONFIRMED bookings (people holding seats)")
    waitlisted: int = strawberry.field(description="WAITLISTED bookings (people waiting)")
    cancelled: int = strawberry.field(description="CANCELLED bookings")
    confirmed_tickets: int = strawberry.field(description="Seats held by the CONFIRMED bookings")
    waitlisted_tickets: int = strawberry.field(description="Seats the WAITLISTED bookings wait for")
    cancelled_tickets: int = strawberry.field(description="Seats the CANCELLED bookings were for")
    offered: int = strawberry.field(description="OFFERED bookings (open offers)")
    expired: int = strawberry.field(description="EXPIRED bookings (offers not accepted in time)")
    offered_tickets: int = strawberry.field(description="Seats held by the open offers")
    expired_tickets: int = strawberry.field(description="Seats the EXPIRED offers were for")


@strawberry.type(description="A page of an event's bookings (Event.bookingsPage), with counts over all of them")
class BookingConnection:
    edges: list[BookingEdge] = strawberry.field(description="This page's bookings, in booking order")
    page_info: PageInfo = strawberry.field(description="Cursors and whether pages come before or after this one")
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
            offered=found.bookings[BookingStatus.OFFERED],
            expired=found.bookings[BookingStatus.EXPIRED],
            offered_tickets=found.tickets[BookingStatus.OFFERED],
            expired_tickets=found.tickets[BookingStatus.EXPIRED],
        )

    @strawberry.field(description="How many bookings match the status filter, over all pages")
    async def total_count(self, info: Info) -> int:
        found = await info.context.call(booking_counts, self.event_id)
        if self.status is None:
            return sum(found.bookings.values())
        return found.bookings[self.status]


@strawberry.type(description="One user in a page of users")
class UserEdge:
    cursor: str = strawberry.field(description="This user's place in the list, for `after`; opaque")
    node: UserType = strawberry.field(description="The user")


@strawberry.type(description="A page of users, Relay-style")
class UserConnection:
    edges: list[UserEdge] = strawberry.field(description="The users of this page, in order")
    page_info: PageInfo = strawberry.field(description="Whether more follows, and from where")


@strawberry.type(description="A signed-in session: what register and login answer")
class AuthPayload:
    token: str = strawberry.field(
        description="Send it as `Authorization: Bearer <token>` over HTTP, or in the WebSocket's connection_init "
        'payload as {"Authorization": "Bearer <token>"}'
    )
    expires_at: datetime = strawberry.field(
        description="When the token stops working (BOXOFFICE_TOKEN_TTL_MINUTES after sign-in, 12 hours by default)"
    )
    user: UserType = strawberry.field(description="Who signed in")


@strawberry.type(
    description="What a simulateBookings run did, and the event's state after it (`boxoffice simulate` prints the "
    "same report)"
)
class SimulationReport:
    event_id: strawberry.ID = strawberry.field(description="The event the bookers rushed")
    bookers: int = strawberry.field(description="Synthetic users that tried to book one seat each (N)")
    confirmed: int = strawberry.field(description="Bookers that got a seat in this run")
    waitlisted: int = strawberry.field(description="Bookers appended to the waiting list in this run")
    failed: int = strawberry.field(description="Bookers that got an error (should be 0)")
    seats_remaining: int = strawberry.field(description="The event's free seats after the run")
    waitlist_length: int = strawberry.field(description="The event's WAITLISTED bookings after the run")
    duration_ms: float = strawberry.field(description="Wall-clock time of the booking phase, in milliseconds")
    bookings_per_second: float = strawberry.field(description="bookers / duration: the booking throughput")
    overbooked: bool = strawberry.field(
        description="Whether confirmed seats exceed capacity, recomputed from the bookings table after the run "
        "(always false)"
    )

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


@strawberry.input(description="A new event; text is trimmed, and anything out of bounds answers BAD_USER_INPUT")
class EventInput:
    title: str = strawberry.field(description=f"Its name, 1..{MAX_TITLE} characters")
    venue: str = strawberry.field(description=f"Where it takes place, 1..{MAX_VENUE} characters")
    starts_at: datetime = strawberry.field(
        description="When it starts: ISO 8601 with a time zone (e.g. 2030-05-01T19:30:00Z), in the future"
    )
    capacity: int = strawberry.field(description=f"Seats in total, 1..{MAX_CAPACITY}")
    description: str = strawberry.field(default="", description=f"What it is about, 0..{MAX_DESCRIPTION} characters")
    waitlist_policy: WaitlistPolicy | None = strawberry.field(
        default=WaitlistPolicy.AUTO_CONFIRM,
        description="What seats freed for the waiting list do (see WaitlistPolicy); null means AUTO_CONFIRM",
    )
    offer_minutes: int | None = strawberry.field(
        default=DEFAULT_OFFER_MINUTES,
        description=f"How long an offer holds its seats, 1..{MAX_OFFER_MINUTES} minutes; null means "
        f"{DEFAULT_OFFER_MINUTES}",
    )


@strawberry.input(
    description="Changes to an event: only the fields given change, with the same limits as EventInput. Raising "
    "capacity promotes (or offers) from the waiting list; lowering it below the confirmed and offered seats is "
    "BAD_USER_INPUT."
)
class EventUpdateInput:
    title: str | None = strawberry.field(default=None, description=f"A new name, 1..{MAX_TITLE} characters")
    description: str | None = strawberry.field(
        default=None, description=f"A new description, 0..{MAX_DESCRIPTION} characters"
    )
    venue: str | None = strawberry.field(default=None, description=f"A new venue, 1..{MAX_VENUE} characters")
    starts_at: datetime | None = strawberry.field(
        default=None, description="A new start, with a time zone, in the future"
    )
    capacity: int | None = strawberry.field(
        default=None,
        description=f"A new number of seats, 1..{MAX_CAPACITY}, at least the confirmed and offered seats",
    )
    waitlist_policy: WaitlistPolicy | None = strawberry.field(
        default=None,
        description="A new policy; switching from OFFER to AUTO_CONFIRM confirms the open offers at once",
    )
    offer_minutes: int | None = strawberry.field(
        default=None,
        description=f"A new offer length, 1..{MAX_OFFER_MINUTES} minutes, for offers made from now on",
    )


# Arguments of several fields, with their descriptions: the resolvers annotate their parameters with these.
EventIdArgument = Annotated[strawberry.ID, strawberry.argument(description="The event's id")]
BookingIdArgument = Annotated[strawberry.ID, strawberry.argument(description="The booking's id")]
PageSizeArgument = Annotated[
    int, strawberry.argument(description="How many to return, 1..BOXOFFICE_MAX_PAGE_SIZE (100 by default)")
]
AfterArgument = Annotated[
    str | None,
    strawberry.argument(
        description="Continue after this cursor (the previous page's pageInfo.endCursor); null to start"
    ),
]
EmailArgument = Annotated[
    str, strawberry.argument(description=f"The sign-in email address, at most {MAX_EMAIL} characters")
]
PasswordArgument = Annotated[
    str, strawberry.argument(description=f"The password, {MIN_PASSWORD}..{MAX_PASSWORD} characters")
]
