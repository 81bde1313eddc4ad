"""Rights are checked against the account as it is when each operation (and each root mutation) runs, on HTTP and
WebSocket alike; User.email is shown only to the user themself, admins, and the organizer of an event they booked."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import pytest
from sqlalchemy import text

from boxoffice.app import create_app
from boxoffice.config import Settings
from boxoffice.db.models import Role
from boxoffice.db.session import Database
from tests.support.factories import PASSWORD, EventFactory, UserFactory

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

SET_ROLE = "mutation($id: ID!, $role: Role!) { setUserRole(userId: $id, role: $role) { id role } }"


def _operation(ws: Any, operation_id: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    ws.send_json({"id": operation_id, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}})
    while True:
        message = ws.receive_json()
        if message.get("id") == operation_id and message["type"] in ("next", "error"):
            return dict(message)


def _codes(message: dict[str, Any]) -> list[str]:
    errors = message["payload"].get("errors", []) if message["type"] == "next" else message["payload"]
    return [error["extensions"]["code"] for error in errors]


def _demote_and_retry_on_one_websocket(settings: Settings, token: str, admin_id: int) -> dict[str, Any]:
    database = Database(settings)
    app = create_app(settings, database=database)
    with TestClient(app) as client:
        try:
            with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
                ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
                assert ws.receive_json()["type"] == "connection_ack"
                assert _operation(ws, "1", "{ me { role } }")["payload"]["data"] == {"me": {"role": "ADMIN"}}

                async def demote() -> None:
                    async with database.engine.begin() as connection:
                        await connection.execute(
                            text("UPDATE users SET role = 'AUDIENCE' WHERE id = :id"), {"id": admin_id}
                        )

                client.portal.call(demote)
                # At once, on the same connection: the demoted admin tries to promote itself back.
                return _operation(ws, "2", SET_ROLE, {"id": str(admin_id), "role": "ADMIN"})
        finally:
            client.portal.call(database.engine.dispose)


async def test_a_demoted_admin_cannot_promote_itself_back_on_an_open_websocket(
    api_settings: Settings, db: Database, make_user: UserFactory, token_for: Any
) -> None:
    admin = await make_user(Role.ADMIN)
    await make_user(Role.ADMIN)  # not the last admin
    reply = await asyncio.to_thread(_demote_and_retry_on_one_websocket, api_settings, token_for(admin), admin.id)
    assert _codes(reply) == ["FORBIDDEN"]
    async with db.engine.connect() as connection:
        role = (await connection.execute(text("SELECT role FROM users WHERE id = :id"), {"id": admin.id})).scalar()
    assert role == "AUDIENCE"


async def test_a_mutation_sees_what_an_earlier_mutation_of_the_same_document_changed(
    gql: Any, db: Database, make_user: UserFactory, token_for: Any
) -> None:
    admin = await make_user(Role.ADMIN)
    await make_user(Role.ADMIN)
    query = (
        "mutation($id: ID!) { down: setUserRole(userId: $id, role: AUDIENCE) { role } "
        "up: setUserRole(userId: $id, role: ADMIN) { role } }"
    )
    reply = await gql(query, {"id": str(admin.id)}, token=token_for(admin))
    assert reply.codes == ["FORBIDDEN"]
    assert reply.errors[0]["path"] == ["up"]
    async with db.engine.connect() as connection:
        role = (await connection.execute(text("SELECT role FROM users WHERE id = :id"), {"id": admin.id})).scalar()
    assert role == "AUDIENCE"


ORGANIZER_EMAIL = "query($id: ID!) { event(id: $id) { organizer { email } } }"


@pytest.mark.parametrize(
    ("caller", "shown"),
    [("anonymous", False), ("audience", False), ("other organizer", False), ("organizer", True), ("admin", True)],
)
async def test_an_organizers_email_is_shown_only_to_themself_and_admins(
    gql: Any, make_user: UserFactory, make_event: EventFactory, token_for: Any, caller: str, shown: bool
) -> None:
    organizer = await make_user(Role.ORGANIZER)
    event = await make_event(organizer=organizer)
    callers = {
        "anonymous": None,
        "audience": await make_user(Role.AUDIENCE),
        "other organizer": await make_user(Role.ORGANIZER),
        "organizer": organizer,
        "admin": await make_user(Role.ADMIN),
    }
    user = callers[caller]
    reply = await gql(ORGANIZER_EMAIL, {"id": str(event.id)}, token=token_for(user) if user else None)
    assert reply.errors == []
    assert reply.data["event"]["organizer"]["email"] == (organizer.email if shown else "")


BOOKERS = "query($id: ID!) { event(id: $id) { bookings { user { email } } } }"
BOOK = "mutation($id: ID!) { bookEvent(eventId: $id) { id user { email } } }"


async def test_the_organizer_sees_the_emails_of_its_bookers(
    gql: Any, make_user: UserFactory, make_event: EventFactory, token_for: Any
) -> None:
    organizer, fan = await make_user(Role.ORGANIZER), await make_user(Role.AUDIENCE)
    event = await make_event(organizer=organizer)
    booked = await gql(BOOK, {"id": str(event.id)}, token=token_for(fan))
    assert booked.data["bookEvent"]["user"]["email"] == fan.email  # their own
    reply = await gql(BOOKERS, {"id": str(event.id)}, token=token_for(organizer))
    assert reply.data["event"]["bookings"] == [{"user": {"email": fan.email}}]


async def test_an_audience_user_does_not_see_the_emails_of_others(
    gql: Any, make_user: UserFactory, make_event: EventFactory, token_for: Any
) -> None:
    organizer, fan = await make_user(Role.ORGANIZER), await make_user(Role.AUDIENCE)
    event = await make_event(organizer=organizer)
    await gql(BOOK, {"id": str(event.id)}, token=token_for(fan))
    reply = await gql("{ myBookings { user { email } event { organizer { email } } } }", token=token_for(fan))
    assert reply.data["myBookings"] == [{"user": {"email": fan.email}, "event": {"organizer": {"email": ""}}}]


async def test_sign_in_answers_with_the_users_own_email(gql: Any, make_user: UserFactory) -> None:
    user = await make_user(password=PASSWORD)
    reply = await gql(
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { user { email } } }",
        {"e": user.email, "p": PASSWORD},
    )
    assert reply.data["login"]["user"]["email"] == user.email


async def test_admins_see_every_email_in_the_user_list(gql: Any, make_user: UserFactory, token_for: Any) -> None:
    admin, fan = await make_user(Role.ADMIN), await make_user(Role.AUDIENCE)
    reply = await gql("{ users { edges { node { email } } } }", token=token_for(admin))
    assert [edge["node"]["email"] for edge in reply.data["users"]["edges"]] == [admin.email, fan.email]
