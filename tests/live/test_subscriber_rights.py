"""A subscription whose token expires, whose account is deleted, or whose caller may no longer see the event (a
DRAFT, after a demotion) ends with a graphql-transport-ws `next` carrying the error, then `complete`, instead of
streaming on."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from boxoffice.auth.tokens import TokenCodec
from boxoffice.db.models import EventStatus, Role
from boxoffice.db.session import Database
from tests.live.conftest import EVENT_UPDATES, Server, Subscribe, Subscription
from tests.support.factories import EventFactory, UserFactory

# Longer than the interval at which a running subscription reads the account again (api/context.py).
RECHECK_WAIT = 2.5


async def _change(db: Database, event_id: int, capacity: int) -> None:
    """Something subscribers are told about: a new capacity."""
    async with db.engine.begin() as connection:
        await connection.execute(
            text("UPDATE events SET capacity = :c, seats_remaining = :c WHERE id = :id"),
            {"c": capacity, "id": event_id},
        )


async def _ended_with(subscription: Subscription) -> list[str]:
    """The codes of the error the stream ended with; fails if it pushes data instead or does not complete."""
    message = await subscription.message()
    assert message["type"] == "next" and message["payload"].get("errors"), message
    codes = [error["extensions"]["code"] for error in message["payload"]["errors"]]
    assert (await subscription.message())["type"] == "complete"
    return codes


async def test_an_expired_token_ends_the_subscription(
    server: Server, db: Database, make_user: UserFactory, make_event: EventFactory, subscribe: Subscribe
) -> None:
    user, event = await make_user(), await make_event(capacity=5)
    codec: TokenCodec = server.app.state.tokens
    # Issued so that it expires a few seconds from now: valid when the subscription starts, even on a busy machine.
    expires_in = 5
    expiring = codec.issue(user.id, now=datetime.now(UTC) - codec.ttl + _seconds(expires_in)).token
    watcher = await subscribe(server.ws_url, EVENT_UPDATES, {"id": str(event.id)}, expiring)
    assert (await watcher.next_data())["eventUpdates"]["capacity"] == 5
    await asyncio.sleep(expires_in + 1)  # past the expiry
    await _change(db, event.id, 6)
    assert await _ended_with(watcher) == ["UNAUTHENTICATED"]


async def test_a_deleted_account_ends_the_subscription(
    server: Server, db: Database, make_user: UserFactory, make_event: EventFactory, subscribe: Subscribe
) -> None:
    user, event = await make_user(), await make_event(capacity=5)
    watcher = await subscribe(server.ws_url, EVENT_UPDATES, {"id": str(event.id)}, server.token(user))
    assert (await watcher.next_data())["eventUpdates"]["capacity"] == 5
    async with db.engine.begin() as connection:
        await connection.execute(text("DELETE FROM users WHERE id = :id"), {"id": user.id})
    await asyncio.sleep(RECHECK_WAIT)  # past the account's re-read interval
    await _change(db, event.id, 6)
    assert await _ended_with(watcher) == ["UNAUTHENTICATED"]


async def test_a_demoted_admin_watching_a_draft_is_told_it_may_no_longer_see_it(
    server: Server, db: Database, make_user: UserFactory, make_event: EventFactory, subscribe: Subscribe
) -> None:
    admin = await make_user(Role.ADMIN)
    draft = await make_event(capacity=5, status=EventStatus.DRAFT)
    watcher = await subscribe(server.ws_url, EVENT_UPDATES, {"id": str(draft.id)}, server.token(admin))
    assert (await watcher.next_data())["eventUpdates"]["status"] == "DRAFT"
    async with db.engine.begin() as connection:
        await connection.execute(text("UPDATE users SET role = 'AUDIENCE' WHERE id = :id"), {"id": admin.id})
    await asyncio.sleep(RECHECK_WAIT)
    await _change(db, draft.id, 6)
    assert await _ended_with(watcher) == ["FORBIDDEN"]


def _seconds(n: float) -> timedelta:
    return timedelta(seconds=n)
