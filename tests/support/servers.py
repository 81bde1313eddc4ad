"""Running `boxoffice serve` as a real subprocess, and finding the PostgreSQL it runs, for the tests."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

# The first start runs initdb for the embedded PostgreSQL; a loaded two-core CI machine is slow at it.
STARTUP_TIMEOUT = 180.0
STOP_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def boxoffice_command() -> list[str]:
    """The installed console script, as a user would run it; the same entry point if it is not on disk."""
    script = Path(sys.executable).with_name("boxoffice")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from boxoffice.cli import main; main()"]


def postgres_processes(data_dir: Path) -> list[psutil.Process]:
    """PostgreSQL server processes running on the embedded database under this data directory."""
    pgdata = str((data_dir / "postgres").resolve())
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = process.info.get("cmdline") or []
        if "postgres" in (process.info.get("name") or "") and pgdata in " ".join(cmdline):
            found.append(process)
    return found


@dataclass
class ServeProcess:
    """One `boxoffice serve` run; its output is collected in the background so the pipe never fills."""

    process: subprocess.Popen[str]
    port: int
    data_dir: Path
    output: list[str] = field(default_factory=list)

    @classmethod
    def start(
        cls, data_dir: Path, *args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None
    ) -> ServeProcess:
        """Start serve on a free port with this data directory (never an external DATABASE_URL) and wait for it."""
        environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BOXOFFICE_DATABASE_URL")}
        environment.update(BOXOFFICE_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1", **(env or {}))
        port = free_port()
        process = subprocess.Popen(
            [*boxoffice_command(), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            env=environment,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        server = cls(process, port, data_dir)
        threading.Thread(target=server._collect, daemon=True).start()
        try:
            server.wait_healthy()
        except BaseException:
            server.stop()
            raise
        return server

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def text(self) -> str:
        return "".join(self.output)

    def _collect(self) -> None:
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
        """Ctrl-C, as a person would; killed if it does not stop in time."""
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(STOP_TIMEOUT)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
