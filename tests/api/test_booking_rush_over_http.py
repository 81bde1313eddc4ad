"""Many bookEvent requests at once through the whole HTTP path, each one's raw operations on one pooled checkout."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text

from boxoffice.booking.invariants import check_invariants
from boxoffice.db.session import Database
from tests.support.factories import EventFactory, make_users

BOOK = "mutation($id: ID!) { bookEvent(eventId: $id) { id status } }"
BOOKERS = 60
CAPACITY = 7


async def test_a_rush_over_http_books_exactly_the_seats_and_gives_every_connection_back(
    gql, tokens, db: Database, make_event: EventFactory
) -> None:
    event = await make_event(capacity=CAPACITY)
    users = await make_users(db, BOOKERS)

    replies = await asyncio.gather(
        *(gql(BOOK, {"id": str(event.id)}, token=tokens.issue(user_id).token) for user_id in users)
    )

    assert [reply.errors for reply in replies] == [[]] * BOOKERS
    statuses = [reply.data["bookEvent"]["status"] for reply in replies]
    assert statuses.count("CONFIRMED") == CAPACITY
    assert statuses.count("WAITLISTED") == BOOKERS - CAPACITY
    async with db.sessions() as session:
        counters = (
            await session.execute(
                text("SELECT seats_remaining, waitlist_count FROM events WHERE id = :e"), {"e": event.id}
            )
        ).one()
        assert tuple(counters) == (0, BOOKERS - CAPACITY)
        report = await check_invariants(session)
        assert report.ok, report.violations
    # Each request kept its connection from the caller's read to the booking, and gave it back when it ended.
    assert _checked_out(db) == 0


def _checked_out(db: Database) -> int:
    pool: Any = db.engine.pool  # a QueuePool
    return int(pool.checkedout())
