"""WebSocket operations get the same limits as HTTP (size, depth, aliases, tokens), and a refused operation is
answered with an error message, never a bare `complete`; operations per connection and connections per client are
capped."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from boxoffice.app import create_app
from boxoffice.config import Settings
from boxoffice.db.session import Database

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient
    from starlette.websockets import WebSocketDisconnect

PROTOCOL = ["graphql-transport-ws"]


@pytest.fixture
def ws_settings(api_settings: Settings) -> Settings:
    return api_settings.model_copy(update={"ws_max_operations": 3, "ws_max_connections_per_client": 2})


@pytest.fixture
def client(ws_settings: Settings, db: Database) -> Iterator[TestClient]:
    database = Database(ws_settings)
    with TestClient(create_app(ws_settings, database=database)) as http:
        try:
            yield http
        finally:
            http.portal.call(database.engine.dispose)


@contextmanager
def _connect(client: TestClient) -> Iterator[Any]:
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        ws.send_json({"type": "connection_init"})
        assert ws.receive_json()["type"] == "connection_ack"
        yield ws


def _refusal(ws: Any, operation_id: str, query: str) -> list[dict[str, Any]]:
    """The errors an operation is refused with; fails on a bare `complete` or on data."""
    ws.send_json({"id": operation_id, "type": "subscribe", "payload": {"query": query}})
    message = ws.receive_json()
    assert message["type"] in ("error", "next"), message
    errors = message["payload"] if message["type"] == "error" else message["payload"].get("errors")
    assert errors, message
    return list(errors)


def _answer(ws: Any, operation_id: str, query: str) -> dict[str, Any]:
    ws.send_json({"id": operation_id, "type": "subscribe", "payload": {"query": query}})
    message = ws.receive_json()
    assert message["type"] == "next", message
    return dict(message["payload"])


@pytest.mark.parametrize(
    "query",
    [
        "{ me {",  # syntax error
        "{ " + " ".join(f"a{n}: me {{ id }}" for n in range(40)) + " }",  # over the alias limit
        "{ myBookings { event { myBooking { event { myBooking { event { myBooking { event { myBooking { event "
        "{ myBooking { event { id } } } } } } } } } } } }",  # over the depth limit
        "{ me { " + "id " * 3000 + "} }",  # over the token limit
    ],
    ids=["syntax", "aliases", "depth", "tokens"],
)
def test_a_refused_document_is_answered_with_an_error(client: TestClient, query: str) -> None:
    with _connect(client) as ws:
        errors = _refusal(ws, "1", query)
        # The connection stays usable.
        assert _answer(ws, "2", "{ me { id } }") == {"data": {"me": None}}
    assert {error["extensions"]["code"] for error in errors} == {"BAD_USER_INPUT"}


def test_a_document_over_the_size_limit_is_refused_with_an_error(client: TestClient, ws_settings: Settings) -> None:
    with _connect(client) as ws:
        errors = _refusal(ws, "1", "{ me { id } }" + " " * ws_settings.max_body_bytes)
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert str(ws_settings.max_body_bytes) in errors[0]["message"]


async def test_operations_per_connection_are_capped(client: TestClient, make_user: Any, token_for: Any) -> None:
    token = token_for(await make_user())
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        assert ws.receive_json()["type"] == "connection_ack"
        # Three subscriptions that stay open (the cap in this test), then one more operation.
        for n in range(3):
            ws.send_json(
                {"id": str(n), "type": "subscribe", "payload": {"query": "subscription { myBookingUpdates { id } }"}}
            )
        errors = _refusal(ws, "4", "{ me { id } }")
    assert errors[0]["extensions"]["code"] == "RATE_LIMITED"


def test_connections_per_client_are_capped(client: TestClient) -> None:
    with _connect(client), _connect(client), pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as third:
            third.send_json({"type": "connection_init"})
            third.receive_json()
    assert refused.value.code == 4429
