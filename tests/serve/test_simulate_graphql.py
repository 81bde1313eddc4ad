"""simulateBookings through GraphQL over HTTP (the ASGI app on the test database): ADMIN only, exact counts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.booking.invariants import check_invariants
from boxoffice.booking.queries import waitlist_positions
from boxoffice.db.models import Booking, BookingStatus, Role, User
from tests.support.factories import EventFactory, UserFactory
from tests.support.graphql import GraphQLError, graphql

SIMULATE = """
mutation($id: ID!, $n: Int!) {
  simulateBookings(eventId: $id, users: $n) {
    eventId bookers confirmed waitlisted failed seatsRemaining waitlistLength durationMs bookingsPerSecond overbooked
  }
}
"""


TokenOf = Callable[[Role], Awaitable[str]]


@pytest.fixture
def token_of(make_user: UserFactory, token_for: Callable[[User], str]) -> TokenOf:
    """A token for a new user with this role."""

    async def token(role: Role) -> str:
        return token_for(await make_user(role))

    return token


async def _synthetic_count(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).where(User.synthetic))).scalar_one())


async def test_admin_simulates_a_thousand_bookers_on_ten_seats(
    token_of: TokenOf, session: AsyncSession, client: httpx.AsyncClient, make_event: EventFactory
) -> None:
    event = await make_event(capacity=10)
    admin = await token_of(Role.ADMIN)

    report = (await graphql(client, SIMULATE, {"id": str(event.id), "n": 1_000}, admin))["simulateBookings"]

    assert report["eventId"] == str(event.id)
    assert (report["bookers"], report["confirmed"], report["waitlisted"], report["failed"]) == (1_000, 10, 990, 0)
    assert (report["seatsRemaining"], report["waitlistLength"], report["overbooked"]) == (0, 990, False)
    assert report["durationMs"] > 0 and report["bookingsPerSecond"] > 0
    waitlisted = list(
        (
            await session.execute(
                select(Booking.id).where(Booking.event_id == event.id, Booking.status == BookingStatus.WAITLISTED)
            )
        ).scalars()
    )
    assert sorted((await waitlist_positions(session, waitlisted)).values()) == list(range(1, 991))
    assert (await check_invariants(session, [event.id])).ok


@pytest.mark.parametrize("role", [Role.ORGANIZER, Role.AUDIENCE])
async def test_only_an_admin_may_simulate(
    token_of: TokenOf, session: AsyncSession, client: httpx.AsyncClient, make_event: EventFactory, role: Role
) -> None:
    event = await make_event(capacity=10)
    token = await token_of(role)
    with pytest.raises(GraphQLError) as refused:
        await graphql(client, SIMULATE, {"id": str(event.id), "n": 5}, token)
    assert refused.value.codes == ["FORBIDDEN"]
    assert await _synthetic_count(session) == 0


async def test_signed_out_simulation_is_unauthenticated(
    session: AsyncSession, client: httpx.AsyncClient, make_event: EventFactory
) -> None:
    event = await make_event(capacity=10)
    with pytest.raises(GraphQLError) as refused:
        await graphql(client, SIMULATE, {"id": str(event.id), "n": 5})
    assert refused.value.codes == ["UNAUTHENTICATED"]
    assert await _synthetic_count(session) == 0


@pytest.mark.parametrize(("event_id", "users", "code"), [("1", 0, "BAD_USER_INPUT"), ("999999", 5, "NOT_FOUND")])
async def test_bad_simulations_write_nothing(
    token_of: TokenOf, session: AsyncSession, client: httpx.AsyncClient, event_id: str, users: int, code: str
) -> None:
    admin = await token_of(Role.ADMIN)
    with pytest.raises(GraphQLError) as refused:
        await graphql(client, SIMULATE, {"id": event_id, "n": users}, admin)
    assert refused.value.codes == [code]
    assert await _synthetic_count(session) == 0
