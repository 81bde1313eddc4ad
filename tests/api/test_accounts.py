"""A person's own account over the API: name, password (other sessions signed out), deletion; deactivation."""

from __future__ import annotations

import pytest

from boxoffice.booking.service import book
from boxoffice.db.models import BookingStatus, Role
from tests.support.factories import PASSWORD, booker

NEW_PASSWORD = "a brand new passphrase"
ME = "{ me { id name role active } }"
CHANGE_PASSWORD = """mutation($c: String!, $n: String!) {
  changePassword(currentPassword: $c, newPassword: $n) { token user { id } }
}"""
DELETE = "mutation($p: String!) { deleteAccount(password: $p) { cancelledBookings promoted } }"
LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"
SET_ACTIVE = "mutation($id: ID!, $a: Boolean!) { setUserActive(userId: $id, active: $a) { id active } }"


async def test_a_user_changes_their_name(make_user, token_for, gql) -> None:
    user = await make_user(password=PASSWORD)
    reply = await gql('mutation { changeName(name: "  Ada Lovelace ") { name } }', token=token_for(user))
    assert reply.data == {"changeName": {"name": "Ada Lovelace"}}, reply.body
    assert (await gql(ME, token=token_for(user))).data["me"]["name"] == "Ada Lovelace"


async def test_a_blank_name_is_bad_input_naming_the_field(make_user, token_for, gql) -> None:
    user = await make_user(password=PASSWORD)
    reply = await gql('mutation { changeName(name: "   ") { name } }', token=token_for(user))
    assert reply.code == "BAD_USER_INPUT"
    assert reply.errors[0]["message"].startswith("Name")


async def test_changing_the_password_needs_the_current_one(make_user, token_for, gql) -> None:
    user = await make_user(password=PASSWORD)
    reply = await gql(CHANGE_PASSWORD, {"c": "not my password", "n": NEW_PASSWORD}, token=token_for(user))
    assert reply.code == "BAD_USER_INPUT"
    assert "Current password" in reply.errors[0]["message"]
    assert (await gql(LOGIN, {"e": user.email, "p": PASSWORD})).errors == []


async def test_a_new_password_signs_in_and_the_old_one_no_longer_does(make_user, token_for, gql) -> None:
    user = await make_user(password=PASSWORD)
    reply = await gql(CHANGE_PASSWORD, {"c": PASSWORD, "n": NEW_PASSWORD}, token=token_for(user))
    assert reply.errors == [], reply.body
    assert (await gql(LOGIN, {"e": user.email, "p": NEW_PASSWORD})).errors == []
    assert (await gql(LOGIN, {"e": user.email, "p": PASSWORD})).code == "UNAUTHENTICATED"


async def test_a_password_change_signs_out_other_sessions_but_not_this_one(make_user, token_for, gql) -> None:
    user = await make_user(password=PASSWORD)
    other_session = token_for(user)
    reply = await gql(CHANGE_PASSWORD, {"c": PASSWORD, "n": NEW_PASSWORD}, token=token_for(user))
    fresh = reply.data["changePassword"]["token"]
    refused = await gql(ME, token=other_session)
    assert refused.code == "UNAUTHENTICATED"
    assert "password was changed" in refused.errors[0]["message"]
    assert (await gql(ME, token=fresh)).data["me"]["id"] == str(user.id)


async def test_a_too_short_new_password_is_bad_input(make_user, token_for, gql) -> None:
    user = await make_user(password=PASSWORD)
    reply = await gql(CHANGE_PASSWORD, {"c": PASSWORD, "n": "short"}, token=token_for(user))
    assert reply.code == "BAD_USER_INPUT"
    assert (await gql(ME, token=token_for(user))).errors == []


async def test_deleting_an_account_cancels_its_bookings_and_promotes_the_line(
    make_user, make_event, token_for, gql, db
) -> None:
    leaving, waiting = await make_user(password=PASSWORD), await make_user(password=PASSWORD)
    event = await make_event(capacity=2)
    async with db.sessions() as session:
        await book(session, booker(leaving.id), event.id, 2)
        queued = await book(session, booker(waiting.id), event.id, 2)
    assert queued.status == BookingStatus.WAITLISTED
    reply = await gql(DELETE, {"p": PASSWORD}, token=token_for(leaving))
    assert reply.data == {"deleteAccount": {"cancelledBookings": 1, "promoted": 1}}, reply.body
    mine = await gql("{ myBookings { status } }", token=token_for(waiting))
    assert mine.data["myBookings"] == [{"status": "CONFIRMED"}]
    seats = await gql("query($id: ID!) { event(id: $id) { seatsRemaining waitlistLength } }", {"id": str(event.id)})
    assert seats.data["event"] == {"seatsRemaining": 0, "waitlistLength": 0}


async def test_a_deleted_accounts_token_and_password_stop_working(make_user, token_for, gql) -> None:
    user = await make_user(password=PASSWORD)
    token = token_for(user)
    assert (await gql(DELETE, {"p": PASSWORD}, token=token)).errors == []
    assert (await gql(ME, token=token)).code == "UNAUTHENTICATED"
    assert (await gql(LOGIN, {"e": user.email, "p": PASSWORD})).code == "UNAUTHENTICATED"


async def test_deleting_needs_the_password(make_user, token_for, gql) -> None:
    user = await make_user(password=PASSWORD)
    reply = await gql(DELETE, {"p": "wrong password"}, token=token_for(user))
    assert reply.code == "BAD_USER_INPUT"
    assert (await gql(ME, token=token_for(user))).errors == []


async def test_an_organizer_with_events_cannot_delete_their_account(make_user, make_event, token_for, gql) -> None:
    organizer = await make_user(Role.ORGANIZER, password=PASSWORD)
    await make_event(organizer=organizer)
    reply = await gql(DELETE, {"p": PASSWORD}, token=token_for(organizer))
    assert reply.code == "CONFLICT"


async def test_the_last_admin_cannot_delete_their_account(make_user, token_for, gql) -> None:
    admin = await make_user(Role.ADMIN, password=PASSWORD)
    assert (await gql(DELETE, {"p": PASSWORD}, token=token_for(admin))).code == "CONFLICT"


async def test_a_deactivated_user_cannot_sign_in_and_their_tokens_are_refused(make_user, token_for, gql) -> None:
    admin, user = await make_user(Role.ADMIN, password=PASSWORD), await make_user(password=PASSWORD)
    token = token_for(user)
    reply = await gql(SET_ACTIVE, {"id": str(user.id), "a": False}, token=token_for(admin))
    assert reply.data == {"setUserActive": {"id": str(user.id), "active": False}}, reply.body
    refused = await gql(ME, token=token)
    assert refused.code == "UNAUTHENTICATED"
    assert "deactivated" in refused.errors[0]["message"]
    login = await gql(LOGIN, {"e": user.email, "p": PASSWORD})
    assert login.code == "UNAUTHENTICATED"
    assert "deactivated" in login.errors[0]["message"]


async def test_a_deactivated_accounts_status_is_told_only_with_the_right_password(make_user, token_for, gql) -> None:
    admin, user = await make_user(Role.ADMIN, password=PASSWORD), await make_user(password=PASSWORD)
    await gql(SET_ACTIVE, {"id": str(user.id), "a": False}, token=token_for(admin))
    login = await gql(LOGIN, {"e": user.email, "p": "a wrong guess"})
    assert login.errors[0]["message"] == "Wrong email or password"


async def test_a_reactivated_user_signs_in_again(make_user, token_for, gql) -> None:
    admin, user = await make_user(Role.ADMIN, password=PASSWORD), await make_user(password=PASSWORD)
    await gql(SET_ACTIVE, {"id": str(user.id), "a": False}, token=token_for(admin))
    reply = await gql(SET_ACTIVE, {"id": str(user.id), "a": True}, token=token_for(admin))
    assert reply.data["setUserActive"]["active"] is True
    assert (await gql(LOGIN, {"e": user.email, "p": PASSWORD})).errors == []
    assert (await gql(ME, token=token_for(user))).data["me"]["active"] is True


async def test_an_admin_cannot_deactivate_themselves(make_user, token_for, gql) -> None:
    admin = await make_user(Role.ADMIN, password=PASSWORD)
    reply = await gql(SET_ACTIVE, {"id": str(admin.id), "a": False}, token=token_for(admin))
    assert reply.code == "CONFLICT"


@pytest.mark.parametrize("user_id", ["999999", "abc"])
async def test_deactivating_nobody_is_not_found_or_bad_input(make_user, token_for, gql, user_id: str) -> None:
    admin = await make_user(Role.ADMIN, password=PASSWORD)
    reply = await gql(SET_ACTIVE, {"id": user_id, "a": False}, token=token_for(admin))
    assert reply.code == ("NOT_FOUND" if user_id.isdigit() else "BAD_USER_INPUT")
