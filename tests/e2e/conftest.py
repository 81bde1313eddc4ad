"""Browser tests against a real `boxoffice serve`, started fresh (empty database, demo data) per session."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, async_playwright, expect

from tests.support.graphql import GraphQL
from tests.support.servers import ServeProcess

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_PRESENT = CHROMIUM.exists()
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# An offer's minute lasts this many seconds on the test server, so a 3-minute offer runs out in seconds.
OFFER_MINUTE_SECONDS = 2
# Live updates arrive in well under a second, but CI shares two cores with the server, PostgreSQL and Chromium.
expect.set_options(timeout=15_000)


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Only a developer machine without the browser may skip; in CI a missing browser is a failure.
    if CHROMIUM_PRESENT or running_in_ci():
        return
    skip = pytest.mark.skip(
        reason=f"e2e: {CHROMIUM} is not installed (apt-get install -y chromium); under CI=true this fails instead"
    )
    for item in items:
        if Path(str(item.path)).resolve().is_relative_to(HERE):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """http://127.0.0.1:<port> of a `boxoffice serve` on a fresh data dir, stopped with SIGINT afterwards.

    Offers there run on short minutes (OFFER_MINUTE_SECONDS). BOXOFFICE_E2E_BASE_URL points the tests at a server
    you already run instead (it must hold the demo data, and should run with BOXOFFICE_OFFER_MINUTE_SECONDS=2, or
    the test of an offer running out waits minutes).
    """
    if external := os.environ.get("BOXOFFICE_E2E_BASE_URL"):
        yield external.rstrip("/")
        return

    # A fresh embedded database guarantees the demo seed; an external DATABASE_URL may not be empty.
    server = ServeProcess.start(
        tmp_path_factory.mktemp("boxoffice-data"), env={"BOXOFFICE_OFFER_MINUTE_SECONDS": str(OFFER_MINUTE_SECONDS)}
    )
    try:
        yield server.base_url
    finally:
        server.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM_PRESENT:
        pytest.fail(f"{CHROMIUM} is missing; install it with `apt-get install -y chromium` (required under CI)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture(scope="session")
def api(base_url: str) -> GraphQL:
    return GraphQL(base_url)


@pytest_asyncio.fixture(loop_scope="session")
async def small_event(api: GraphQL) -> dict[str, str]:
    """The demo's 10-seat event, for trying the waitlist."""
    events = [event for event in await api.published_events() if event["capacity"] == 10]
    assert events, "the demo data should include a published 10-seat event"
    return events[0]
