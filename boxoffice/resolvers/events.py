"""Events: listing, one event, and the organizer's changes."""

from __future__ import annotations

from typing import Annotated

import strawberry

from boxoffice.api.context import Context
from boxoffice.db.models import DEFAULT_OFFER_MINUTES
from boxoffice.errors import BadUserInput
from boxoffice.events import service
from boxoffice.live.read_cache import PublicPage
from boxoffice.resolvers.ids import parse_id
from boxoffice.schema.enums import EventOrder, EventStatus, WaitlistPolicy
from boxoffice.schema.types import (
    AfterArgument,
    EventConnection,
    EventEdge,
    EventIdArgument,
    EventInput,
    EventType,
    EventUpdateInput,
    Info,
    PageInfo,
    PageSizeArgument,
)

StatusArgument = Annotated[
    EventStatus | None, strawberry.argument(description="Only events with this status; null for all the caller sees")
]


async def events(
    info: Info,
    status: StatusArgument = None,
    first: PageSizeArgument = 50,
    after: AfterArgument = None,
    organizer_id: Annotated[
        strawberry.ID | None, strawberry.argument(description="Only this organizer's events (a user id)")
    ] = None,
    search: Annotated[
        str | None,
        strawberry.argument(description="Only events whose title or venue contains this, in any case (0..100 chars)"),
    ] = None,
    order_by: Annotated[
        EventOrder, strawberry.argument(description="Soonest first (START_TIME, the default) or latest first")
    ] = EventOrder.START_TIME,
) -> EventConnection:
    context = info.context
    actor = await context.actor()
    plain = organizer_id is None and search is None and order_by == EventOrder.START_TIME
    if not actor.signed_in and plain:
        # What a signed-out caller sees is the same for all of them: served from the read cache.
        return _connection(await _cached_page(context, status, first, after), after)
    page = await context.call(
        service.list_events,
        actor,
        status=status,
        first=first,
        after=after,
        max_page_size=context.settings.max_page_size,
        organizer_id=parse_id(organizer_id, "organizer") if organizer_id is not None else None,
        search=search,
        descending=order_by == EventOrder.START_TIME_DESC,
    )
    edges = [EventEdge(cursor=page.cursor(event), node=EventType.from_model(event)) for event in page.events]
    page_info = PageInfo(
        has_next_page=page.has_next_page,
        end_cursor=edges[-1].cursor if edges else None,
        has_previous_page=after is not None,
        start_cursor=edges[0].cursor if edges else None,
    )
    return EventConnection(edges=edges, page_info=page_info)


async def event(info: Info, id: EventIdArgument) -> EventType | None:
    """Null, without an error, for an event that does not exist or that the caller may not see."""
    context = info.context
    event_id = parse_id(id, "event")
    # The row is the same for everyone (read cache); who may see it is decided per caller.
    row = await context.read_cache.event(event_id, context.on_connection)
    if row is None:
        # Only changes to events are announced, not new events: an answer saying there is none is not kept.
        context.read_beyond_public_cache = True
    found = service.seen_by(await context.actor(), row)
    return EventType.from_model(found) if found else None


async def _cached_page(context: Context, status: EventStatus | None, first: int, after: str | None) -> PublicPage:
    max_page_size = context.settings.max_page_size
    if not 1 <= first <= max_page_size:
        raise BadUserInput(f"first must be between 1 and {max_page_size}, got {first}")
    return await context.read_cache.page(status.value if status else None, first, after, context.on_connection)


def _connection(page: PublicPage, after: str | None) -> EventConnection:
    edges = [EventEdge(cursor=service.encode_cursor(event), node=EventType.from_model(event)) for event in page.events]
    page_info = PageInfo(
        has_next_page=page.has_next_page,
        end_cursor=edges[-1].cursor if edges else None,
        has_previous_page=after is not None,
        start_cursor=edges[0].cursor if edges else None,
    )
    return EventConnection(edges=edges, page_info=page_info)


async def create_event(
    info: Info, input: Annotated[EventInput, strawberry.argument(description="The new event")]
) -> EventType:
    context = info.context
    draft = service.EventDraft(
        title=input.title,
        description=input.description,
        venue=input.venue,
        starts_at=input.starts_at,
        capacity=input.capacity,
        # An explicit null means the default, as leaving the field out does.
        waitlist_policy=input.waitlist_policy or WaitlistPolicy.AUTO_CONFIRM,
        offer_minutes=DEFAULT_OFFER_MINUTES if input.offer_minutes is None else input.offer_minutes,
    )
    return EventType.from_model(await context.call(service.create_event, await context.actor(), draft))


async def update_event(
    info: Info,
    id: EventIdArgument,
    input: Annotated[EventUpdateInput, strawberry.argument(description="What changes; fields left out stay")],
) -> EventType:
    context = info.context
    changes = service.EventChanges(
        title=input.title,
        description=input.description,
        venue=input.venue,
        starts_at=input.starts_at,
        capacity=input.capacity,
        waitlist_policy=input.waitlist_policy,
        offer_minutes=input.offer_minutes,
    )
    updated = await context.call(service.update_event, await context.actor(), parse_id(id, "event"), changes)
    return EventType.from_model(updated)


async def publish_event(info: Info, id: EventIdArgument) -> EventType:
    context = info.context
    return EventType.from_model(await context.call(service.publish_event, await context.actor(), parse_id(id, "event")))


async def cancel_event(info: Info, id: EventIdArgument) -> EventType:
    context = info.context
    return EventType.from_model(await context.call(service.cancel_event, await context.actor(), parse_id(id, "event")))
