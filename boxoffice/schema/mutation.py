"""The Mutation root: who may call what is declared here; the work is in boxoffice/resolvers."""

from __future__ import annotations

import strawberry

from boxoffice.api.permissions import IsAdmin, IsOrganizer, requires
from boxoffice.resolvers import accounts, bookings, events, simulation
from boxoffice.schema.enums import Role
from boxoffice.schema.types import (
    AuthPayload,
    BookingType,
    EventInput,
    EventType,
    EventUpdateInput,
    Info,
    SimulationReport,
    UserType,
)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Creates an AUDIENCE account and signs it in")
    async def register(self, info: Info, email: str, password: str, name: str) -> AuthPayload:
        return await accounts.register(info, email, password, name)

    @strawberry.mutation
    async def login(self, info: Info, email: str, password: str) -> AuthPayload:
        return await accounts.login(info, email, password)

    @strawberry.mutation(
        description="ORGANIZER or ADMIN; starts as DRAFT, owned by the caller", extensions=[requires(IsOrganizer())]
    )
    async def create_event(self, info: Info, input: EventInput) -> EventType:
        return await events.create_event(info, input)

    @strawberry.mutation(description="Its organizer or an ADMIN", extensions=[requires(IsOrganizer())])
    async def update_event(self, info: Info, id: strawberry.ID, input: EventUpdateInput) -> EventType:
        return await events.update_event(info, id, input)

    @strawberry.mutation(description="Its organizer or an ADMIN", extensions=[requires(IsOrganizer())])
    async def publish_event(self, info: Info, id: strawberry.ID) -> EventType:
        return await events.publish_event(info, id)

    @strawberry.mutation(
        description="Its organizer or an ADMIN; cancels every booking", extensions=[requires(IsOrganizer())]
    )
    async def cancel_event(self, info: Info, id: strawberry.ID) -> EventType:
        return await events.cancel_event(info, id)

    @strawberry.mutation(description="Any signed-in user; PUBLISHED events only", extensions=[requires()])
    async def book_event(self, info: Info, event_id: strawberry.ID, quantity: int = 1) -> BookingType:
        return await bookings.book_event(info, event_id, quantity)

    @strawberry.mutation(description="The booking's user or an ADMIN", extensions=[requires()])
    async def cancel_booking(self, info: Info, id: strawberry.ID) -> BookingType:
        return await bookings.cancel_booking(info, id)

    @strawberry.mutation(description="ADMIN only", extensions=[requires(IsAdmin())])
    async def simulate_bookings(self, info: Info, event_id: strawberry.ID, users: int) -> SimulationReport:
        return await simulation.simulate_bookings(info, event_id, users)

    @strawberry.mutation(description="ADMIN only", extensions=[requires(IsAdmin())])
    async def set_user_role(self, info: Info, user_id: strawberry.ID, role: Role) -> UserType:
        return await accounts.set_user_role(info, user_id, role)
