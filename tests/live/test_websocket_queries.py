"""Queries over a WebSocket: each operation reads the database afresh, though the connection's context lives on."""

from __future__ import annotations

import json
from typing import Any

from tests.live.conftest import Server, Subscribe
from tests.support.factories import EventFactory, UserFactory

HISTORY = "{ myBookings { id status history { reason } } }"
BOOK = "mutation ($id: ID!) { bookEvent(eventId: $id) { id } }"
CANCEL = "mutation ($id: ID!) { cancelBooking(id: $id) { id } }"


async def test_a_second_query_on_the_same_connection_sees_what_changed_since_the_first(
    server: Server, make_user: UserFactory, make_event: EventFactory, subscribe: Subscribe
) -> None:
    event, me = await make_event(capacity=2), await make_user()
    booked = (await server.graphql(BOOK, {"id": str(event.id)}, server.token(me)))["bookEvent"]
    connection = await subscribe(server.ws_url, HISTORY, token=server.token(me))
    first = (await connection.next_data())["myBookings"]
    assert first == [{"id": booked["id"], "status": "CONFIRMED", "history": [{"reason": "BOOKED"}]}]

    await server.graphql(CANCEL, {"id": booked["id"]}, server.token(me))
    await connection.socket.send(json.dumps({"id": "2", "type": "subscribe", "payload": {"query": HISTORY}}))

    second: dict[str, Any] = {}
    while not second:
        message = await connection.message()
        if message.get("id") == "2" and message["type"] == "next":
            second = message["payload"]
    assert second == {
        "data": {
            "myBookings": [
                {"id": booked["id"], "status": "CANCELLED", "history": [{"reason": "BOOKED"}, {"reason": "CANCELLED"}]}
            ]
        }
    }
