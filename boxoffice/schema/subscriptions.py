"""The Subscription root: eventUpdates and myBookingUpdates, fed by this process's LiveHub.

The checks (visibility, signed in) run before the stream is returned, so a refused subscription answers
with a graphql-transport-ws `error` message instead of starting. Each push is read in full before it is
yielded and primed into the connection's loaders, so resolving it needs no database and reflects that read.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterator

import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from boxoffice.api.context import Context
from boxoffice.api.errors import shape_error
from boxoffice.auth.permissions import requires
from boxoffice.db.models import ACTIVE_BOOKING_STATUSES, Event, User
from boxoffice.events.service import get_event
from boxoffice.live.hub import LiveHub
from boxoffice.live.snapshots import BookingView, EventState
from boxoffice.resolvers.ids import parse_id
from boxoffice.schema.types import BookingType, EventType, Info

_ACTIVE = frozenset(ACTIVE_BOOKING_STATUSES)


class StreamErrorCodes(SchemaExtension):
    """ErrorCodes' shaping for every result a stream yields (subscriptions, operations over WebSocket).

    ErrorCodes shapes a result once the operation ends, which for a stream is after the client got it.
    """

    def on_stream_result(self, result: ExecutionResult) -> Iterator[None]:  # type: ignore[override]
        if isinstance(result, ExecutionResult) and result.errors:
            request_id = str(getattr(self.execution_context.context, "request_id", "unknown"))
            result.errors = [shape_error(error, request_id) for error in result.errors]
        yield


def _hub(context: Context) -> LiveHub:
    return context.connection.app.state.live_hub


def _prime_event(context: Context, event: Event, organizer: User | None) -> None:
    loaders = context.loaders
    loaders.events.prime(event.id, event, force=True)
    if organizer is not None:
        loaders.users.prime(organizer.id, organizer, force=True)
    # Not primed, so read afresh (on the connection's session) if a client asks for them.
    loaders.event_bookings.clear_all()


def _prime_booking(context: Context, view: BookingView) -> None:
    loaders = context.loaders
    booking = view.booking
    loaders.bookings.prime(booking.id, booking, force=True)
    if view.position is not None:
        loaders.waitlist_position.prime(booking.id, view.position, force=True)
    if booking.status in _ACTIVE:
        loaders.my_booking.prime(booking.event_id, booking, force=True)
    else:
        loaders.my_booking.clear(booking.event_id)


def _prime_event_state(context: Context, state: EventState, user_id: int | None) -> None:
    _prime_event(context, state.event, state.organizer)
    mine = state.active_booking(user_id)
    if mine is not None:
        _prime_booking(context, mine)
    else:
        context.loaders.my_booking.prime(state.event.id, None, force=True)


async def _event_stream(context: Context, hub: LiveHub, event_id: int) -> AsyncGenerator[EventType, None]:
    user = await context.current_user()
    user_id = user.id if user else None
    loop = asyncio.get_running_loop()
    async with hub.watch_event(event_id, user_id) as subscriber:
        while True:
            state = await subscriber.next_state()
            _prime_event_state(context, state, user_id)
            subscriber.sending_since = loop.time()
            yield EventType.from_model(state.event)
            subscriber.sending_since = None


async def _booking_stream(context: Context, hub: LiveHub, user: User) -> AsyncGenerator[BookingType, None]:
    loop = asyncio.get_running_loop()
    async with hub.watch_bookings(user.id) as subscriber:
        while True:
            push = await subscriber.next_push()
            if push is None:
                await hub.resync(subscriber)
                continue
            _prime_event(context, push.event, push.organizer)
            _prime_booking(context, push.view)
            context.loaders.users.prime(user.id, user, force=True)
            subscriber.sending_since = loop.time()
            yield BookingType.from_model(push.view.booking)
            subscriber.sending_since = None


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="A new Event snapshot whenever its seats, waitlist, status or details change; the current one first"
    )
    async def event_updates(self, info: Info, event_id: strawberry.ID) -> AsyncGenerator[EventType, None]:
        context = info.context
        event_key = parse_id(event_id, "Event")
        # The same rule as Query.event: a DRAFT of another organizer does not exist for this caller.
        await context.call(get_event, event_key, await context.viewer())
        hub = _hub(context)
        await hub.ensure_started(context.database)
        return _event_stream(context, hub, event_key)

    @strawberry.subscription(
        description="The caller's bookings whenever they change: promotions, new places in line, cancellations",
        extensions=[requires()],
    )
    async def my_booking_updates(self, info: Info) -> AsyncGenerator[BookingType, None]:
        context = info.context
        user = await context.require_user()
        hub = _hub(context)
        await hub.ensure_started(context.database)
        return _booking_stream(context, hub, user)
