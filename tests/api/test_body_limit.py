"""The body cap holds whether the size is announced (Content-Length) or not (a chunked body is counted)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator


async def test_a_chunked_body_over_the_cap_is_413(client, api_settings) -> None:
    padding = "x" * (api_settings.max_body_bytes + 1)
    body = json.dumps({"query": "{ me { id } }", "variables": {"pad": padding}}).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]

    response = await client.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_chunked_body_within_the_cap_is_served(client) -> None:
    body = json.dumps({"query": "{ me { id } }"}).encode()

    async def chunks() -> AsyncIterator[bytes]:
        yield body[:5]
        yield body[5:]

    response = await client.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert response.json() == {"data": {"me": None}}
