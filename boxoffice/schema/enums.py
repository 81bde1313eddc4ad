"""The contract's enums, exposed to GraphQL as they are: the very enums the models store and the services use.

`strawberry.enum` registers each class as it is (no copy), so resolvers return the models' values unconverted.
"""

from __future__ import annotations

import enum

import strawberry

from boxoffice.db.models import BookingStatus, CancelReason, EventStatus, Role

for _enum in (Role, EventStatus, BookingStatus):
    strawberry.enum(_enum)
strawberry.enum(CancelReason, name="CancellationReason", description="Why a cancelled booking was cancelled")


@strawberry.enum(description="The order of an events list")
class EventOrder(enum.Enum):
    START_TIME = strawberry.enum_value("START_TIME", description="Soonest first")
    START_TIME_DESC = strawberry.enum_value("START_TIME_DESC", description="Latest first")


__all__ = ["BookingStatus", "CancelReason", "EventOrder", "EventStatus", "Role"]
