"""Offers, history and idempotency keys in the database itself: what no application code can get past."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from boxoffice.auth.actor import Actor
from boxoffice.booking import service
from boxoffice.db.models import Role, WaitlistPolicy
from boxoffice.db.session import Database
from boxoffice.events.service import EventChanges, update_event
from tests.support.factories import EventFactory, UserFactory, booker
from tests.support.tables import refused


async def test_offered_seats_count_against_the_capacity(db: Database, make_event: EventFactory) -> None:
    event = await make_event(capacity=2)
    await refused(
        db,
        "UPDATE events SET offered_seats = 1, offers_due_at = now() WHERE id = :id",
        "ck_events_seats_within_capacity",
        id=event.id,
    )


async def test_offered_seats_can_never_go_below_zero(db: Database, make_event: EventFactory) -> None:
    event = await make_event(capacity=2)
    await refused(
        db,
        "UPDATE events SET offered_seats = -1, seats_remaining = 1, offers_due_at = now() WHERE id = :id",
        "ck_events_offered_nonnegative",
        id=event.id,
    )


async def test_an_event_has_an_offer_deadline_exactly_while_seats_are_offered(
    db: Database, make_event: EventFactory
) -> None:
    event = await make_event(capacity=2)
    await refused(db, "UPDATE events SET offers_due_at = now() WHERE id = :id", "ck_events_offers_due_at", id=event.id)
    await refused(
        db,
        "UPDATE events SET offered_seats = 1, seats_remaining = 1 WHERE id = :id",
        "ck_events_offers_due_at",
        id=event.id,
    )


async def test_policy_and_offer_minutes_are_checked(db: Database, make_event: EventFactory) -> None:
    event = await make_event()
    await refused(
        db, "UPDATE events SET waitlist_policy = 'LOTTERY' WHERE id = :id", "ck_events_waitlist_policy", id=event.id
    )
    await refused(db, "UPDATE events SET offer_minutes = 0 WHERE id = :id", "ck_events_offer_minutes", id=event.id)
    await refused(db, "UPDATE events SET offer_minutes = 10081 WHERE id = :id", "ck_events_offer_minutes", id=event.id)


async def test_a_booking_has_an_offer_deadline_exactly_while_offered(
    db: Database, make_user: UserFactory, make_event: EventFactory
) -> None:
    event, user = await make_event(), await make_user()
    insert = "INSERT INTO bookings (event_id, user_id, quantity, status, offer_expires_at) VALUES (:e, :u, 1, "
    await refused(db, insert + "'OFFERED', NULL)", "ck_bookings_offer_expires_at", e=event.id, u=user.id)
    await refused(
        db,
        "INSERT INTO bookings (event_id, user_id, quantity, status, confirmed_at, offer_expires_at) "
        "VALUES (:e, :u, 1, 'CONFIRMED', now(), now())",
        "ck_bookings_offer_expires_at",
        e=event.id,
        u=user.id,
    )


async def test_an_open_offer_counts_as_the_users_one_active_booking(
    db: Database, make_user: UserFactory, make_event: EventFactory
) -> None:
    event, user = await make_event(), await make_user()
    async with db.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO bookings (event_id, user_id, quantity, status, offer_expires_at) "
                "VALUES (:e, :u, 1, 'OFFERED', now() + interval '1 hour')"
            ),
            {"e": event.id, "u": user.id},
        )
    await refused(
        db,
        "INSERT INTO bookings (event_id, user_id, quantity, status, confirmed_at) "
        "VALUES (:e, :u, 1, 'CONFIRMED', now())",
        "uq_bookings_active_user_event",
        e=event.id,
        u=user.id,
    )


async def test_history_rows_cannot_be_changed(db: Database, make_user: UserFactory, make_event: EventFactory) -> None:
    event, user = await make_event(), await make_user()
    async with db.sessions() as session:
        await service.book(session, booker(user.id), event.id, 1)
    with pytest.raises(DBAPIError, match="append-only"):
        async with db.engine.begin() as connection:
            await connection.execute(text("UPDATE booking_history SET status = 'CANCELLED'"))


async def test_history_reasons_are_checked(db: Database, make_user: UserFactory, make_event: EventFactory) -> None:
    event, user = await make_event(), await make_user()
    async with db.sessions() as session:
        booking = await service.book(session, booker(user.id), event.id, 1)
    await refused(
        db,
        "INSERT INTO booking_history (booking_id, event_id, status, reason) VALUES (:b, :e, 'CONFIRMED', 'BECAUSE')",
        "ck_booking_history_reason",
        b=booking.id,
        e=event.id,
    )


async def test_a_bookings_history_and_keys_go_with_it(
    db: Database, make_user: UserFactory, make_event: EventFactory
) -> None:
    event, user = await make_event(), await make_user()
    async with db.sessions() as session:
        await service.book(session, booker(user.id), event.id, 1, idempotency_key="k")
    async with db.engine.begin() as connection:
        await connection.execute(text("DELETE FROM users WHERE id = :u"), {"u": user.id})
        left = (
            await connection.execute(
                text("SELECT (SELECT count(*) FROM booking_history) + (SELECT count(*) FROM idempotency_keys)")
            )
        ).scalar_one()
    assert left == 0


async def test_policy_changes_are_announced_to_live_listeners(db: Database, make_event: EventFactory) -> None:
    event = await make_event()
    async with db.engine.connect() as listener:
        raw = (await listener.get_raw_connection()).driver_connection
        assert raw is not None
        heard: list[str] = []
        await raw.add_listener("boxoffice_events", lambda *args: heard.append(args[3]))
        async with db.sessions() as session:
            await update_event(
                session,
                Actor.user(event.organizer_id, Role.ORGANIZER),
                event.id,
                EventChanges(waitlist_policy=WaitlistPolicy.OFFER, offer_minutes=15),
            )
        await raw.execute("SELECT 1")  # notifications arrive between messages
        assert str(event.id) in heard
