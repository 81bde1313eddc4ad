"""The limits of one graphql-transport-ws connection, applied by TransportWSHandler (boxoffice/api/websocket.py).

HTTP bodies are capped by BodySizeLimit and every document, over either transport, by the schema's depth, alias
and token limits. Over WebSocket, besides uvicorn's frame cap (`boxoffice serve` sets it to the body cap):

- an operation whose query and variables exceed the body cap is refused before it is parsed;
- at most `ws_max_operations` operations run at once on one connection, at most
  `ws_max_connections_per_client` connections are open from one client address (closed with 4429);
- a document that does not parse is answered with an `error` message (BAD_USER_INPUT) for that operation, as
  any other refused document is, instead of closing the whole connection.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from graphql import GraphQLError, GraphQLFormattedError

BAD_USER_INPUT = "BAD_USER_INPUT"
RATE_LIMITED = "RATE_LIMITED"
TOO_MANY_CONNECTIONS = 4429


def error_payload(message: str, code: str) -> list[GraphQLFormattedError]:
    return [GraphQLError(message, extensions={"code": code}).formatted]


def operation_size(payload: dict[str, Any]) -> int:
    query = payload.get("query")
    size = len(query.encode("utf-8", "surrogatepass")) if isinstance(query, str) else 0
    variables = payload.get("variables")
    if variables:
        size += len(json.dumps(variables, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    return size


def connection_counts(app_state: Any) -> Counter[str]:
    """Open WebSocket connections per client address in this process."""
    counts: Counter[str] | None = getattr(app_state, "ws_connections", None)
    if counts is None:
        counts = Counter()
        app_state.ws_connections = counts
    return counts
