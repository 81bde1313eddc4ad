"""Browser tests against a real `boxoffice serve`, started fresh (empty database, demo data) per session."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, async_playwright, expect

from .support import GraphQL

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
SERVER_START_TIMEOUT_S = 180  # the first start runs initdb for the embedded PostgreSQL
SERVER_STOP_TIMEOUT_S = 60
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def boxoffice_command() -> list[str]:
    found = shutil.which("boxoffice") or str(Path(sys.executable).with_name("boxoffice"))
    return [found]


def wait_for_health(base_url: str, server: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"boxoffice serve exited with {server.returncode}:\n{log_tail(log_path)}")
        try:
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"boxoffice serve was not healthy after {SERVER_START_TIMEOUT_S}s:\n{log_tail(log_path)}")


def log_tail(log_path: Path, lines: int = 40) -> str:
    return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="session")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """http://127.0.0.1:<port> of a `boxoffice serve` on a fresh data dir, stopped with SIGINT afterwards.

    BOXOFFICE_E2E_BASE_URL points the tests at a server you already run instead (it must hold the demo data).
    """
    if external := os.environ.get("BOXOFFICE_E2E_BASE_URL"):
        yield external.rstrip("/")
        return

    port = free_port()
    data_dir = tmp_path_factory.mktemp("boxoffice-data")
    log_path = data_dir.parent / f"{data_dir.name}-serve.log"
    env = {**os.environ, "BOXOFFICE_DATA_DIR": str(data_dir)}
    # A fresh embedded database guarantees the demo seed; an external DATABASE_URL may not be empty.
    env.pop("DATABASE_URL", None)
    env.pop("BOXOFFICE_DATABASE_URL", None)
    url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [*boxoffice_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_health(url, server, log_path)
            yield url
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=SERVER_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


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
