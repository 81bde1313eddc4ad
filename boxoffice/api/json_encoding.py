"""Response bodies as JSON bytes: orjson, several times faster than the standard library on GraphQL results."""

from __future__ import annotations

import json

import orjson


def encode_json(data: object) -> str:
    """`data` as compact JSON text; what orjson refuses (e.g. a lone surrogate) goes the standard way.

    Text, not bytes: Strawberry sends bytes over WebSocket as binary frames, which graphql-transport-ws forbids."""
    try:
        return orjson.dumps(data).decode()
    except TypeError:
        return json.dumps(data, separators=(",", ":"))
