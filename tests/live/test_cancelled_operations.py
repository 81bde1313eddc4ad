"""A WebSocket connection outlives its operations: one cancelled mid-read must not break the next."""

from __future__ import annotations

import asyncio
import json

from tests.live.conftest import EVENT_UPDATES, Server, open_subscription
from tests.support.factories import EventFactory, UserFactory


async def test_subscriptions_completed_mid_read_leave_the_connection_usable(
    server: Server, make_user: UserFactory, make_event: EventFactory
) -> None:
    event = await make_event(capacity=5)
    token = server.token(await make_user())
    first = await open_subscription(server.ws_url, EVENT_UPDATES, {"id": str(event.id)}, token)
    socket = first.socket
    payload = {"query": EVENT_UPDATES, "variables": {"id": str(event.id)}}

    # What a page does when people click through it quickly: subscribe, then leave before the first push.
    for round_ in range(60):
        operation = f"churn-{round_}"
        await socket.send(json.dumps({"id": operation, "type": "subscribe", "payload": payload}))
        await asyncio.sleep(round_ % 6 * 0.001)
        await socket.send(json.dumps({"id": operation, "type": "complete"}))

    await socket.send(json.dumps({"id": "after", "type": "subscribe", "payload": payload}))
    errors = []
    while True:
        message = await first.message(within=15)
        if message["type"] == "error" or message.get("payload", {}).get("errors"):
            errors.append(message)
        if message.get("id") == "after" and message["type"] in ("next", "error"):
            break
    assert errors == []
    assert message["type"] == "next"
    assert message["payload"]["data"]["eventUpdates"]["seatsRemaining"] == 5
