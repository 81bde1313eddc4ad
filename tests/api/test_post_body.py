"""A POSTed body is answered as Strawberry's own parsing would answer it, whichever way it is read (api/http_post.py:
`application/json` bodies are read with orjson, others the standard way)."""

from __future__ import annotations

import httpx
import pytest

EVENTS = "query($n: Int!) { events(first: $n) { edges { node { id } } } }"

BODIES = [
    pytest.param(b'{"query": "{ events { edges { cursor } } }"}', id="a plain query"),
    pytest.param(b'{"query": "' + EVENTS.replace('"', '\\"').encode() + b'", "variables": {"n": 2}}', id="variables"),
    pytest.param(
        b'{"query": "' + EVENTS.replace('"', '\\"').encode() + b'", "variables": {"n": 123456789012345678901}}',
        id="an integer past 64 bits",
    ),
    pytest.param(
        b'{"query": "' + EVENTS.replace('"', '\\"').encode() + b'", "variables": {"n": NaN}}', id="NaN in variables"
    ),
    pytest.param(b'{"query": "{ events(search: \\"\\ud800\\") { edges { cursor } } }"}', id="a lone surrogate"),
    pytest.param(b'\xef\xbb\xbf{"query": "{ me { id } }"}', id="a byte order mark"),
    pytest.param(b'{"query": "{ me { id } }", "query": "{ me { name } }"}', id="a repeated key"),
    pytest.param(b'{"query": 1}', id="a query that is not a string"),
    pytest.param(b'{"query": "{ me { id } }", "variables": []}', id="variables that are not an object"),
    pytest.param(b'{"variables": {}}', id="no query"),
    pytest.param(b"[]", id="an empty batch"),
    pytest.param(b"1", id="not an object"),
    pytest.param(b"{", id="not JSON"),
    pytest.param(b"", id="empty"),
]


@pytest.mark.parametrize("body", BODIES)
async def test_a_json_body_is_answered_as_strawberrys_parsing_would(client: httpx.AsyncClient, body: bytes) -> None:
    read_with_orjson = await client.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    read_the_standard_way = await client.post(
        "/graphql", content=body, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert read_with_orjson.status_code == read_the_standard_way.status_code
    assert read_with_orjson.content == read_the_standard_way.content
