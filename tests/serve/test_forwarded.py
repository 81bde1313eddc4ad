"""`boxoffice serve` believes X-Forwarded-For only from the proxies in BOXOFFICE_FORWARDED_ALLOW_IPS (default none):
rotating the header does not get around the sign-in throttle."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.factories import TEST_BCRYPT_ROUNDS
from tests.support.graphql import post
from tests.support.servers import ServeProcess

LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"
# Failed sign-ins across emails that lock out one client.
FAILURES = 5
ENV = {"BOXOFFICE_BCRYPT_ROUNDS": str(TEST_BCRYPT_ROUNDS), "BOXOFFICE_LOGIN_CLIENT_MAX_FAILURES": str(FAILURES)}


@pytest.fixture
def data_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="boxoffice-fwd-", ignore_cleanup_errors=True) as tmp:
        yield Path(tmp) / "data"


async def _codes_with_rotating_forwarded_for(server: ServeProcess) -> list[str | None]:
    codes = []
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as http:
        for n in range(FAILURES + 1):
            headers = {"X-Forwarded-For": f"203.0.113.{n + 1}"}
            variables = {"e": f"nobody{n}@example.com", "p": "wrong guess"}
            codes.append((await post(http, LOGIN, variables, headers=headers)).code)
    return codes


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(data_dir: Path) -> None:
    server = ServeProcess.start(data_dir, env=ENV)
    try:
        codes = await _codes_with_rotating_forwarded_for(server)
    finally:
        server.stop()
    assert codes == ["UNAUTHENTICATED"] * FAILURES + ["RATE_LIMITED"]


async def test_forwarded_for_from_a_configured_proxy_is_believed(data_dir: Path) -> None:
    server = ServeProcess.start(data_dir, env={**ENV, "BOXOFFICE_FORWARDED_ALLOW_IPS": "127.0.0.1"})
    try:
        codes = await _codes_with_rotating_forwarded_for(server)
    finally:
        server.stop()
    # Each attempt comes from another client, as the proxy says: no client reaches the limit.
    assert codes == ["UNAUTHENTICATED"] * (FAILURES + 1)
