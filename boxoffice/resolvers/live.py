"""Subscriptions: eventUpdates and myBookingUpdates, fed by this process's LiveHub (the context's `live_hub`).

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
from collections.abc import AsyncGenerator, Hashable
from functools import partial
from typing import Annotated, TypeVar

import strawberry
from graphql import GraphQLObjectType, get_named_type
from strawberry.dataloader import DataLoader

from boxoffice.api.context import Context
from boxoffice.api.fanout import SharedRenderer, SnapshotContext, shared_renderer, splice
from boxoffice.api.websocket import PushSink, current_sink
from boxoffice.db.models import ACTIVE_BOOKING_STATUSES, Event, User
from boxoffice.errors import Forbidden
from boxoffice.events.service import get_event
from boxoffice.live.hub import LiveHub
from boxoffice.live.snapshots import BookingView, EventState
from boxoffice.resolvers.ids import parse_id
from boxoffice.schema.types import BookingType, EventType, Info

_ACTIVE = frozenset(ACTIVE_BOOKING_STATUSES)
K = TypeVar("K")
V = TypeVar("V")


def _prime_event(context: Context, event: Event, organizer: User | None) -> None:
    loaders = context.loaders
    loaders.events.prime(event.id, event, force=True)
    if organizer is not None:
        loaders.users.prime(organizer.id, organizer, force=True)
    # Not primed, so read afresh (on the connection's session) if a client asks for them.
    loaders.event_bookings.clear_all()


def _forget(loader: DataLoader[K, V], key: K) -> None:
    """Drop a cached answer so it is read afresh; `DataLoader.clear` raises KeyError for one never loaded."""
    if loader.cache_map.get(key) is not None:
        loader.clear(key)


def _prime_booking(context: Context, view: BookingView) -> None:
    loaders = context.loaders
    booking = view.booking
    loaders.bookings.prime(booking.id, booking, force=True)
    # Read afresh if asked for: the push is news because the booking changed, and so did its history.
    _forget(loaders.booking_history, booking.id)
    if view.position is not None:
        loaders.waitlist_position.prime(booking.id, view.position, force=True)
    if booking.status in _ACTIVE:
        loaders.my_booking.prime(booking.event_id, booking, force=True)
    else:
        _forget(loaders.my_booking, booking.event_id)


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
        if shared is not None:
            subscriber.prepare, subscriber.prepare_key = partial(shared.prepare, context), shared.renderer.group
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


def _snapshot_rendering(context: Context, state: EventState, owner: User | None) -> tuple[object, object]:
    """The context and root a rendering of `state` resolves with; with `owner`'s booking, or none."""
    snapshot = SnapshotContext(context.database)
    _prime_event_state(snapshot.as_context(), state, owner.id if owner is not None else None)
    if owner is not None:
        snapshot.loaders.users.prime(owner.id, owner, force=True)
    return snapshot, EventType.from_model(state.event)


class _Shared:
    """An eventUpdates subscription sent shared renderings through its operation's sink."""

    def __init__(self, renderer: SharedRenderer, uses_my_booking: bool, sink: PushSink) -> None:
        self.renderer = renderer
        self.uses_my_booking = uses_my_booking
        self.sink = sink
        # This subscriber's own myBooking answer, encoded, and the booking version it is for: rendered again
        # only when the booking changes, not with every snapshot.
        self._parts: tuple[Hashable, tuple[str, ...]] | None = None

    async def prepare(self, context: Context, state: EventState) -> None:
        """The rendering everyone in the group without a booking is sent (the hub calls it once per group)."""
        await self.renderer.rendering(state.renderings, None, partial(_snapshot_rendering, context, state, None))

    async def payload(self, context: Context, state: EventState, user: User | None) -> str:
        renderer = self.renderer
        # Usually made already, by `prepare`.
        shared = await renderer.rendering(state.renderings, None, partial(_snapshot_rendering, context, state, None))
        mine = state.active_booking(user.id) if self.uses_my_booking and user is not None else None
        if mine is None:
            return shared.text
        # A booking is only ever its owner's: cut into the shared rendering where the document allows it...
        version = (mine.booking.id, mine.booking.updated_at, mine.fingerprint)
        splice_keys = renderer.splice_keys
        template = shared.template(renderer.root_key, splice_keys) if splice_keys else None
        if template is not None:
            if self._parts is None or self._parts[0] != version:
                own = renderer.parts(await renderer.render(*_snapshot_rendering(context, state, user)))
                self._parts = (version, own) if own is not None else None
            if self._parts is not None:
                return splice(template, self._parts[1])
        # ... else the whole document rendered with it.
        build = partial(_snapshot_rendering, context, state, user)
        return (await renderer.rendering(state.renderings, version, build)).text


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
    await context.recheck_subscriber()
    if not (await context.actor()).may_see(event):
        raise Forbidden(f"You may no longer see event {event.id}; this subscription has ended")


async def event_updates(
    info: Info, event_id: Annotated[strawberry.ID, strawberry.argument(description="The event to follow")]
) -> AsyncGenerator[EventType, None]:
    context = info.context
    event_key = parse_id(event_id, "Event")
    # The same rule as Query.event: a DRAFT of another organizer does not exist for this caller.
    await context.call(get_event, await context.actor(), event_key)
    hub = context.live_hub
    await hub.ensure_started(context.database)
    return _event_stream(context, hub, event_key, _shared(info))


async def my_booking_updates(info: Info) -> AsyncGenerator[BookingType, None]:
    context = info.context
    user = await context.require_user()
    hub = context.live_hub
    await hub.ensure_started(context.database)
    return _booking_stream(context, hub, user)
