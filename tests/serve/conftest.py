"""`boxoffice serve` as a real subprocess, and a small GraphQL-over-HTTP helper."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 60.0
# Cheap hashing for the seeded logins and every registration: each bcrypt round doubles the cost.
TEST_BCRYPT_ROUNDS = "4"


class GraphQLError(AssertionError):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.codes = [error.get("extensions", {}).get("code") for error in errors]


async def graphql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, token: str | None = None
) -> dict[str, Any]:
    """POST /graphql and return `data`; GraphQL errors raise GraphQLError carrying their codes."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    body = response.json()
    if body.get("errors"):
        raise GraphQLError(body["errors"])
    return body["data"]


LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token user { id email role } } }"
REGISTER = "mutation($e: String!, $p: String!, $n: String!) { register(email: $e, password: $p, name: $n) { token } }"
BOOK = "mutation($id: ID!) { bookEvent(eventId: $id) { id status waitlistPosition } }"


async def login(client: httpx.AsyncClient, email: str, password: str) -> tuple[str, dict[str, Any]]:
    payload = (await graphql(client, LOGIN, {"e": email, "p": password}))["login"]
    return payload["token"], payload["user"]


def boxoffice_command() -> list[str]:
    """The installed console script, as a user would run it; the same entry point if it is not on disk."""
    script = Path(sys.executable).with_name("boxoffice")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from boxoffice.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ServeProcess:
    """One `boxoffice serve` run; its output is collected in the background so the pipe never fills."""

    process: subprocess.Popen[str]
    port: int
    data_dir: Path
    output: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def text(self) -> str:
        return "".join(self.output)

    def collect(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited with {self.process.returncode}:\n{self.text}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"serve was not healthy within {STARTUP_TIMEOUT} s:\n{self.text}")

    def database_url(self) -> str:
        """The URL serve printed (passwordless: the embedded server trusts its unix socket)."""
        match = re.search(r"database: (\S+)", self.text)
        assert match, self.text
        return match.group(1)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(STOP_TIMEOUT)
        finally:
            if self.process.poll() is None:
                self.process.kill()


def postgres_processes(data_dir: Path) -> list[psutil.Process]:
    """Server processes running on this data directory."""
    pgdata = str((data_dir / "postgres").resolve())
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = process.info.get("cmdline") or []
        if "postgres" in (process.info.get("name") or "") and pgdata in " ".join(cmdline):
            found.append(process)
    return found


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
        data_dir = tmp_path / "data"
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(BOXOFFICE_DATA_DIR=str(data_dir), BOXOFFICE_BCRYPT_ROUNDS=TEST_BCRYPT_ROUNDS, PYTHONUNBUFFERED="1")
        port = free_port()
        process = subprocess.Popen(
            [*boxoffice_command(), "serve", "--port", str(port), *args],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        server = ServeProcess(process, port, data_dir)
        threading.Thread(target=server.collect, daemon=True).start()
        started.append(server)
        server.wait_healthy()
        return server

    yield start
    for server in started:
        if server.process.poll() is None:
            server.stop()
