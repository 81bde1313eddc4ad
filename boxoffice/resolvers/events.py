"""Events: listing, one event, and the organizer's changes."""

from __future__ import annotations

from boxoffice.api.context import Context
from boxoffice.auth.permissions import is_admin, manages
from boxoffice.errors import BadUserInput, Forbidden
from boxoffice.events import service
from boxoffice.live.read_cache import PublicPage
from boxoffice.resolvers.ids import parse_id
from boxoffice.schema.enums import EventStatus
from boxoffice.schema.types import EventConnection, EventEdge, EventInput, EventType, EventUpdateInput, Info, PageInfo


async def events(info: Info, status: EventStatus | None, first: int, after: str | None) -> EventConnection:
    context = info.context
    viewer = await context.viewer()
    if viewer.user_id is None:
        # What a signed-out caller sees is the same for all of them: served from the read cache.
        return _connection(await _cached_page(context, status, first, after))
    page = await context.call(
        service.list_events,
        viewer,
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
    event_id = parse_id(id, "event")
    viewer = await context.viewer()
    # The row is the same for everyone (read cache); who may see it is decided per caller.
    found = await context.read_cache.event(event_id, context.on_connection)
    if found is None or not viewer.may_see(found):
        return None
    return EventType.from_model(found)


async def _cached_page(context: Context, status: EventStatus | None, first: int, after: str | None) -> PublicPage:
    max_page_size = context.settings.max_page_size
    if not 1 <= first <= max_page_size:
        raise BadUserInput(f"first must be between 1 and {max_page_size}, got {first}")
    return await context.read_cache.page(status.value if status else None, first, after, context.on_connection)


def _connection(page: PublicPage) -> EventConnection:
    edges = [EventEdge(cursor=service.encode_cursor(event), node=EventType.from_model(event)) for event in page.events]
    end_cursor = edges[-1].cursor if edges else None
    return EventConnection(edges=edges, page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=end_cursor))


async def _authorize_management(info: Info, id: str) -> tuple[int, int | None]:
    """The event id and the `manager_id` to act as; NOT_FOUND if the caller cannot see it, FORBIDDEN if they
    can see it but it is not theirs."""
    context = info.context
    event_id = parse_id(id, "event")
    user = await context.require_user()
    found = await context.call(service.get_event, event_id, await context.viewer())
    if not manages(user, found.organizer_id):
        raise Forbidden("Only this event's organizer or an admin can change it")
    # The service re-checks ownership under the row lock.
    return event_id, None if is_admin(user) else user.id


async def create_event(info: Info, input: EventInput) -> EventType:
    context = info.context
    user = await context.require_user()
    draft = service.EventDraft(
        title=input.title,
        description=input.description,
        venue=input.venue,
        starts_at=input.starts_at,
        capacity=input.capacity,
    )
    return EventType.from_model(await context.call(service.create_event, user.id, draft))


async def update_event(info: Info, id: str, input: EventUpdateInput) -> EventType:
    event_id, manager_id = await _authorize_management(info, id)
    changes = service.EventChanges(
        title=input.title,
        description=input.description,
        venue=input.venue,
        starts_at=input.starts_at,
        capacity=input.capacity,
    )
    updated = await info.context.call(service.update_event, event_id, changes, manager_id=manager_id)
    return EventType.from_model(updated)


async def publish_event(info: Info, id: str) -> EventType:
    event_id, manager_id = await _authorize_management(info, id)
    return EventType.from_model(await info.context.call(service.publish_event, event_id, manager_id=manager_id))


async def cancel_event(info: Info, id: str) -> EventType:
    event_id, manager_id = await _authorize_management(info, id)
    return EventType.from_model(await info.context.call(service.cancel_event, event_id, manager_id=manager_id))
