"""The Query root: argument names and defaults as in the contract; the work is in boxoffice/resolvers."""

from __future__ import annotations

import strawberry

from boxoffice.api.permissions import IsAdmin, requires
from boxoffice.resolvers import accounts, bookings, events
from boxoffice.schema.enums import EventStatus
from boxoffice.schema.types import BookingType, EventConnection, EventType, Info, UserConnection, UserType


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in caller; null when signed out")
    async def me(self, info: Info) -> UserType | None:
        return await accounts.me(info)

    @strawberry.field(description="Events in start order, Relay-style; DRAFT ones only for their organizer and admins")
    async def events(
        self, info: Info, status: EventStatus | None = None, first: int = 50, after: str | None = None
    ) -> EventConnection:
        return await events.events(info, status, first, after)

    @strawberry.field(description="One event; null when it does not exist or the caller may not see it")
    async def event(self, info: Info, id: strawberry.ID) -> EventType | None:
        return await events.event(info, id)

    @strawberry.field(description="The caller's bookings, newest first", extensions=[requires()])
    async def my_bookings(self, info: Info) -> list[BookingType]:
        return await bookings.my_bookings(info)

    @strawberry.field(
        description="Real (non-synthetic) users in id order: ADMIN only", extensions=[requires(IsAdmin())]
    )
    async def users(self, info: Info, first: int = 50, after: str | None = None) -> UserConnection:
        return await accounts.users(info, first, after)
