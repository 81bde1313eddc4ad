"""Read-only event queries for the API's loaders."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.db.models import Event


async def events_by_ids(session: AsyncSession, event_ids: list[int]) -> dict[int, Event]:
    if not event_ids:
        return {}
    query = select(Event).where(Event.id.in_(event_ids)).execution_options(populate_existing=True)
    return {event.id: event for event in (await session.execute(query)).scalars()}
