"""Reading bookings' history (booking_history, written by the ledger in the transaction of each change)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.db.models import BookingChange


async def history_of(session: AsyncSession, booking_ids: list[int]) -> dict[int, list[BookingChange]]:
    """Each booking's changes, oldest first (a booking with none is absent), in one query: for a DataLoader."""
    grouped: dict[int, list[BookingChange]] = defaultdict(list)
    if not booking_ids:
        return grouped
    query = (
        select(BookingChange)
        .where(BookingChange.booking_id.in_(booking_ids))
        .order_by(BookingChange.booking_id, BookingChange.id)
    )
    for change in (await session.execute(query)).scalars():
        grouped[change.booking_id].append(change)
    return grouped
