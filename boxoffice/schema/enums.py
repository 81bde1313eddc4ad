"""The contract's enums, exposed to GraphQL as they are: the very enums the models store and the services use.

`strawberry.enum` registers each class as it is (no copy), so resolvers return the models' values unconverted;
the descriptions the schema shows for them and for each of their values are declared here.
"""

from __future__ import annotations

import enum
from typing import Any

import strawberry
from strawberry.types.enum import StrawberryEnumDefinition

from boxoffice.db.models import BookingStatus, CancelReason, EventStatus, Role


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
    "Where a booking stands. CONFIRMED and WAITLISTED bookings are active: a user holds at most one active "
    "booking per event.",
    {
        BookingStatus.CONFIRMED: "Holds its `quantity` seats of the event.",
        BookingStatus.WAITLISTED: (
            "Waits in line for seats (see Booking.waitlistPosition); first come first served, when enough seats "
            "free up it is confirmed automatically (AUTO_CONFIRM events) or offered them (OFFER events)."
        ),
        BookingStatus.OFFERED: (
            "Offered seats by an OFFER event: they are held until Booking.offerExpiresAt; acceptOffer confirms, "
            "cancelBooking declines."
        ),
        BookingStatus.EXPIRED: "An offer not accepted before its deadline; its seats went to the next in line.",
        BookingStatus.CANCELLED: (
            "Cancelled by its user, an ADMIN, or with its event; holds no seat and no place in line."
        ),
    },
)
_expose(
    CancelReason,
    "Why a cancelled booking was cancelled (Booking.cancellationReason).",
    {
        CancelReason.BOOKER: "Its user cancelled it, or deleted their account.",
        CancelReason.ADMIN: "An ADMIN cancelled it.",
        CancelReason.EVENT_CANCELLED: "The organizer (or an ADMIN) cancelled the event, and every booking with it.",
    },
    name="CancellationReason",
)


@strawberry.enum(description="The order of an events list")
class EventOrder(enum.Enum):
    START_TIME = strawberry.enum_value("START_TIME", description="Soonest first")
    START_TIME_DESC = strawberry.enum_value("START_TIME_DESC", description="Latest first")


__all__ = ["BookingStatus", "CancelReason", "EventOrder", "EventStatus", "Role"]
