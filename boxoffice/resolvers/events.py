"""Events: listing, one event, and the organizer's changes."""

from __future__ import annotations

from boxoffice.events import service
from boxoffice.resolvers.ids import parse_id
from boxoffice.schema.enums import EventStatus
from boxoffice.schema.types import EventConnection, EventEdge, EventInput, EventType, EventUpdateInput, Info, PageInfo


async def events(info: Info, status: EventStatus | None, first: int, after: str | None) -> EventConnection:
    context = info.context
    page = await context.call(
        service.list_events,
        await context.actor(),
        status=status,
        first=first,
        after=after,
        max_page_size=context.settings.max_page_size,
    )
    edges = [EventEdge(cursor=page.cursor(event), node=EventType.from_model(event)) for event in page.events]
    end_cursor = edges[-1].cursor if edges else None
    return EventConnection(edges=edges, page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=end_cursor))


async def event(info: Info, id: str) -> EventType | None:
    """Null, without an error, for an event that does not exist or that the caller may not see."""
    context = info.context
    found = await context.call(service.find_event, await context.actor(), parse_id(id, "event"))
    return EventType.from_model(found) if found else None


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


async def update_event(info: Info, id: str, input: EventUpdateInput) -> EventType:
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


async def publish_event(info: Info, id: str) -> EventType:
    context = info.context
    return EventType.from_model(await context.call(service.publish_event, await context.actor(), parse_id(id, "event")))


async def cancel_event(info: Info, id: str) -> EventType:
    context = info.context
    return EventType.from_model(await context.call(service.cancel_event, await context.actor(), parse_id(id, "event")))
