"""Boxoffice's graphql-transport-ws handler: Strawberry's, plus a way to send pre-encoded pushes.

Strawberry executes and encodes every subscription event per subscriber. Live subscriptions instead render a
snapshot once for everyone who shares it (boxoffice/api/fanout.py) and send that text as is: while an
operation runs, `current_sink` gives its stream a `PushSink` that wraps the payload in the operation's `next`
envelope and writes it to the socket. Everything else (the protocol, pre-execution errors, completion) is
Strawberry's.
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from typing import Any, Protocol

from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)

from boxoffice.api.ws_limits import (
    BAD_USER_INPUT,
    RATE_LIMITED,
    TOO_MANY_CONNECTIONS,
    connection_counts,
    error_payload,
    operation_size,
)


class PushSink(Protocol):
    """Where a subscription stream sends its pushes itself, each an already-encoded `next` payload."""

    query: str
    operation_name: str | None
    variables: dict[str, Any] | None

    async def push(self, payload: str) -> None: ...


# Set for the duration of each operation run by the handler below; None elsewhere (e.g. over HTTP).
current_sink: ContextVar[PushSink | None] = ContextVar("boxoffice_push_sink", default=None)


class OperationSink:
    """The sink of one graphql-transport-ws operation."""

    def __init__(self, handler: TransportWSHandler, operation: Operation[Any, Any]) -> None:
        self._handler = handler
        self._operation = operation
        self.query = operation.query
        self.operation_name = operation.operation_name
        self.variables = operation.variables
        # The envelope around the payload; only the id differs between subscribers.
        self._prefix = '{"id":' + json.dumps(operation.id) + ',"type":"next","payload":'

    async def push(self, payload: str) -> None:
        if self._operation.completed:
            return
        await self._handler.send_text(self._prefix + payload + "}")


class TransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    async def handle(self) -> None:
        # At most so many connections per client address (boxoffice/api/ws_limits.py).
        settings = self.context.settings
        address = self.context.client_address or "unknown"
        counts = connection_counts(self.context.connection.app.state)
        if counts[address] >= settings.ws_max_connections_per_client:
            await self.websocket.close(code=TOO_MANY_CONNECTIONS, reason="Too many connections from this client")
            return
        counts[address] += 1
        try:
            await super().handle()
        finally:
            counts[address] -= 1
            if counts[address] <= 0:
                del counts[address]

    async def handle_subscribe(self, message: Any) -> None:
        # The HTTP body cap and an operation cap apply here too, each answered with an `error` message.
        settings = self.context.settings
        payload = message.get("payload") if isinstance(message, dict) else None
        if self.connection_acknowledged and isinstance(payload, dict) and message.get("id") not in self.operations:
            if operation_size(payload) > settings.max_body_bytes:
                text = f"The operation exceeds {settings.max_body_bytes} bytes"
                await self._refuse(str(message["id"]), text, BAD_USER_INPUT)
                return
            if len(self.operations) >= settings.ws_max_operations:
                text = f"At most {settings.ws_max_operations} operations may run at once on one connection"
                await self._refuse(str(message["id"]), text, RATE_LIMITED)
                return
        await super().handle_subscribe(message)

    async def _refuse(self, operation_id: str, text: str, code: str) -> None:
        await self.send_message({"id": operation_id, "type": "error", "payload": error_payload(text, code)})

    @staticmethod
    def _get_pre_execution_close_reason(error: Any) -> str | None:
        # Strawberry closes the whole connection (4400) on a syntax error; the operation gets an `error` message
        # (BAD_USER_INPUT) instead, like any other refused document.
        return None

    async def run_operation(self, operation: Operation[Any, Any]) -> None:
        # The operation's own task: the context variable is visible to its stream, and to nothing else.
        current_sink.set(OperationSink(self, operation))
        await super().run_operation(operation)

    async def send_text(self, text: str) -> None:
        websocket = self.websocket
        if not isinstance(websocket, ASGIWebSocketAdapter):  # pragma: no cover - only the ASGI adapter is used
            await self.send_message(json.loads(text))
            return
        try:
            await websocket.ws.send_text(text)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc
