"""Read-only booking queries for the API: batches for loaders, per-user lists, an event's pages and counts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.db.models import ACTIVE_BOOKING_STATUSES, Booking, BookingStatus
from boxoffice.errors import BadUserInput

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
    """The user's active (CONFIRMED, WAITLISTED or OFFERED) booking on each of the events, by event id."""
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


@dataclass(frozen=True)
class BookingPage:
    bookings: list[Booking]
    has_next_page: bool
    has_previous_page: bool


@dataclass(frozen=True)
class BookingCounts:
    """An event's bookings per status: how many, and how many tickets (seats) they are for."""

    bookings: dict[BookingStatus, int]
    tickets: dict[BookingStatus, int]


def _booking_cursor(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise BadUserInput("after/before is not a cursor this API gave out")
    return int(value)


async def booking_page(
    session: AsyncSession,
    event_id: int,
    status: BookingStatus | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    max_page_size: int,
) -> BookingPage:
    """One page of an event's bookings in booking order (for the waiting list, its order too): `first` after
    the cursor `after`, or `last` before `before`. The cursor is the booking id."""
    if first is not None and last is not None:
        raise BadUserInput("Ask for first or last, not both")
    size = last if last is not None else (first if first is not None else 50)
    if not 1 <= size <= max_page_size:
        raise BadUserInput(f"Page size must be between 1 and {max_page_size}, got {size}")
    after_id, before_id = _booking_cursor(after), _booking_cursor(before)
    query = select(Booking).where(Booking.event_id == event_id)
    if status is not None:
        query = query.where(Booking.status == status)
    bounded = query
    if after_id is not None:
        bounded = bounded.where(Booking.id > after_id)
    if before_id is not None:
        bounded = bounded.where(Booking.id < before_id)
    backwards = last is not None
    ordered = bounded.order_by(Booking.id.desc() if backwards else Booking.id).limit(size + 1)
    rows = list((await session.execute(ordered.execution_options(**_FRESH))).scalars())
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()

    async def exists(condition: ColumnElement[bool]) -> bool:
        probe = select(query.where(condition).exists())
        return bool((await session.execute(probe)).scalar())

    if backwards:
        has_previous = more
        has_next = before_id is not None and await exists(Booking.id >= before_id)
    else:
        has_next = more
        has_previous = after_id is not None and await exists(Booking.id <= after_id)
    return BookingPage(rows, has_next_page=has_next, has_previous_page=has_previous)


async def booking_counts(session: AsyncSession, event_id: int) -> BookingCounts:
    query = (
        select(Booking.status, func.count(), func.coalesce(func.sum(Booking.quantity), 0))
        .where(Booking.event_id == event_id)
        .group_by(Booking.status)
    )
    bookings = dict.fromkeys(BookingStatus, 0)
    tickets = dict.fromkeys(BookingStatus, 0)
    for status, count, quantity in await session.execute(query):
        bookings[BookingStatus(status)] = int(count)
        tickets[BookingStatus(status)] = int(quantity)
    return BookingCounts(bookings, tickets)


async def waitlist_positions(session: AsyncSession, booking_ids: list[int]) -> dict[int, int]:
    """Each waitlisted booking's 1-based place in line right now, derived from the order of the line."""
    if not booking_ids:
        return {}
    rows = await session.execute(_WAITLIST_POSITIONS_SQL, {"booking_ids": booking_ids})
    return {booking_id: int(position) for booking_id, position in rows}
