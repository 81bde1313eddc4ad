"""Closed-loop HTTP load with wrk: plans of GraphQL requests per wrk thread, and wrk's figures read back.

wrk (Debian package `wrk`) keeps each connection busy with one request at a time; bench/graphql.lua replays
per-thread plans written here (one booker per line, so every booking is by a distinct user) and counts
GraphQL errors in 200 responses as well as wrk's own (non-2xx statuses, socket errors, timeouts).
"""

from __future__ import annotations

import asyncio
import json
import resource
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LUA_SCRIPT = Path(__file__).with_name("graphql.lua")
WRK_TIMEOUT = "30s"


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed: `apt-get install -y wrk` (Debian's package), then run again")
    return found


def graphql_body(query: str, variables: dict[str, Any] | None = None) -> str:
    return json.dumps({"query": query, "variables": variables or {}}, separators=(",", ":"))


def request_line(body: str, token: str = "", user_id: int | None = None) -> str:
    """A plan line sent as is (by `user_id` with `token` when given)."""
    return f"R\t{'' if user_id is None else user_id}\t{token}\t{body}"


CANCEL_SLOT = "C\t\t\t"
"""A plan line that cancels the thread's oldest booking not yet cancelled (or is skipped when there is none)."""


def write_plan(prefix: Path, plans: Sequence[Sequence[str]]) -> None:
    """One plan file per wrk thread: `<prefix>.<thread index>`."""
    for index, lines in enumerate(plans):
        if not lines:
            raise ValueError(f"the plan of thread {index} is empty")
        Path(f"{prefix}.{index}").write_text("\n".join(lines) + "\n")


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    http_errors: int  # non-2xx statuses
    socket_errors: int  # connect, read, write errors and timeouts
    graphql_errors: int  # 200 responses carrying "errors"
    shed: int  # answers 429 or 503, or carrying RATE_LIMITED: refused at once under overload
    bookings: int
    cancels: int
    client_cpu_seconds: float
    error_sample: str

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.http_errors + self.socket_errors + self.graphql_errors


async def run_wrk(url: str, plan_prefix: Path, connections: int, threads: int, seconds: float) -> WrkResult:
    """wrk with `connections` connections over `threads` threads (each with its plan) for `seconds`.

    wrk is killed if this is cancelled (Ctrl-C), so that nothing outlives the benchmark."""
    command = [
        wrk_binary(),
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        f"--timeout={WRK_TIMEOUT}",
        f"--script={LUA_SCRIPT}",
        url,
        "--",
        str(plan_prefix),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), seconds + 120)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = stdout.decode(errors="replace")
    line = next((row for row in output.splitlines() if row.startswith("WRK_JSON ")), None)
    if process.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({process.returncode}):\n{output}\n{stderr.decode(errors='replace')}")
    raw = json.loads(line.removeprefix("WRK_JSON "))
    return WrkResult(
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        http_errors=raw["status_errors"],
        socket_errors=raw["connect_errors"] + raw["read_errors"] + raw["write_errors"] + raw["timeouts"],
        graphql_errors=raw["graphql_errors"],
        shed=raw["shed"],
        bookings=raw["bookings"],
        cancels=raw["cancels"],
        client_cpu_seconds=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        error_sample=raw["error_sample"],
    )
