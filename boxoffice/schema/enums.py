"""The contract's enums, exposed to GraphQL as they are: the very enums the models store and the services use.

`strawberry.enum` registers each class as it is (no copy), so resolvers return the models' values unconverted.
"""

from __future__ import annotations

import strawberry

from boxoffice.db.models import BookingStatus, EventStatus, Role

for _enum in (Role, EventStatus, BookingStatus):
    strawberry.enum(_enum)

__all__ = ["BookingStatus", "EventStatus", "Role"]
