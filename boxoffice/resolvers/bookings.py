"""Bookings: book, cancel, and the caller's own list."""

from __future__ import annotations

from typing import Annotated

import strawberry

from boxoffice.booking import service
from boxoffice.booking.queries import bookings_of_user
from boxoffice.db.models import MAX_SEATS_PER_BOOKING
from boxoffice.resolvers.ids import parse_id
from boxoffice.schema.types import BookingIdArgument, BookingType, Info


async def my_bookings(info: Info) -> list[BookingType]:
    context = info.context
    user = await context.require_user()
    return [BookingType.from_model(booking) for booking in await context.call(bookings_of_user, user.id)]


async def book_event(
    info: Info,
    event_id: Annotated[strawberry.ID, strawberry.argument(description="The PUBLISHED event to book")],
    quantity: Annotated[
        int,
        strawberry.argument(
            description=f"Seats, 1..{MAX_SEATS_PER_BOOKING}: confirmed together or waiting in line together"
        ),
    ] = 1,
) -> BookingType:
    context = info.context
    booking = await context.call(service.book, await context.actor(), parse_id(event_id, "event"), quantity)
    return BookingType.from_model(booking)


async def cancel_booking(info: Info, id: BookingIdArgument) -> BookingType:
    context = info.context
    booking = await context.call(service.cancel, await context.actor(), parse_id(id, "booking"))
    return BookingType.from_model(booking)
