"""The playground page at GET /graphql needs nothing but this server; subscriptions are refused over HTTP."""

from __future__ import annotations

import importlib.util
import io
import logging
import re
import tarfile
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


def npm_tarball(files: dict[str, bytes]) -> bytes:
    """An npm-style tarball: every entry under `package/`."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            entry = tarfile.TarInfo(f"package/{name}")
            entry.size = len(data)
            archive.addfile(entry, io.BytesIO(data))
    return buffer.getvalue()


def pinned_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tarball: bytes, files: dict[str, bytes]) -> ModuleType:
    """The fetch script on a vendor folder of its own, pinning one package that `npm pack` would give as `tarball`."""
    script = fetch_playground_script()
    vendor = tmp_path / "vendor"
    vendor.mkdir()
    monkeypatch.setattr(script, "VENDOR", vendor)
    monkeypatch.setattr(script, "PINS", vendor / "PINNED.json")
    monkeypatch.setattr(script, "fetch_tarball", lambda name, version, workdir: tarball)
    package = {
        "name": "demo",
        "version": "1.0.0",
        "dir": "demo",
        "integrity": script.sri_sha512(tarball),
        "files": {name: script.sha256(data) for name, data in files.items()},
    }
    script.save_pins({"packages": [package]})
    return script


def test_the_fetch_script_writes_a_package_that_matches_its_pins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {"dist/demo.min.js": b"console.log('demo');\n", "LICENSE": b"MIT License\n"}
    script = pinned_copy(tmp_path, monkeypatch, npm_tarball(files), files)
    assert script.main([]) == 0
    assert (script.VENDOR / "demo" / "demo.min.js").read_bytes() == files["dist/demo.min.js"]
    assert script.check() == []


def test_the_fetch_script_refuses_a_tarball_that_is_not_the_pinned_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {"dist/demo.min.js": b"console.log('demo');\n", "LICENSE": b"MIT License\n"}
    script = pinned_copy(tmp_path, monkeypatch, npm_tarball(files), files)
    tampered = npm_tarball({**files, "dist/demo.min.js": b"steal(document.cookie);\n"})
    monkeypatch.setattr(script, "fetch_tarball", lambda name, version, workdir: tampered)
    assert script.main([]) == 1
    assert not (script.VENDOR / "demo").exists(), "nothing is written when a check fails"


def test_the_fetch_script_refuses_a_file_that_is_not_the_pinned_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {"dist/demo.min.js": b"console.log('demo');\n", "LICENSE": b"MIT License\n"}
    tarball = npm_tarball({**files, "dist/demo.min.js": b"something else\n"})
    # The tarball is the pinned one, but a file in it is not what was pinned.
    script = pinned_copy(tmp_path, monkeypatch, tarball, files)
    assert script.main([]) == 1
    assert not (script.VENDOR / "demo").exists()
