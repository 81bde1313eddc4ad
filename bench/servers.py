"""Checkouts of Boxoffice and the `boxoffice serve` processes the benchmarks run from them.

Each checkout's server runs from that checkout's own virtualenv (its `boxoffice` script), on a database the
benchmark gives it through DATABASE_URL, on a free port of 127.0.0.1. Output goes to a log file, not a pipe,
so that an access log at thousands of lines a second costs the benchmark nothing.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import psutil

STARTUP_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Checkout:
    """A Boxoffice source tree and the command that serves it."""

    label: str
    root: Path
    command: tuple[str, ...]

    @classmethod
    def current(cls) -> Checkout:
        """This script's checkout, served by the `boxoffice` beside the running interpreter (which must be one
        whose `boxoffice` package is this checkout's, or the figures would be another tree's)."""
        import boxoffice

        root = Path(__file__).resolve().parents[1]
        package = Path(boxoffice.__file__).resolve().parent
        if package != root / "boxoffice":
            raise SystemExit(
                f"{sys.executable} imports boxoffice from {package}, not from {root}: run this checkout's "
                f"interpreter (e.g. {root}/.venv/bin/python), whose boxoffice is installed from {root}"
            )
        script = Path(sys.executable).with_name("boxoffice")
        command = (
            (str(script),) if script.exists() else (sys.executable, "-c", "from boxoffice.cli import main; main()")
        )
        return cls("current", root, command)

    @classmethod
    def reference(cls, root: Path) -> Checkout:
        """Another checkout (e.g. a `git worktree` of an older commit) with its own `.venv`."""
        script = root.resolve() / ".venv" / "bin" / "boxoffice"
        if not script.exists():
            raise SystemExit(
                f"--ref {root}: no {script}. Make one with:\n"
                f"  git worktree add {root} <commit> && cd {root}\n"
                "  python3 -m venv .venv && .venv/bin/pip install -e ."
            )
        return cls("ref", root.resolve(), (str(script),))

    def commit(self) -> str:
        """The short commit id, with `+dirty` when the tree has uncommitted changes to tracked files."""
        git = ["git", "-C", str(self.root)]
        head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
        dirty = subprocess.run([*git, "diff", "--quiet", "HEAD", "--", "boxoffice"], check=False).returncode != 0
        return head.stdout.strip() + ("+dirty" if dirty else "") if head.returncode == 0 else "unknown"


@dataclass
class Server:
    """One running `boxoffice serve`; stop() it (it is also safe to call twice)."""

    checkout: Checkout
    process: subprocess.Popen[bytes]
    port: int
    workers: int
    log_path: Path
    _log: IO[bytes]

    @classmethod
    def start(
        cls,
        checkout: Checkout,
        workers: int,
        database_url: str,
        data_dir: Path,
        secret: str,
        settings: Mapping[str, str] | None = None,
    ) -> Server:
        """Serve `checkout` on the database at `database_url`; `settings` are extra environment variables
        (e.g. BOXOFFICE_POOL_SIZE); BOXOFFICE_* variables of this process are not passed on."""
        data_dir.mkdir(parents=True, exist_ok=True)
        environment = {k: v for k, v in os.environ.items() if not k.startswith("BOXOFFICE_")}
        environment.update(
            DATABASE_URL=database_url,
            BOXOFFICE_DATA_DIR=str(data_dir),
            BOXOFFICE_JWT_SECRET=secret,
            BOXOFFICE_BCRYPT_ROUNDS="4",
            # Every simulated client comes from this one machine: lift the per-client caps (WebSocket
            # connections, sign-ups) that protect a real server.
            BOXOFFICE_WS_MAX_CONNECTIONS_PER_CLIENT="1000000",
            BOXOFFICE_REGISTER_MAX_PER_CLIENT="1000000",
            PYTHONUNBUFFERED="1",
        )
        environment.update(settings or {})
        port = free_port()
        log_path = data_dir / f"serve-{workers}w-{port}.log"
        log = log_path.open("wb")
        command = [*checkout.command, "serve", "--no-demo", "--host", "127.0.0.1", "--port", str(port)]
        process = subprocess.Popen(
            [*command, "--workers", str(workers)],
            env=environment,
            cwd=checkout.root,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own process group: a Ctrl-C meant for the benchmark reaches it through stop(), in order.
            start_new_session=True,
        )
        server = cls(checkout, process, port, workers, log_path, log)
        try:
            server._wait_healthy()
        except BaseException:
            server.stop()
            raise
        return server

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.checkout.label} serve exited with {self.process.returncode}:\n{self.output()}"
                )
            try:
                if httpx.get(f"{self.base_url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.checkout.label} serve not healthy within {STARTUP_TIMEOUT} s:\n{self.output()}")

    def processes(self) -> list[psutil.Process]:
        """The serve process and its children (uvicorn's workers)."""
        try:
            root = psutil.Process(self.process.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: the children with several workers, else serve itself."""
        processes = self.processes()
        return [p.pid for p in processes[1:]] or [p.pid for p in processes]

    def rss_bytes(self) -> int:
        total = 0
        for process in self.processes():
            try:
                total += process.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total

    def cpu_seconds(self) -> float:
        total = 0.0
        for process in self.processes():
            try:
                times = process.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        return total

    def stop(self) -> None:
        """SIGINT (uvicorn's graceful stop), then SIGKILL to the whole group if it does not stop in time."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGINT)
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                pass
            except ProcessLookupError:
                pass
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
        self._log.close()
