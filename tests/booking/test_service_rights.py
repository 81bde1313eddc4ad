"""The services check the Actor themselves, under the event's row lock: no resolver or default grants rights."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.auth.actor import Actor
from boxoffice.booking import service
from boxoffice.db.models import EventStatus, Role
from boxoffice.db.session import Database
from boxoffice.errors import Forbidden, NotFound
from boxoffice.events.service import EventChanges, cancel_event, publish_event, update_event
from tests.support.factories import EventFactory, UserFactory, booker
from tests.support.tables import table_snapshot


async def test_another_organizer_changing_a_published_event_is_forbidden_and_changes_nothing(
    session: AsyncSession, db: Database, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=5)
    other = await make_user(Role.ORGANIZER)
    before = await table_snapshot(db, "events", "bookings")
    with pytest.raises(Forbidden):
        await update_event(session, Actor.user(other.id, Role.ORGANIZER), event.id, EventChanges(capacity=9))
    assert await table_snapshot(db, "events", "bookings") == before


async def test_another_organizers_draft_does_not_exist_for_an_organizer(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    draft = await make_event(capacity=5, status=EventStatus.DRAFT)
    other = await make_user(Role.ORGANIZER)
    with pytest.raises(NotFound):
        await publish_event(session, Actor.user(other.id, Role.ORGANIZER), draft.id)


async def test_a_signed_out_actor_cannot_cancel_an_event(session: AsyncSession, make_event: EventFactory) -> None:
    event = await make_event(capacity=5)
    with pytest.raises(Forbidden):
        await cancel_event(session, Actor.anonymous(), event.id)


async def test_an_organizer_cannot_cancel_a_booking_on_their_own_event(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    organizer = await make_user(Role.ORGANIZER)
    event = await make_event(capacity=5, organizer=organizer)
    booking = await service.book(session, booker((await make_user()).id), event.id, 1)
    with pytest.raises(NotFound):
        await service.cancel(session, Actor.user(organizer.id, Role.ORGANIZER), booking.id)


async def test_the_system_actor_manages_every_event(session: AsyncSession, make_event: EventFactory) -> None:
    draft = await make_event(capacity=5, status=EventStatus.DRAFT)
    published = await publish_event(session, Actor.system(), draft.id)
    assert published.status is EventStatus.PUBLISHED
