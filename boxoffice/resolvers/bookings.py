"""Bookings: book, cancel, and the caller's own list."""

from __future__ import annotations

from boxoffice.auth.permissions import is_admin
from boxoffice.booking import service
from boxoffice.booking.queries import bookings_of_user
from boxoffice.errors import NotFound
from boxoffice.resolvers.ids import parse_id
from boxoffice.schema.types import BookingType, Info


async def my_bookings(info: Info) -> list[BookingType]:
    context = info.context
    user = await context.require_user()
    return [BookingType.from_model(booking) for booking in await context.call(bookings_of_user, user.id)]


async def book_event(info: Info, event_id: str, quantity: int) -> BookingType:
    context = info.context
    user = await context.require_user()
    parsed = parse_id(event_id, "event")
    # A draft the caller cannot see is NOT_FOUND, not "not published yet": that would tell it exists. The row
    # comes from the read cache; the booking itself decides on the row locked in the database.
    found = await context.read_cache.event(parsed, context.on_connection)
    if found is None or not (await context.viewer()).may_see(found):
        raise NotFound(f"Event {parsed} does not exist")
    return BookingType.from_model(await context.call(service.book, parsed, user.id, quantity))


async def cancel_booking(info: Info, id: str) -> BookingType:
    context = info.context
    user = await context.require_user()
    owner_id = None if is_admin(user) else user.id
    return BookingType.from_model(await context.call(service.cancel, parse_id(id, "booking"), owner_id=owner_id))
