"""simulateBookings through GraphQL over HTTP (the ASGI app on the test database): ADMIN only, exact counts."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.app import create_app
from boxoffice.auth.passwords import hash_password
from boxoffice.booking.invariants import check_invariants
from boxoffice.booking.queries import waitlist_positions
from boxoffice.config import Settings
from boxoffice.db.models import Booking, BookingStatus, Role, User
from boxoffice.db.session import Database
from tests.conftest import EventFactory
from tests.serve.conftest import GraphQLError, graphql, login

ROUNDS = 4
PASSWORD = "simulation password"
SIMULATE = """
mutation($id: ID!, $n: Int!) {
  simulateBookings(eventId: $id, users: $n) {
    eventId bookers confirmed waitlisted failed seatsRemaining waitlistLength durationMs bookingsPerSecond overbooked
  }
}
"""


@pytest.fixture
async def client(test_settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(test_settings.model_copy(update={"bcrypt_rounds": ROUNDS}), database=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=120) as http:
        yield http


async def _user_token(db: Database, client: httpx.AsyncClient, role: Role) -> str:
    email = f"{role.value.lower()}@simulate.example.com"
    async with db.sessions() as session, session.begin():
        session.add(
            User(
                email=email,
                name=role.value.title(),
                role=role,
                password_hash=await hash_password(PASSWORD, ROUNDS),
            )
        )
    return (await login(client, email, PASSWORD))[0]


async def _synthetic_count(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).where(User.synthetic))).scalar_one())


async def test_admin_simulates_a_thousand_bookers_on_ten_seats(
    db: Database, session: AsyncSession, client: httpx.AsyncClient, make_event: EventFactory
) -> None:
    event = await make_event(capacity=10)
    admin = await _user_token(db, client, Role.ADMIN)

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
    db: Database, session: AsyncSession, client: httpx.AsyncClient, make_event: EventFactory, role: Role
) -> None:
    event = await make_event(capacity=10)
    token = await _user_token(db, client, role)
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
    db: Database, session: AsyncSession, client: httpx.AsyncClient, event_id: str, users: int, code: str
) -> None:
    admin = await _user_token(db, client, Role.ADMIN)
    with pytest.raises(GraphQLError) as refused:
        await graphql(client, SIMULATE, {"id": event_id, "n": users}, admin)
    assert refused.value.codes == [code]
    assert await _synthetic_count(session) == 0
