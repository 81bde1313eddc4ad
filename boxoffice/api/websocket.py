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
