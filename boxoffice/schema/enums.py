"""The contract's enums, kept apart from the models' so the database can grow values the API does not show."""

from __future__ import annotations

import enum

import strawberry


@strawberry.enum
class Role(enum.Enum):
    AUDIENCE = "AUDIENCE"
    ORGANIZER = "ORGANIZER"
    ADMIN = "ADMIN"


@strawberry.enum
class EventStatus(enum.Enum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    CANCELLED = "CANCELLED"


@strawberry.enum
class BookingStatus(enum.Enum):
    CONFIRMED = "CONFIRMED"
    WAITLISTED = "WAITLISTED"
    CANCELLED = "CANCELLED"


@strawberry.enum(description="Why a cancelled booking was cancelled")
class CancellationReason(enum.Enum):
    BOOKER = strawberry.enum_value("BOOKER", description="Its user cancelled it (or deleted their account)")
    ADMIN = strawberry.enum_value("ADMIN", description="An admin cancelled it")
    EVENT_CANCELLED = strawberry.enum_value("EVENT_CANCELLED", description="The organizer cancelled the event")


@strawberry.enum(description="The order of an events list")
class EventOrder(enum.Enum):
    START_TIME = strawberry.enum_value("START_TIME", description="Soonest first")
    START_TIME_DESC = strawberry.enum_value("START_TIME_DESC", description="Latest first")
