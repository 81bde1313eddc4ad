"""The contract's enums, exposed to GraphQL as they are: the very enums the models store and the services use."""

from __future__ import annotations

import strawberry

from boxoffice.db import models

Role = strawberry.enum(models.Role)
EventStatus = strawberry.enum(models.EventStatus)
BookingStatus = strawberry.enum(models.BookingStatus)
