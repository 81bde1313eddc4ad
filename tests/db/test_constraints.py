"""The database itself refuses what would break the invariants, whatever the application code does."""

from __future__ import annotations

from boxoffice.booking import service
from boxoffice.db.session import Database
from tests.support.factories import EventFactory, UserFactory, booker
from tests.support.tables import refused


async def test_seats_can_never_go_below_zero_or_above_capacity(db: Database, make_event: EventFactory) -> None:
    event = await make_event(capacity=2)
    await refused(
        db, "UPDATE events SET seats_remaining = -1 WHERE id = :id", "ck_events_seats_nonnegative", id=event.id
    )
    await refused(
        db, "UPDATE events SET seats_remaining = 3 WHERE id = :id", "ck_events_seats_within_capacity", id=event.id
    )
    await refused(
        db, "UPDATE events SET capacity = 0, seats_remaining = 0 WHERE id = :id", "ck_events_capacity", id=event.id
    )


async def test_a_second_active_booking_per_user_and_event_is_refused_by_the_index(
    db: Database, make_user: UserFactory, make_event: EventFactory
) -> None:
    event, user = await make_event(capacity=5), await make_user()
    async with db.sessions() as session:
        await service.book(session, booker(user.id), event.id, 1)
    await refused(
        db,
        "INSERT INTO bookings (event_id, user_id, quantity, status, waitlist_seq) "
        "VALUES (:e, :u, 1, 'WAITLISTED', nextval('booking_waitlist_seq'))",
        "uq_bookings_active_user_event",
        e=event.id,
        u=user.id,
    )


async def test_booking_rows_must_be_consistent_with_their_status(
    db: Database, make_user: UserFactory, make_event: EventFactory
) -> None:
    event, user = await make_event(capacity=5), await make_user()
    insert = "INSERT INTO bookings (event_id, user_id, quantity, status, waitlist_seq, confirmed_at, cancelled_at) "
    await refused(
        db,
        insert + "VALUES (:e, :u, 11, 'CONFIRMED', NULL, now(), NULL)",
        "ck_bookings_quantity",
        e=event.id,
        u=user.id,
    )
    await refused(
        db,
        insert + "VALUES (:e, :u, 1, 'WAITLISTED', NULL, NULL, NULL)",
        "ck_bookings_waitlist_seq",
        e=event.id,
        u=user.id,
    )
    await refused(
        db,
        insert + "VALUES (:e, :u, 1, 'CONFIRMED', NULL, NULL, NULL)",
        "ck_bookings_confirmed_at",
        e=event.id,
        u=user.id,
    )
    await refused(
        db,
        insert + "VALUES (:e, :u, 1, 'CANCELLED', NULL, NULL, NULL)",
        "ck_bookings_cancelled_at",
        e=event.id,
        u=user.id,
    )


async def test_emails_are_unique_whatever_their_case(db: Database, make_user: UserFactory) -> None:
    await make_user(email="Alice@Example.com")
    await refused(
        db,
        "INSERT INTO users (email, name, role, password_hash) VALUES ('alice@example.COM', 'A', 'AUDIENCE', 'x')",
        "uq_users_email_lower",
    )
