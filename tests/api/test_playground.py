"""The playground page at GET /graphql needs nothing but this server; subscriptions are refused over HTTP."""

from __future__ import annotations

import importlib.util
import logging
import re
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from boxoffice.api.errors import SUBSCRIPTION_OVER_HTTP

REPO_ROOT = Path(__file__).resolve().parents[2]
SUBSCRIPTION = 'subscription { eventUpdates(eventId: "1") { id seatsRemaining } }'


def fetch_playground_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fetch_playground", REPO_ROOT / "scripts" / "fetch_playground.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def playground_page(client: httpx.AsyncClient) -> httpx.Response:
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    return page


async def test_the_playground_page_loads_every_asset_from_this_server(client: httpx.AsyncClient) -> None:
    page = await playground_page(client)
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert [asset for asset in assets if not asset.startswith(("/", "data:"))] == []
    kinds = {".js": "javascript", ".css": "text/css"}
    for asset in (asset for asset in assets if asset.startswith("/")):
        response = await client.get(asset)
        assert response.status_code == 200, asset
        assert kinds[Path(asset.split("?")[0]).suffix] in response.headers["content-type"], asset
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page.text)
    assert any("/vendor/graphiql/graphiql.min.js" in script for script in scripts)
    assert "<script>" not in page.text and "<style" not in page.text, "nothing inline: the page runs under a CSP"


async def test_the_playground_page_allows_no_inline_script_and_no_eval(client: httpx.AsyncClient) -> None:
    policy = (await playground_page(client)).headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"


def test_the_vendored_assets_match_their_pinned_checksums() -> None:
    assert fetch_playground_script().check() == [], "run: python scripts/fetch_playground.py"


def test_every_vendored_package_keeps_its_license_beside_it() -> None:
    script = fetch_playground_script()
    for package in script.load_pins()["packages"]:
        assert "LICENSE" in package["files"], package["name"]
        assert (script.VENDOR / package["dir"] / "LICENSE").read_text().strip(), package["name"]


async def test_a_subscription_over_http_post_is_bad_input_pointing_to_the_websocket(
    gql, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        reply = await gql(SUBSCRIPTION)
    assert reply.status == 200
    assert reply.data is None
    assert reply.codes == ["BAD_USER_INPUT"]
    assert reply.errors[0]["message"] == SUBSCRIPTION_OVER_HTTP
    assert "WebSocket (graphql-transport-ws) on /graphql" in SUBSCRIPTION_OVER_HTTP
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING] == []


async def test_a_subscription_over_http_get_is_bad_input_too(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": SUBSCRIPTION}, headers={"Accept": "application/json"})
    body = response.json()
    assert [error["extensions"]["code"] for error in body["errors"]] == ["BAD_USER_INPUT"]
    assert body["errors"][0]["message"] == SUBSCRIPTION_OVER_HTTP


async def test_a_document_whose_chosen_operation_is_a_query_still_runs_over_http(client: httpx.AsyncClient) -> None:
    live = SUBSCRIPTION.replace("subscription", "subscription Live")
    document = f"query Events {{ events {{ edges {{ cursor }} }} }} {live}"
    response = await client.post("/graphql", json={"query": document, "operationName": "Events"})
    assert response.json() == {"data": {"events": {"edges": []}}}
