"""The contract's enums, exposed to GraphQL as they are: the very enums the models store and the services use.

`strawberry.enum` registers each class as it is (no copy), so resolvers return the models' values unconverted;
the descriptions the schema shows for them and for each of their values are declared here.
"""

from __future__ import annotations

import enum
from typing import Any

import strawberry
from strawberry.types.enum import StrawberryEnumDefinition

from boxoffice.db.models import BookingStatus, CancelReason, ChangeReason, EventStatus, Role, WaitlistPolicy


def _expose(cls: type[enum.Enum], description: str, values: dict[Any, str], name: str | None = None) -> None:
    strawberry.enum(cls, name=name, description=description)
    definition = vars(cls)["__strawberry_definition__"]
    assert isinstance(definition, StrawberryEnumDefinition)
    described = {member.name: text for member, text in values.items()}
    assert {value.name for value in definition.values} == set(described), f"describe every value of {cls.__name__}"
    for value in definition.values:
        value.description = described[value.name]


_expose(
    Role,
    "A user's place on the role ladder AUDIENCE < ORGANIZER < ADMIN: each role may do everything the roles below "
    "it may. Accounts start as AUDIENCE; only an ADMIN changes roles (setUserRole).",
    {
        Role.AUDIENCE: "Books seats, joins waiting lists and cancels their own bookings.",
        Role.ORGANIZER: "Also creates events and manages their own: edit, publish, cancel, see their bookings.",
        Role.ADMIN: "Also manages every event, lists users, changes roles and runs simulateBookings.",
    },
)
_expose(
    EventStatus,
    "Where an event is in its life: DRAFT -> PUBLISHED -> CANCELLED (a DRAFT may also be cancelled).",
    {
        EventStatus.DRAFT: "Being prepared: visible only to its organizer and ADMINs, and not open for booking.",
        EventStatus.PUBLISHED: "Visible to everyone, signed in or not, and open for booking.",
        EventStatus.CANCELLED: (
            "Called off: still visible to everyone; every booking was cancelled with it, no new one is taken."
        ),
    },
)
_expose(
    BookingStatus,
    "Where a booking stands. CONFIRMED, WAITLISTED and OFFERED bookings are active: a user holds at most one active "
    "booking per event. CANCELLED and EXPIRED bookings have ended.",
    {
        BookingStatus.CONFIRMED: "Holds its `quantity` seats of the event.",
        BookingStatus.WAITLISTED: (
            "Waits in line for seats (see Booking.waitlistPosition), first come first served. When enough seats "
            "free up it is confirmed at once (AUTO_CONFIRM events) or offered the seats (OFFER events)."
        ),
        BookingStatus.OFFERED: (
            "Left the line with its seats held for it until Booking.offerExpiresAt (OFFER events): acceptOffer "
            "confirms it, cancelBooking declines it; once the deadline passes it becomes EXPIRED."
        ),
        BookingStatus.EXPIRED: (
            "Was OFFERED and not accepted before its deadline: its seats went to the next in line; it holds no "
            "seat and no place in line."
        ),
        BookingStatus.CANCELLED: (
            "Cancelled (or an offer declined) by its user, an ADMIN, or with its event; holds no seat and no place "
            "in line."
        ),
    },
)
_expose(
    WaitlistPolicy,
    "What happens to the head of an event's waiting list when seats free up (Event.waitlistPolicy).",
    {
        WaitlistPolicy.AUTO_CONFIRM: "Promotion confirms at once (the default).",
        WaitlistPolicy.OFFER: (
            "Promotion makes the booking OFFERED: its seats are held for Event.offerMinutes, until it is accepted "
            "(acceptOffer), declined (cancelBooking) or expires; then they go to the next in line."
        ),
    },
)
_expose(
    ChangeReason,
    "Why a booking's status changed (BookingChange.reason).",
    {
        ChangeReason.BOOKED: "Booked with its seats free: CONFIRMED at once.",
        ChangeReason.WAITLISTED: "Booked while the seats were taken or people waited: joined the end of the line.",
        ChangeReason.PROMOTED: (
            "Confirmed from the line by seats others freed (a cancel, a declined or expired offer) under "
            "AUTO_CONFIRM, or an open offer confirmed when its event switched from OFFER to AUTO_CONFIRM."
        ),
        ChangeReason.OFFERED: "Left the line with an offer: seats held until the offer's deadline (OFFER events).",
        ChangeReason.ACCEPTED: "Its user accepted the offer (acceptOffer): CONFIRMED.",
        ChangeReason.DECLINED: "The offer was declined (cancelBooking on an OFFERED booking): CANCELLED.",
        ChangeReason.EXPIRED: "The offer's deadline passed before it was accepted: EXPIRED.",
        ChangeReason.CANCELLED: "Cancelled by its user or an ADMIN.",
        ChangeReason.EVENT_CANCELLED: "Cancelled with its event.",
        ChangeReason.CAPACITY_CHANGED: (
            "Confirmed or offered from the line because the event's capacity was raised (status says which)."
        ),
        ChangeReason.PURGED: (
            "Confirmed or offered from the line into seats freed by the purge of synthetic users (status says which)."
        ),
    },
)
_expose(
    CancelReason,
    "Why a cancelled booking was cancelled (Booking.cancellationReason).",
    {
        CancelReason.BOOKER: "Its user cancelled it (or declined its offer), or deleted their account.",
        CancelReason.ADMIN: "An ADMIN cancelled it (or declined its offer).",
        CancelReason.EVENT_CANCELLED: "The organizer (or an ADMIN) cancelled the event, and every booking with it.",
    },
    name="CancellationReason",
)


@strawberry.enum(description="The order of an events list")
class EventOrder(enum.Enum):
    START_TIME = strawberry.enum_value("START_TIME", description="Soonest first")
    START_TIME_DESC = strawberry.enum_value("START_TIME_DESC", description="Latest first")


__all__ = ["BookingStatus", "CancelReason", "ChangeReason", "EventOrder", "EventStatus", "Role", "WaitlistPolicy"]
