"""Bad input gets the contract's domain error and leaves the database exactly as it was."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.auth.actor import Actor
from boxoffice.booking import service
from boxoffice.db.models import EventStatus, Role
from boxoffice.db.session import Database
from boxoffice.errors import BadUserInput, Conflict, DomainError, NotFound
from boxoffice.events.service import EventChanges, update_event
from tests.support.factories import EventFactory, UserFactory, booker
from tests.support.tables import table_snapshot


@pytest.fixture
async def unchanged(db: Database, make_user: UserFactory, make_event: EventFactory) -> AsyncIterator[dict[str, int]]:
    """A published event with one booking; the test's bad call must leave all of it untouched."""
    event = await make_event(capacity=5)
    user = await make_user()
    async with db.sessions() as session:
        booking = await service.book(session, booker(user.id), event.id, 2)
    before = await table_snapshot(db, "events", "bookings")
    yield {"event": event.id, "user": user.id, "booking": booking.id}
    assert await table_snapshot(db, "events", "bookings") == before


@pytest.mark.parametrize("quantity", [0, 11, -1, 2**31])
async def test_quantity_outside_1_to_10_is_bad_user_input(
    session: AsyncSession, unchanged: dict[str, int], make_user: UserFactory, quantity: int
) -> None:
    newcomer = await make_user()
    with pytest.raises(BadUserInput, match="Tickets must be between 1 and 10"):
        await service.book(session, booker(newcomer.id), unchanged["event"], quantity)


async def test_booking_a_draft_one_may_not_see_is_not_found(
    session: AsyncSession, db: Database, make_user: UserFactory, make_event: EventFactory
) -> None:
    draft = await make_event(capacity=5, status=EventStatus.DRAFT)
    newcomer = await make_user()
    before = await table_snapshot(db, "events", "bookings")
    with pytest.raises(NotFound, match="does not exist"):
        await service.book(session, booker(newcomer.id), draft.id, 1)
    assert await table_snapshot(db, "events", "bookings") == before


async def test_booking_an_unknown_event_is_not_found(session: AsyncSession, unchanged: dict[str, int]) -> None:
    with pytest.raises(NotFound, match="Event 999999 does not exist"):
        await service.book(session, booker(unchanged["user"]), 999_999, 1)


async def test_booking_for_an_unknown_user_is_not_found(
    session: AsyncSession, unchanged: dict[str, int], make_event: EventFactory
) -> None:
    with pytest.raises(NotFound, match="User 999999 does not exist"):
        await service.book(session, booker(999_999), unchanged["event"], 1)


@pytest.mark.parametrize("booking_id", [999_999, -1, 0])
async def test_cancelling_an_unknown_booking_is_not_found(
    session: AsyncSession, unchanged: dict[str, int], booking_id: int
) -> None:
    with pytest.raises(NotFound, match="does not exist"):
        await service.cancel(session, Actor.system(), booking_id)


@pytest.mark.parametrize(
    ("status", "message"), [(EventStatus.DRAFT, "not published"), (EventStatus.CANCELLED, "cancelled")]
)
async def test_booking_an_event_that_is_not_open_is_a_conflict(
    session: AsyncSession,
    db: Database,
    make_user: UserFactory,
    make_event: EventFactory,
    status: EventStatus,
    message: str,
) -> None:
    closed = await make_event(capacity=5, status=status)
    # An admin sees every event, a DRAFT included (to others a DRAFT does not exist: NOT_FOUND).
    admin = await make_user(Role.ADMIN)
    before = await table_snapshot(db, "events", "bookings")
    with pytest.raises(Conflict, match=message):
        await service.book(session, Actor.user(admin.id, Role.ADMIN), closed.id, 1)
    assert await table_snapshot(db, "events", "bookings") == before


@pytest.mark.parametrize("capacity", [0, -5])
async def test_capacity_below_one_is_bad_user_input(
    session: AsyncSession, unchanged: dict[str, int], capacity: int
) -> None:
    with pytest.raises(BadUserInput, match="Capacity must be between 1 and"):
        await update_event(session, Actor.system(), unchanged["event"], EventChanges(capacity=capacity))


async def test_resizing_an_unknown_event_is_not_found(session: AsyncSession, unchanged: dict[str, int]) -> None:
    with pytest.raises(NotFound):
        await update_event(session, Actor.system(), 424_242, EventChanges(capacity=10))


def test_every_domain_error_carries_a_contract_code() -> None:
    codes = {cls.code for cls in DomainError.__subclasses__()}
    assert codes == {"BAD_USER_INPUT", "NOT_FOUND", "CONFLICT", "UNAUTHENTICATED", "FORBIDDEN", "RATE_LIMITED"}


async def test_booking_an_event_that_has_already_started_is_a_conflict(
    session: AsyncSession, db: Database, unchanged: dict[str, int], make_user: UserFactory
) -> None:
    async with db.engine.begin() as connection:
        await connection.execute(
            text("UPDATE events SET starts_at = starts_at - interval '60 days' WHERE id = :e"),
            {"e": unchanged["event"]},
        )
    newcomer = await make_user()
    with pytest.raises(Conflict, match="already started"):
        await service.book(session, booker(newcomer.id), unchanged["event"], 1)
    async with db.engine.begin() as connection:  # put it back so the fixture's before/after comparison holds
        await connection.execute(
            text("UPDATE events SET starts_at = starts_at + interval '60 days' WHERE id = :e"),
            {"e": unchanged["event"]},
        )
