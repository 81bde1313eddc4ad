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
