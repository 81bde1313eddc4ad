"""What a booking sends to PostgreSQL: history and idempotency cost no round trip under the event's lock. The
statements are counted on the raw connection (asyncpg's query logger), not timed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.booking import service
from boxoffice.db.driver import driver_connection
from tests.support.factories import EventFactory, UserFactory, booker


@asynccontextmanager
async def _logged(session: AsyncSession) -> AsyncIterator[tuple[asyncpg.Connection, list[str]]]:
    """The session's raw connection, and every statement sent on it while the block runs."""
    sent: list[str] = []

    def record(query: asyncpg.connection.LoggedQuery) -> None:
        sent.append(" ".join(query.query.split()))

    async with driver_connection(session) as conn:
        conn.add_query_logger(record)
        try:
            yield conn, sent
        finally:
            await asyncio.sleep(0)  # the logger is called soon after each statement, not during it
            conn.remove_query_logger(record)


async def test_a_booking_is_the_lock_and_one_write_between_begin_and_commit(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event, user = await make_event(capacity=1), await make_user()
    async with _logged(session) as (conn, sent):
        await service.book_on(conn, booker(user.id), event.id, 1)
    assert [statement.split()[0] for statement in sent] == ["BEGIN;", "SELECT", "WITH", "COMMIT;"], sent
    assert sent[1].endswith("FOR UPDATE")
    assert "INSERT INTO booking_history" in sent[2]


async def test_a_waiting_booking_costs_the_same_round_trips(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=1)
    await service.book(session, booker((await make_user()).id), event.id, 1)
    async with _logged(session) as (conn, sent):
        waiting = await service.book_on(conn, booker((await make_user()).id), event.id, 1)
    assert waiting.status.value == "WAITLISTED"
    assert [statement.split()[0] for statement in sent] == ["BEGIN;", "SELECT", "WITH", "COMMIT;"], sent


async def test_a_booking_with_a_key_adds_only_a_lookup_before_the_lock(
    session: AsyncSession, make_user: UserFactory, make_event: EventFactory
) -> None:
    event, user = await make_event(capacity=1), await make_user()
    async with _logged(session) as (conn, sent):
        await service.book_on(conn, booker(user.id), event.id, 1, idempotency_key="once")
    assert [statement.split()[0] for statement in sent] == ["SELECT", "BEGIN;", "SELECT", "WITH", "COMMIT;"], sent
    assert "idempotency_keys" in sent[0]
