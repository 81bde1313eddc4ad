"""`boxoffice serve` as a real subprocess, on a fresh data directory per test."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.factories import TEST_BCRYPT_ROUNDS
from tests.support.servers import ServeProcess


@pytest.fixture
def serve() -> Iterator[Any]:
    """Start `boxoffice serve` with a fresh embedded database; anything still running at the end is stopped.

    The data directory is not pytest's tmp_path: pytest prunes old numbered temp roots when another run
    starts, which can delete a live server's data directory when several test runs share the machine.
    """
    started: list[ServeProcess] = []
    with tempfile.TemporaryDirectory(prefix="boxoffice-serve-", ignore_cleanup_errors=True) as tmp:
        yield from _serving(Path(tmp), started)


def _serving(tmp_path: Path, started: list[ServeProcess]) -> Iterator[Any]:
    def start(*args: str) -> ServeProcess:
        # Cheap hashing for the seeded logins and every registration.
        # Many sign-ups from this one machine: the per-client sign-up throttle is lifted.
        env = {"BOXOFFICE_BCRYPT_ROUNDS": str(TEST_BCRYPT_ROUNDS), "BOXOFFICE_REGISTER_MAX_PER_CLIENT": "1000000"}
        server = ServeProcess.start(tmp_path / "data", *args, cwd=tmp_path, env=env)
        started.append(server)
        return server

    yield start
    for server in started:
        if server.process.poll() is None:
            server.stop()
