"""The Mutation root: who may call what is declared here; the work is in boxoffice/resolvers."""

from __future__ import annotations

import strawberry

from boxoffice.api.permissions import IsAdmin, IsOrganizer, requires
from boxoffice.resolvers import accounts, bookings, events, simulation
from boxoffice.schema.enums import Role
from boxoffice.schema.types import (
    AccountDeletion,
    AuthPayload,
    BookingType,
    EventInput,
    EventType,
    EventUpdateInput,
    Info,
    PurgeReport,
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

    @strawberry.mutation(
        description="The signed-in user's new display name (1..100 characters)", extensions=[requires()]
    )
    async def change_name(self, info: Info, name: str) -> UserType:
        return await accounts.change_name(info, name)

    @strawberry.mutation(
        description=(
            "The signed-in user's new password (8..128 characters); the current one is required (a wrong one is "
            "BAD_USER_INPUT). Every token issued before stops working; the answer carries a fresh one"
        ),
        extensions=[requires()],
    )
    async def change_password(self, info: Info, current_password: str, new_password: str) -> AuthPayload:
        return await accounts.change_password(info, current_password, new_password)

    @strawberry.mutation(
        description=(
            "Deletes the signed-in user's account (their password required). Active bookings are cancelled in "
            "the same transaction and the people waiting behind move up. CONFLICT for an account that "
            "organizes events or is the last admin"
        ),
        extensions=[requires()],
    )
    async def delete_account(self, info: Info, password: str) -> AccountDeletion:
        return await accounts.delete_account(info, password)

    @strawberry.mutation(
        description=(
            "ADMIN only: deactivate (cannot sign in, tokens refused; bookings kept) or reactivate an account. "
            "Admins cannot deactivate themselves (CONFLICT)"
        ),
        extensions=[requires(IsAdmin())],
    )
    async def set_user_active(self, info: Info, user_id: strawberry.ID, active: bool) -> UserType:
        return await accounts.set_user_active(info, user_id, active)

    @strawberry.mutation(
        description=(
            "ADMIN only: deletes the synthetic users of past simulations and their bookings, like "
            "`boxoffice purge-synthetic`; freed seats go to the real users waiting, in line order"
        ),
        extensions=[requires(IsAdmin())],
    )
    async def purge_synthetic_users(self, info: Info) -> PurgeReport:
        return await accounts.purge_synthetic(info)
