"""Bookings: book, cancel, accept an offer, and the caller's own list."""

from __future__ import annotations

from typing import Annotated

import strawberry

from boxoffice.booking import service
from boxoffice.booking.idempotency import MAX_KEY_LENGTH
from boxoffice.booking.queries import bookings_of_user
from boxoffice.db.models import MAX_SEATS_PER_BOOKING
from boxoffice.resolvers.ids import parse_id
from boxoffice.schema.types import BookingIdArgument, BookingType, Info

IdempotencyKeyArgument = Annotated[
    str | None,
    strawberry.argument(
        description=f"Any string of 1..{MAX_KEY_LENGTH} characters the client picks once per intended action and "
        "sends again on each retry of it: a retry with the same key answers the first call's booking and changes "
        "nothing; the same key with other arguments is BAD_USER_INPUT. Keys are kept for at least 24 hours"
    ),
]


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
    idempotency_key: IdempotencyKeyArgument = None,
) -> BookingType:
    context = info.context
    subject = context.token_subject()
    if subject is not None and idempotency_key is None:
        # The caller's account is read and checked in the event's lock statement: one round trip fewer.
        booking = await context.call(service.book_for_token, subject, parse_id(event_id, "event"), quantity)
    else:
        booking = await context.call(
            service.book, await context.actor(), parse_id(event_id, "event"), quantity, idempotency_key=idempotency_key
        )
    return BookingType.from_model(booking)


async def cancel_booking(
    info: Info, id: BookingIdArgument, idempotency_key: IdempotencyKeyArgument = None
) -> BookingType:
    context = info.context
    booking = await context.call(
        service.cancel, await context.actor(), parse_id(id, "booking"), idempotency_key=idempotency_key
    )
    return BookingType.from_model(booking)


async def accept_offer(
    info: Info, booking_id: Annotated[strawberry.ID, strawberry.argument(description="The OFFERED booking")]
) -> BookingType:
    context = info.context
    booking = await context.call(service.accept_offer, await context.actor(), parse_id(booking_id, "booking"))
    return BookingType.from_model(booking)
