"""bookEvent reads the caller's account in the event's lock statement, not before: the same refusals as every
other operation (account gone, deactivated, password changed since the token), the role from that read, nothing
written when refused, and one round trip fewer (BEGIN, the lock with the account, the write, COMMIT)."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from boxoffice.booking.invariants import check_invariants
from boxoffice.db.models import EventStatus, Role
from boxoffice.db.session import Database
from tests.support.factories import PASSWORD, make_users
from tests.support.statements import driver_statements
from tests.support.tables import table_snapshot

BOOK = "mutation($id: ID!) { bookEvent(eventId: $id) { id status } }"
CHANGE_PASSWORD = """mutation($c: String!, $n: String!) {
  changePassword(currentPassword: $c, newPassword: $n) { token }
}"""
DELETE = "mutation($p: String!) { deleteAccount(password: $p) { cancelledBookings } }"
SET_ACTIVE = "mutation($id: ID!, $a: Boolean!) { setUserActive(userId: $id, active: $a) { id active } }"


async def test_a_deactivated_account_books_nothing(db: Database, make_user, make_event, token_for, gql) -> None:
    admin, user, event = await make_user(Role.ADMIN), await make_user(), await make_event(capacity=2)
    token = token_for(user)
    assert (await gql(SET_ACTIVE, {"id": str(user.id), "a": False}, token=token_for(admin))).errors == []
    before = await table_snapshot(db, "events", "bookings")

    refused = await gql(BOOK, {"id": str(event.id)}, token=token)

    assert refused.code == "UNAUTHENTICATED"
    assert refused.errors[0]["message"] == "This account has been deactivated; ask an admin to reactivate it"
    assert await table_snapshot(db, "events", "bookings") == before


async def test_a_token_from_before_a_password_change_books_nothing(
    db: Database, make_user, make_event, token_for, gql
) -> None:
    user, event = await make_user(password=PASSWORD), await make_event(capacity=2)
    old_token = token_for(user)
    changed = await gql(CHANGE_PASSWORD, {"c": PASSWORD, "n": "a brand new passphrase"}, token=token_for(user))
    assert changed.errors == [], changed.body
    before = await table_snapshot(db, "events", "bookings")

    refused = await gql(BOOK, {"id": str(event.id)}, token=old_token)

    assert refused.code == "UNAUTHENTICATED"
    assert refused.errors[0]["message"] == "Your password was changed since you signed in here; sign in again"
    assert await table_snapshot(db, "events", "bookings") == before
    fresh = changed.data["changePassword"]["token"]
    assert (await gql(BOOK, {"id": str(event.id)}, token=fresh)).data["bookEvent"]["status"] == "CONFIRMED"


async def test_a_deleted_account_books_nothing(db: Database, make_user, make_event, token_for, gql) -> None:
    user, event = await make_user(password=PASSWORD), await make_event(capacity=2)
    token = token_for(user)
    assert (await gql(DELETE, {"p": PASSWORD}, token=token)).errors == []
    before = await table_snapshot(db, "users", "events", "bookings")

    refused = await gql(BOOK, {"id": str(event.id)}, token=token)

    assert refused.code == "UNAUTHENTICATED"
    assert refused.errors[0]["message"] == "The account this token belongs to no longer exists"
    assert await table_snapshot(db, "users", "events", "bookings") == before


async def test_the_role_is_the_accounts_as_read_with_the_lock(
    db: Database, make_user, make_event, token_for, gql
) -> None:
    # A token carries no role: promoted after it was issued, the caller books as an ADMIN, who sees a DRAFT
    # (CONFLICT, not published) where anyone else is told there is no such event.
    user, draft = await make_user(), await make_event(status=EventStatus.DRAFT)
    token = token_for(user)
    assert (await gql(BOOK, {"id": str(draft.id)}, token=token)).code == "NOT_FOUND"
    async with db.engine.begin() as connection:
        await connection.execute(text("UPDATE users SET role = 'ADMIN' WHERE id = :u"), {"u": user.id})

    as_admin = await gql(BOOK, {"id": str(draft.id)}, token=token)

    assert as_admin.code == "CONFLICT"
    assert "not published" in as_admin.errors[0]["message"]


async def test_a_booking_over_http_is_four_round_trips(db: Database, make_user, make_event, token_for, gql) -> None:
    user, event = await make_user(), await make_event(capacity=2)
    token = token_for(user)
    with driver_statements(db) as sent:
        booked = await gql(BOOK, {"id": str(event.id)}, token=token)
        await asyncio.sleep(0)
    assert booked.data["bookEvent"]["status"] == "CONFIRMED", booked.body
    assert [statement.split()[0] for statement in sent] == ["BEGIN;", "SELECT", "WITH", "COMMIT;"], sent
    assert "LEFT JOIN users" in sent[1] and sent[1].endswith("FOR UPDATE OF e")


async def test_many_bookers_at_once_half_deactivated_book_exactly_the_active_half(
    db: Database, make_event, tokens, gql
) -> None:
    # Many concurrent bookings through the whole HTTP path, half of them by accounts deactivated
    # beforehand: each is decided on the account as read under the lock, the seats stay exact.
    event = await make_event(capacity=7)
    users = await make_users(db, 40)
    deactivated = set(users[::2])
    async with db.engine.begin() as connection:
        await connection.execute(
            text("UPDATE users SET deactivated_at = now() WHERE id = ANY(:ids)"), {"ids": sorted(deactivated)}
        )

    replies = await asyncio.gather(
        *(gql(BOOK, {"id": str(event.id)}, token=tokens.issue(user_id).token) for user_id in users)
    )

    by_user = dict(zip(users, replies, strict=True))
    assert {user_id for user_id, reply in by_user.items() if reply.code == "UNAUTHENTICATED"} == deactivated
    statuses = [reply.data["bookEvent"]["status"] for user_id, reply in by_user.items() if user_id not in deactivated]
    assert (statuses.count("CONFIRMED"), statuses.count("WAITLISTED")) == (7, 13)
    async with db.sessions() as session:
        booked = await session.execute(text("SELECT user_id FROM bookings WHERE event_id = :e"), {"e": event.id})
        assert {row[0] for row in booked} == set(users) - deactivated
        report = await check_invariants(session)
        assert report.ok, report.violations


async def test_a_deleted_account_is_told_so_before_whether_the_event_exists(make_user, token_for, gql) -> None:
    user = await make_user(password=PASSWORD)
    token = token_for(user)
    assert (await gql(DELETE, {"p": PASSWORD}, token=token)).errors == []

    refused = await gql(BOOK, {"id": "999999"}, token=token)

    assert refused.code == "UNAUTHENTICATED"
    assert refused.errors[0]["message"] == "The account this token belongs to no longer exists"


async def test_a_missing_event_is_not_found_for_a_valid_account(make_user, token_for, gql) -> None:
    assert (await gql(BOOK, {"id": "999999"}, token=token_for(await make_user()))).code == "NOT_FOUND"
