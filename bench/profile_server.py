"""Profile a `boxoffice serve` worker with py-spy under http_load's workloads, and say where the CPU goes.

    python bench/profile_server.py                                  # read_event and book_4, 10 s each
    python bench/profile_server.py --workloads events_page --seconds 15 --native
    python bench/profile_server.py --ref /work/ref                  # profile another checkout instead

Starts one server (1 worker) exactly as bench/http_load.py does, warms it up, then samples it with
`py-spy record --format raw` (collapsed stacks) while wrk runs the workload. Writes the raw profile of each
workload to --out (speedscope and flamegraph.pl both open that format) and prints, for each: the functions
with the most samples on top of the stack (self), the functions with the most samples anywhere in the stack
(inclusive), and the share by area (graphql-core's validation, execution, Strawberry, SQLAlchemy, asyncpg, ...).
Shares are of samples where the worker was on the CPU. py-spy needs root (or ptrace rights); `pip install
py-spy` into the venv. The last line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from event_loop import event_loop_runner
from http_load import HTTP_WORKLOADS, Bench, Workload, bench_environment, log, parse_args
from servers import Checkout

WARMUP_SECONDS = 2.0
PROFILES = Path("/tmp/boxoffice-profiles")
FRAME = re.compile(r"^(?P<name>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")

# Areas, by a pattern on a frame's `function file`. A sample's own area is that of the frame nearest the top of
# its stack that matches one (so shares add up to 100%); its inclusive areas are all those matching any frame.
AREAS: tuple[tuple[str, str], ...] = (
    ("garbage collector (native)", r"^(gc_collect|collect_with_callback|gc_collect_main|deduce_unreachable)"),
    ("graphql-core validate", r"graphql/validation/"),
    ("graphql-core parse", r"graphql/language/(parser|lexer)"),
    ("graphql-core visitor (AST walks)", r"graphql/language/visitor"),
    ("graphql-core other language", r"graphql/language/"),
    ("graphql-core execute", r"graphql/execution/"),
    ("graphql-core other", r"graphql/"),
    ("strawberry", r"strawberry/"),
    ("sqlalchemy", r"sqlalchemy/"),
    ("asyncpg", r"asyncpg/"),
    ("pydantic", r"pydantic"),
    ("jwt", r"jwt/"),
    ("json", r"(^|/)json/|orjson"),
    ("logging", r"(^|/)logging/"),
    ("boxoffice (own code)", r"boxoffice/(?!cli\.py)"),
    ("starlette/fastapi", r"starlette/|fastapi/"),
    ("uvicorn/httptools/h11", r"uvicorn/(protocols|middleware)|httptools|h11/"),
    ("event loop", r"asyncio/|uvloop"),
)


# Native frames of a thread waiting for work: py-spy counts them as active with --native, so they are dropped.
IDLE_FRAMES = re.compile(r"^(epoll_wait|epoll_pwait|poll|select|__select|pthread_cond_(timed)?wait|futex_wait)\b")
# The frames every request passes through (server, middleware, loop): left out of the inclusive list.
PLUMBING = re.compile(r"uvicorn/|starlette/|fastapi/|asyncio/|boxoffice/cli\.py|^<module>|\.(c|h)\)$|\.so")


def py_spy_binary() -> str:
    beside = Path(sys.executable).with_name("py-spy")
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if found is None:
        raise SystemExit("py-spy is not installed: `.venv/bin/pip install py-spy`, then run again (as root)")
    return found


def _frame(text: str) -> tuple[str, str]:
    """(function, file) of one py-spy frame `function (path/file.py:line)`; native frames have no file."""
    match = FRAME.match(text)
    if match is None:
        return text, ""
    return match["name"], match["file"]


def _short(name: str, file: str) -> str:
    for marker in ("site-packages/", "lib/python3"):
        if marker in file:
            file = file.split(marker, 1)[1].lstrip("/")
            break
    return f"{name} ({file})" if file else name


@dataclass(frozen=True)
class Summary:
    samples: int
    areas: list[tuple[str, float, float]]  # (area, own share, inclusive share)
    self_top: list[tuple[str, float]]
    inclusive_top: list[tuple[str, float]]


def _area_of(frame_text: str) -> str | None:
    return next((label for label, pattern in AREAS if re.search(pattern, frame_text)), None)


def summarize(raw: Path, top: int = 15) -> Summary:
    """Shares of samples from a py-spy raw (collapsed stacks) file."""
    self_counts: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    own_area: Counter[str] = Counter()
    any_area: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame(part) for part in stack.split(";")]
        if IDLE_FRAMES.match(frames[-1][0]):
            continue
        total += count
        names = [_short(name, file) for name, file in frames]
        self_counts[names[-1]] += count
        for name in set(names):
            if not PLUMBING.search(name):
                inclusive[name] += count
        areas = [_area_of(f"{name} {file}") for name, file in frames]
        own_area[next((area for area in reversed(areas) if area), "other")] += count
        for area in set(areas) - {None}:
            any_area[str(area)] += count

    def share(n: int) -> float:
        return round(n / total, 3) if total else 0.0

    labels = [label for label, _ in AREAS if any_area[label]] + (["other"] if own_area["other"] else [])
    return Summary(
        samples=total,
        areas=[(label, share(own_area[label]), share(any_area[label])) for label in labels],
        self_top=[(name, share(n)) for name, n in self_counts.most_common(top)],
        inclusive_top=[(name, share(n)) for name, n in inclusive.most_common(top * 2)],
    )


def print_summary(label: str, summary: Summary) -> None:
    print(f"\n== {label}: {summary.samples} samples on the CPU")
    print(f"  {'own':>6}  {'incl.':>6}  area (own: nearest the top of the stack; inclusive: anywhere in it)")
    for name, own, anywhere in sorted(summary.areas, key=lambda area: -area[1]):
        print(f"  {own:6.1%}  {anywhere:6.1%}  {name}")
    print("self (top of the stack):")
    for name, share in summary.self_top:
        print(f"  {share:6.1%}  {name}")
    print("inclusive (anywhere in the stack; server, middleware and event loop frames left out):")
    for name, share in summary.inclusive_top:
        print(f"  {share:6.1%}  {name}")


async def profile(bench: Bench, workloads: Sequence[Workload], args: argparse.Namespace) -> dict[str, Summary]:
    await bench.start_servers(1)
    target = bench.targets[0]
    pid = target.running().worker_pids()[0]
    if args.out is None:
        args.out = PROFILES / f"{target.checkout.commit()}-{time.strftime('%H%M%S')}"
    args.out.mkdir(parents=True, exist_ok=True)
    summaries: dict[str, Summary] = {}
    for workload in workloads:
        log(f"{target.label}: warming up {workload.name}")
        await bench.wrk(target, workload, WARMUP_SECONDS)
        raw = args.out / f"{target.label}-{workload.name}.txt"
        command = [py_spy_binary(), "record", "--pid", str(pid), "--duration", str(round(args.seconds))]
        command += ["--rate", str(args.rate), "--format", "raw", "--output", str(raw)]
        command += ["--native"] if args.native else []
        spy = await asyncio.create_subprocess_exec(*command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        await asyncio.sleep(0.5)
        log(f"{target.label}: profiling {workload.name} for {args.seconds} s")
        result, _ = await bench.wrk(target, workload, args.seconds)
        _, errors = await asyncio.wait_for(spy.communicate(), args.seconds + 60)
        if spy.returncode != 0 or not raw.exists():
            raise RuntimeError(f"py-spy failed ({spy.returncode}): {errors.decode(errors='replace')}")
        log(f"  {result.requests_per_second:.1f} req/s under the profiler; raw profile: {raw}")
        summaries[workload.name] = summarize(raw)
        print_summary(f"{target.label} ({target.checkout.commit()}) {workload.name}", summaries[workload.name])
    return summaries


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    names = [w.name for w in HTTP_WORKLOADS]
    parser.add_argument("--workloads", default="read_event,book_4", help=f"comma-separated, of {','.join(names)}")
    parser.add_argument("--seconds", type=float, default=10.0, help="profiled seconds per workload (default 10)")
    parser.add_argument("--rate", type=int, default=100, help="py-spy samples per second (default 100)")
    parser.add_argument("--native", action="store_true", help="include native frames (C, e.g. the GC)")
    parser.add_argument("--ref", type=Path, help="profile this checkout (with its own .venv) instead of this one")
    parser.add_argument(
        "--out", type=Path, help="where raw profiles go (default /tmp/boxoffice-profiles/<commit>-<time>)"
    )
    args = parser.parse_args(argv)
    workloads = [w for w in HTTP_WORKLOADS if w.name in args.workloads.split(",")]
    if not workloads:
        parser.error(f"no known workload in {args.workloads!r}")
    py_spy_binary()
    options = dataclasses.replace(parse_args([]), workers=(1,), rounds=1)
    checkout = Checkout.reference(args.ref) if args.ref else Checkout.current()
    with bench_environment(options, [checkout]) as bench:
        summaries = event_loop_runner()(profile(bench, workloads, args))
    print(json.dumps({name: dataclasses.asdict(summary) for name, summary in summaries.items()}))


if __name__ == "__main__":
    main()
