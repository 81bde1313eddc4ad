"""The Subscription root: eventUpdates and myBookingUpdates, fed by this process's LiveHub.

The checks (visibility, signed in) run before the stream is returned, so a refused subscription answers
with a graphql-transport-ws `error` message instead of starting. Each push is read in full before it is
yielded and primed into the connection's loaders, so resolving it needs no database and reflects that read.

Over Boxoffice's WebSocket handler, an eventUpdates subscription whose selection is the same for every caller
(but `myBooking`) is not executed per subscriber: each snapshot is rendered once per (document, variables,
caller's booking) and the same text is sent to all who share it (boxoffice/api/fanout.py). The stream then
sends its pushes itself and yields nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Iterator

import strawberry
from graphql import GraphQLObjectType, get_named_type
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from boxoffice.api.context import Context
from boxoffice.api.errors import shape_error
from boxoffice.api.fanout import SharedRenderer, SnapshotContext, shared_renderer
from boxoffice.api.websocket import PushSink, current_sink
from boxoffice.auth.permissions import is_admin, requires
from boxoffice.db.models import ACTIVE_BOOKING_STATUSES, Event, User
from boxoffice.errors import Forbidden
from boxoffice.events.service import Viewer, get_event
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


async def _event_stream(
    context: Context, hub: LiveHub, event_id: int, shared: _Shared | None
) -> AsyncGenerator[EventType, None]:
    user = await context.current_user()
    user_id = user.id if user else None
    loop = asyncio.get_running_loop()
    async with hub.watch_event(event_id, user_id) as subscriber:
        while True:
            state = await subscriber.next_state()
            await _still_allowed(context, state.event)
            if shared is not None:
                payload = await shared.payload(context, state, user)
                subscriber.sending_since = loop.time()
                await shared.sink.push(payload)
                subscriber.sending_since = None
                continue
            _prime_event_state(context, state, user_id)
            subscriber.sending_since = loop.time()
            yield EventType.from_model(state.event)
            subscriber.sending_since = None


class _Shared:
    """An eventUpdates subscription sent shared renderings through its operation's sink."""

    def __init__(self, renderer: SharedRenderer, uses_my_booking: bool, sink: PushSink) -> None:
        self.renderer = renderer
        self.uses_my_booking = uses_my_booking
        self.sink = sink

    def payload(self, context: Context, state: EventState, user: User | None) -> Awaitable[str]:
        mine = state.active_booking(user.id) if self.uses_my_booking and user is not None else None
        # Everyone without a booking here shares one rendering; a booking is only ever its owner's.
        variant = (mine.booking.id, mine.fingerprint) if mine is not None else None

        def build() -> tuple[object, object]:
            snapshot = SnapshotContext(context.database)
            _prime_event_state(snapshot.as_context(), state, user.id if mine is not None and user else None)
            if mine is not None and user is not None:
                snapshot.loaders.users.prime(user.id, user, force=True)
            return snapshot, EventType.from_model(state.event)

        return self.renderer.payload(state.renderings, variant, build)


def _shared(info: Info) -> _Shared | None:
    """How this subscription's pushes can be shared, or None when they must be executed per subscriber."""
    sink = current_sink.get()
    if sink is None:
        return None
    raw = info._raw_info
    root_type = get_named_type(raw.return_type)
    if not isinstance(root_type, GraphQLObjectType):
        return None
    found = shared_renderer(
        raw.schema,
        raw.operation,
        raw.fragments,
        raw.field_nodes[0],
        root_type,
        sink.query,
        sink.operation_name,
        sink.variables,
    )
    if found is None:
        return None
    renderer, uses_my_booking = found
    return _Shared(renderer, uses_my_booking, sink)


async def _booking_stream(context: Context, hub: LiveHub, user: User) -> AsyncGenerator[BookingType, None]:
    loop = asyncio.get_running_loop()
    async with hub.watch_bookings(user.id) as subscriber:
        while True:
            push = await subscriber.next_push()
            if push is None:
                await hub.resync(subscriber)
                continue
            # Expired token or deleted account: the stream ends with UNAUTHENTICATED.
            user = await context.recheck_subscriber() or user
            _prime_event(context, push.event, push.organizer)
            _prime_booking(context, push.view)
            context.loaders.users.prime(user.id, user, force=True)
            subscriber.sending_since = loop.time()
            yield BookingType.from_model(push.view.booking)
            subscriber.sending_since = None


async def _still_allowed(context: Context, event: Event) -> None:
    """Before each push: a subscriber whose token expired or whose account is gone gets UNAUTHENTICATED, and one
    who may no longer see the event (a DRAFT, after a demotion) FORBIDDEN; either ends the subscription."""
    user = await context.recheck_subscriber()
    if not Viewer(user_id=user.id if user else None, is_admin=is_admin(user)).may_see(event):
        raise Forbidden(f"You may no longer see event {event.id}; this subscription has ended")


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
        return _event_stream(context, hub, event_key, _shared(info))

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
