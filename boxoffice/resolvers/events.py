"""Events: listing, one event, and the organizer's changes."""

from __future__ import annotations

import strawberry

from boxoffice.api.context import Context
from boxoffice.errors import BadUserInput
from boxoffice.events import service
from boxoffice.live.read_cache import PublicPage
from boxoffice.resolvers.ids import parse_id
from boxoffice.schema.enums import EventStatus
from boxoffice.schema.types import EventConnection, EventEdge, EventInput, EventType, EventUpdateInput, Info, PageInfo


async def events(
    info: Info, status: EventStatus | None = None, first: int = 50, after: str | None = None
) -> EventConnection:
    context = info.context
    actor = await context.actor()
    if not actor.signed_in:
        # What a signed-out caller sees is the same for all of them: served from the read cache.
        return _connection(await _cached_page(context, status, first, after))
    page = await context.call(
        service.list_events,
        actor,
        status=status,
        first=first,
        after=after,
        max_page_size=context.settings.max_page_size,
    )
    edges = [EventEdge(cursor=page.cursor(event), node=EventType.from_model(event)) for event in page.events]
    end_cursor = edges[-1].cursor if edges else None
    return EventConnection(edges=edges, page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=end_cursor))


async def event(info: Info, id: strawberry.ID) -> EventType | None:
    """Null, without an error, for an event that does not exist or that the caller may not see."""
    context = info.context
    event_id = parse_id(id, "event")
    # The row is the same for everyone (read cache); who may see it is decided per caller.
    found = service.seen_by(await context.actor(), await context.read_cache.event(event_id, context.on_connection))
    return EventType.from_model(found) if found else None


async def _cached_page(context: Context, status: EventStatus | None, first: int, after: str | None) -> PublicPage:
    max_page_size = context.settings.max_page_size
    if not 1 <= first <= max_page_size:
        raise BadUserInput(f"first must be between 1 and {max_page_size}, got {first}")
    return await context.read_cache.page(status.value if status else None, first, after, context.on_connection)


def _connection(page: PublicPage) -> EventConnection:
    edges = [EventEdge(cursor=service.encode_cursor(event), node=EventType.from_model(event)) for event in page.events]
    end_cursor = edges[-1].cursor if edges else None
    return EventConnection(edges=edges, page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=end_cursor))


async def create_event(info: Info, input: EventInput) -> EventType:
    context = info.context
    draft = service.EventDraft(
        title=input.title,
        description=input.description,
        venue=input.venue,
        starts_at=input.starts_at,
        capacity=input.capacity,
    )
    return EventType.from_model(await context.call(service.create_event, await context.actor(), draft))


async def update_event(info: Info, id: strawberry.ID, input: EventUpdateInput) -> EventType:
    context = info.context
    changes = service.EventChanges(
        title=input.title,
        description=input.description,
        venue=input.venue,
        starts_at=input.starts_at,
        capacity=input.capacity,
    )
    updated = await context.call(service.update_event, await context.actor(), parse_id(id, "event"), changes)
    return EventType.from_model(updated)


async def publish_event(info: Info, id: strawberry.ID) -> EventType:
    context = info.context
    return EventType.from_model(await context.call(service.publish_event, await context.actor(), parse_id(id, "event")))


async def cancel_event(info: Info, id: strawberry.ID) -> EventType:
    context = info.context
    return EventType.from_model(await context.call(service.cancel_event, await context.actor(), parse_id(id, "event")))
