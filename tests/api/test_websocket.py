"""On WebSocket the token arrives in connection_init, after the context was made; the caller still resolves."""

from __future__ import annotations

import uuid
import warnings

with warnings.catch_warnings():
    # Starlette's TestClient still works on httpx; it only nudges towards httpx2.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from boxoffice.app import create_app
from boxoffice.db.session import Database

ME = {"query": "{ me { email role } }"}


def _operation(ws, operation_id: str, payload: dict) -> dict:  # type: ignore[no-untyped-def]
    ws.send_json({"id": operation_id, "type": "subscribe", "payload": payload})
    while True:
        message = ws.receive_json()
        if message.get("id") == operation_id and message["type"] in ("next", "error"):
            return message


async def test_connection_init_payload_carries_the_token(db, api_settings) -> None:
    # TestClient runs the app on its own event loop, so the app gets a Database of its own.
    database = Database(api_settings)
    app = create_app(api_settings, database=database)
    email = f"ws-{uuid.uuid4().hex[:8]}@example.com"
    with TestClient(app) as client:
        try:
            registered = client.post(
                "/graphql",
                json={
                    "query": 'mutation($e: String!) { register(email: $e, password: "long enough", name: "Ws") '
                    "{ token } }",
                    "variables": {"e": email},
                },
            ).json()
            token = registered["data"]["register"]["token"]

            with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
                ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
                assert ws.receive_json()["type"] == "connection_ack"
                reply = _operation(ws, "1", ME)
                assert reply["payload"]["data"] == {"me": {"email": email, "role": "AUDIENCE"}}

            with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
                ws.send_json({"type": "connection_init", "payload": {"Authorization": "Bearer forged"}})
                assert ws.receive_json()["type"] == "connection_ack"
                reply = _operation(ws, "2", ME)
                errors = reply["payload"]["errors"] if reply["type"] == "next" else reply["payload"]
                assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"

            with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
                ws.send_json({"type": "connection_init"})
                assert ws.receive_json()["type"] == "connection_ack"
                assert _operation(ws, "3", ME)["payload"]["data"] == {"me": None}
        finally:
            client.portal.call(database.engine.dispose)
