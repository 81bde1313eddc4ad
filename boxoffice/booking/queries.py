"""Read-only booking queries for the API: batches for loaders and per-user lists."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.db.models import ACTIVE_BOOKING_STATUSES, Booking, BookingStatus

# Bookings change under other transactions: every query refreshes objects already in the session.
_FRESH = {"populate_existing": True}

_WAITLIST_POSITIONS_SQL = text(
    f"""
    SELECT b.id,
           (SELECT count(*) FROM bookings w
             WHERE w.event_id = b.event_id AND w.status = '{BookingStatus.WAITLISTED}'
               AND w.waitlist_seq <= b.waitlist_seq)
      FROM bookings b
     WHERE b.id = ANY(:booking_ids) AND b.status = '{BookingStatus.WAITLISTED}'
    """
)


async def bookings_by_ids(session: AsyncSession, booking_ids: list[int]) -> dict[int, Booking]:
    if not booking_ids:
        return {}
    rows = await session.execute(select(Booking).where(Booking.id.in_(booking_ids)).execution_options(**_FRESH))
    return {booking.id: booking for booking in rows.scalars()}


async def active_bookings_of_user(session: AsyncSession, user_id: int, event_ids: list[int]) -> dict[int, Booking]:
    """The user's active (CONFIRMED or WAITLISTED) booking on each of the events, by event id."""
    if not event_ids:
        return {}
    query = select(Booking).where(
        Booking.user_id == user_id,
        Booking.event_id.in_(event_ids),
        Booking.status.in_(ACTIVE_BOOKING_STATUSES),
    )
    return {
        booking.event_id: booking for booking in (await session.execute(query.execution_options(**_FRESH))).scalars()
    }


async def bookings_of_events(
    session: AsyncSession, event_ids: list[int], status: BookingStatus | None
) -> dict[int, list[Booking]]:
    """Each event's bookings (optionally of one status), oldest first."""
    grouped: dict[int, list[Booking]] = defaultdict(list)
    if not event_ids:
        return grouped
    query = select(Booking).where(Booking.event_id.in_(event_ids)).order_by(Booking.created_at, Booking.id)
    if status is not None:
        query = query.where(Booking.status == status)
    for booking in (await session.execute(query.execution_options(**_FRESH))).scalars():
        grouped[booking.event_id].append(booking)
    return grouped


async def bookings_of_user(session: AsyncSession, user_id: int) -> list[Booking]:
    """Everything the user ever booked, newest first."""
    query = select(Booking).where(Booking.user_id == user_id).order_by(Booking.created_at.desc(), Booking.id.desc())
    return list((await session.execute(query.execution_options(**_FRESH))).scalars())


async def waitlist_positions(session: AsyncSession, booking_ids: list[int]) -> dict[int, int]:
    """Each waitlisted booking's 1-based place in line right now, derived from the order of the line."""
    if not booking_ids:
        return {}
    rows = await session.execute(_WAITLIST_POSITIONS_SQL, {"booking_ids": booking_ids})
    return {booking_id: int(position) for booking_id, position in rows}
