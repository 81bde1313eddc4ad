"""Migration 0005 on a database with bookings made before it: each booking gets the history row its status
implies, so every invariant (history's last status included) holds straight after the upgrade."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from alembic import command
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from boxoffice.booking.invariants import check_invariants
from boxoffice.db.migrate import alembic_config, migrate
from boxoffice.db.session import Database


@pytest.fixture
async def fresh_engine(db: Database) -> AsyncIterator[AsyncEngine]:
    """An empty database of its own on the test server, dropped afterwards."""
    name = f"migration_{uuid.uuid4().hex[:12]}"
    async with db.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_async_engine(db.engine.url.set(database=name))
    yield engine
    await engine.dispose()
    async with db.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text(f'DROP DATABASE "{name}"'))


_BEFORE_0005 = [
    "INSERT INTO users (email, name, role, password_hash) SELECT 'u' || n || '@example.com', 'U', 'AUDIENCE', 'x' "
    "FROM generate_series(1, 5) n",
    "INSERT INTO events (organizer_id, title, description, venue, starts_at, capacity, seats_remaining, "
    "waitlist_count, status) VALUES (1, 'Old', '', 'Hall', now() + interval '9 days', 1, 0, 2, 'PUBLISHED')",
    "INSERT INTO bookings (event_id, user_id, quantity, status, confirmed_at) VALUES (1, 1, 1, 'CONFIRMED', now())",
    "INSERT INTO bookings (event_id, user_id, quantity, status, waitlist_seq) "
    "VALUES (1, 2, 1, 'WAITLISTED', nextval('booking_waitlist_seq'))",
    "INSERT INTO bookings (event_id, user_id, quantity, status, waitlist_seq) "
    "VALUES (1, 3, 1, 'WAITLISTED', nextval('booking_waitlist_seq'))",
    "INSERT INTO bookings (event_id, user_id, quantity, status, cancelled_at, cancel_reason) "
    "VALUES (1, 4, 1, 'CANCELLED', now(), 'BOOKER')",
]


async def test_upgrading_gives_every_existing_booking_the_history_row_of_its_status(
    fresh_engine: AsyncEngine,
) -> None:
    await migrate(fresh_engine, "0004")
    async with fresh_engine.begin() as connection:
        for statement in _BEFORE_0005:
            await connection.execute(text(statement))

    await migrate(fresh_engine)

    async with fresh_engine.connect() as connection:
        rows = (
            await connection.execute(
                text("SELECT booking_id, status, reason, waitlist_position FROM booking_history ORDER BY booking_id")
            )
        ).all()
        counters = (
            await connection.execute(text("SELECT waitlist_policy, offered_seats, offers_due_at FROM events"))
        ).one()
    assert [tuple(row) for row in rows] == [
        (1, "CONFIRMED", "BOOKED", None),
        (2, "WAITLISTED", "WAITLISTED", 1),
        (3, "WAITLISTED", "WAITLISTED", 2),
        (4, "CANCELLED", "CANCELLED", None),
    ]
    assert tuple(counters) == ("AUTO_CONFIRM", 0, None)
    async with AsyncSession(fresh_engine) as session:
        report = await check_invariants(session)
    assert report.ok, report.violations


def _downgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def test_downgrading_turns_offers_into_cancellations_and_frees_their_seats(fresh_engine: AsyncEngine) -> None:
    await migrate(fresh_engine, "0004")
    async with fresh_engine.begin() as connection:
        for statement in _BEFORE_0005[:2]:
            await connection.execute(text(statement))
    await migrate(fresh_engine)
    async with fresh_engine.begin() as connection:
        # One seat offered (held), no other booking: 0 free, 1 offered.
        await connection.execute(
            text(
                "WITH offer AS (INSERT INTO bookings (event_id, user_id, quantity, status, offer_expires_at) "
                "VALUES (1, 2, 1, 'OFFERED', now() + interval '1 hour') RETURNING id) "
                "INSERT INTO booking_history (booking_id, event_id, status, reason) "
                "SELECT id, 1, 'OFFERED', 'OFFERED' FROM offer"
            )
        )
        await connection.execute(
            text(
                "UPDATE events SET waitlist_count = 0, seats_remaining = 0, offered_seats = 1, "
                "offers_due_at = now() + interval '1 hour'"
            )
        )

    async with fresh_engine.connect() as connection:
        await connection.run_sync(_downgrade, "0004")
        await connection.commit()
        booking = (await connection.execute(text("SELECT status, cancelled_at IS NOT NULL FROM bookings"))).one()
        seats = (await connection.execute(text("SELECT seats_remaining FROM events"))).scalar_one()
    assert tuple(booking) == ("CANCELLED", True)
    assert seats == 1

    await migrate(fresh_engine)  # and up again
