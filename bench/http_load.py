"""Benchmark: Boxoffice as clients see it, a real `boxoffice serve` under HTTP (wrk) and WebSocket load.

    python bench/http_load.py                   # everything, 1 and 2 workers, 3 rounds (about 7 minutes)
    python bench/http_load.py --quick           # a small smoke run (about 2 minutes)
    python bench/http_load.py --ref /work/ref   # the same against another checkout, alternating (~15 min)
    python bench/http_load.py --only read_event,book_4 --workers 1 --rounds 1

Needs `wrk` (`apt-get install -y wrk`). One embedded PostgreSQL is started in a temporary directory; each
checkout gets its own database on it (DATABASE_URL), seeded with 1,000 published events and --users audience
users with tokens, and its own `boxoffice serve --no-demo` from its own virtualenv on a free port of
127.0.0.1. Every booking workload books a fresh event of --hot-capacity seats, each booking by a distinct
user. Workloads (see bench/README.md for what each figure means):

    read_event   `event(id) { title capacity seatsRemaining }`, random ids of the 1,000, 16 clients
    events_page  `events(first: 50) { edges { node { id title seatsRemaining waitlistLength } } }`, 16 clients
    book_N       `bookEvent` on one hot event by distinct users, N = 4, 64, 300 clients
    mixed        64 clients: 70% event(id), 10% events page, 10% bookEvent, 10% cancelBooking of those bookings
    engine       the booking service alone, in this process (bench/booking_engine.py's path), 4 bookers
    live         --subscribers on eventUpdates (half signed in, asking myBooking), then simulateBookings of
                 --bookers as admin, timed against the same simulation without subscribers; server RSS

Prints progress to stderr, then tables; the last line of stdout is one JSON object with every median.
Servers and the database are stopped at the end, on errors and on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import secrets
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
from booking_engine import (
    create_events,
    create_users,
    reference_booker,
    reference_pool,
    run_bookers,
    service_booker,
)
from event_loop import event_loop_runner
from live_load import Audience, Subscriber
from servers import Checkout, Server
from sqlalchemy import text
from wrk_load import CANCEL_SLOT, graphql_body, request_line, run_wrk, write_plan, wrk_binary

from boxoffice.auth.tokens import TokenCodec
from boxoffice.config import Settings
from boxoffice.db.embedded import EmbeddedPostgres
from boxoffice.db.session import Database

READ_EVENT = "query($id: ID!) { event(id: $id) { title capacity seatsRemaining } }"
EVENTS_PAGE = "{ events(first: 50) { edges { node { id title seatsRemaining waitlistLength } } } }"
BOOK = "mutation($id: ID!) { bookEvent(eventId: $id) { id status } }"
# The mixed load cancels what it booked, as the booker: the response names the booking and its user.
BOOK_CANCELLABLE = "mutation($id: ID!) { bookEvent(eventId: $id) { id status user { id } } }"
SIMULATE = (
    "mutation($id: ID!, $n: Int!) { simulateBookings(eventId: $id, users: $n) "
    "{ bookers confirmed waitlisted failed durationMs overbooked } }"
)

ENGINE_CONCURRENCY = 4
MIXED_BOOKERS_PER_THREAD = 2_000
SUBSCRIBE_WITHIN = 60.0
SETTLE_WITHIN = 60.0
UNSUBSCRIBED_PAUSE = 3.0
# Idle means the servers together used under 5% of a core over a quarter of a second.
QUIESCE_STEP = 0.25
QUIESCE_CPU_SHARE = 0.05
QUIESCE_WITHIN = 60.0


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Workload:
    name: str
    kind: str  # read_event | events_page | book | mixed
    connections: int
    # A slow server may answer none of 300 clients within a short window: those get at least this long.
    min_seconds: float = 0.0


HTTP_WORKLOADS = (
    Workload("read_event", "read_event", 16),
    Workload("events_page", "events_page", 16),
    Workload("book_4", "book", 4),
    Workload("book_64", "book", 64),
    Workload("book_300", "book", 300, min_seconds=10.0),
    Workload("mixed", "mixed", 64),
)
ALL_WORKLOADS = (*(w.name for w in HTTP_WORKLOADS), "engine", "live")


@dataclass(frozen=True)
class Options:
    ref: Path | None
    rounds: int
    workers: tuple[int, ...]
    only: tuple[str, ...]
    duration: float
    warmup: float
    events: int
    users: int
    hot_capacity: int
    engine_bookings: int
    subscribers: int
    bookers: int
    live_timeout: float


def parse_args(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref", type=Path, help="another checkout (with its own .venv) to measure alongside")
    parser.add_argument("--rounds", type=int, help="rounds per workload; medians are reported (default 3)")
    parser.add_argument("--workers", help="comma-separated `serve --workers` values (default 1,2)")
    parser.add_argument("--only", help=f"comma-separated workloads (default all): {','.join(ALL_WORKLOADS)}")
    parser.add_argument("--duration", type=float, help="seconds per measurement (default 5)")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up before each measurement, 0 for none (1)")
    parser.add_argument("--events", type=int, default=1_000, help="published events seeded (default 1000)")
    parser.add_argument("--users", type=int, help="audience users with tokens (default 20000)")
    parser.add_argument("--hot-capacity", type=int, default=100, help="seats of each hot event (default 100)")
    parser.add_argument("--engine-bookings", type=int, help="bookings per engine measurement (default 3000)")
    parser.add_argument("--subscribers", type=int, help="live run: WebSocket subscribers (default 500)")
    parser.add_argument("--bookers", type=int, help="live run: simulated bookers (default 5000)")
    parser.add_argument("--live-timeout", type=float, default=300, help="longest wait for one simulation (300 s)")
    parser.add_argument("--quick", action="store_true", help="small smoke run: 1 round, 1 worker, short, small")
    args = parser.parse_args(argv)
    quick = args.quick
    only = tuple(args.only.split(",")) if args.only else ALL_WORKLOADS
    unknown = set(only) - set(ALL_WORKLOADS)
    if unknown:
        parser.error(f"unknown workloads {sorted(unknown)}; choose from {','.join(ALL_WORKLOADS)}")
    workers = tuple(int(w) for w in args.workers.split(",")) if args.workers else ((1,) if quick else (1, 2))

    def pick(value: Any, normal: Any, small: Any) -> Any:
        return value if value is not None else (small if quick else normal)

    return Options(
        ref=args.ref,
        rounds=pick(args.rounds, 3, 1),
        workers=workers,
        only=only,
        duration=pick(args.duration, 5.0, 2.0),
        warmup=pick(args.warmup, 1.0, 1.0),
        events=args.events,
        users=pick(args.users, 20_000, 4_000),
        hot_capacity=args.hot_capacity,
        engine_bookings=pick(args.engine_bookings, 3_000, 500),
        subscribers=pick(args.subscribers, 500, 40),
        bookers=pick(args.bookers, 5_000, 500),
        live_timeout=args.live_timeout,
    )


@dataclass(frozen=True)
class Seed:
    organizer_id: int
    admin_token: str
    event_ids: list[int]
    user_ids: list[int]
    tokens: list[str]


async def seed_database(database: Database, codec: TokenCodec, events: int, users: int) -> Seed:
    """Published events to read, audience users to book, an admin to simulate; tokens minted like the server's."""
    async with database.engine.begin() as conn:
        (organizer,) = await create_users(conn, "bench-organizer", 1, role="ORGANIZER")
        (admin,) = await create_users(conn, "bench-admin", 1, role="ADMIN")
        event_ids = await create_events(conn, organizer, events, capacity=500, days_ahead=1, title="Bench event")
        user_ids = await create_users(conn, "bench-user", users)
    tokens = [codec.issue(user_id).token for user_id in user_ids]
    return Seed(organizer, codec.issue(admin).token, event_ids, user_ids, tokens)


@dataclass
class Target:
    """One checkout: its database on the shared PostgreSQL, its server, its seed."""

    checkout: Checkout
    database_url: str
    data_dir: Path
    database: Database
    seed: Seed | None = None
    server: Server | None = None

    @property
    def label(self) -> str:
        return self.checkout.label

    def running(self) -> Server:
        assert self.server is not None, "no server running"
        return self.server

    def seeded(self) -> Seed:
        assert self.seed is not None, "not seeded"
        return self.seed

    async def hot_event(self, capacity: int) -> int:
        """A fresh published event, starting far enough ahead to stay off the first events page."""
        async with self.database.engine.begin() as conn:
            (event_id,) = await create_events(
                conn, self.seeded().organizer_id, 1, capacity, days_ahead=3650, title="Hot event"
            )
        return event_id


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of every numeric field over the rounds (None when a round has none), plus the round count."""
    medians: dict[str, Any] = {}
    for key in dict.fromkeys(key for run in runs for key in run):
        if key == "error_sample":
            continue
        values = [run[key] for run in runs if isinstance(run.get(key), int | float) and not isinstance(run[key], bool)]
        medians[key] = round(statistics.median(values), 3) if values else None
    medians["rounds"] = len(runs)
    samples = [run["error_sample"] for run in runs if run.get("error_sample")]
    if samples:
        medians["error_sample"] = samples[0]
    return medians


@dataclass
class Bench:
    options: Options
    workdir: Path
    targets: list[Target]
    secret: str
    started: list[Server]
    results: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)

    def record(self, target: Target, key: str, figures: dict[str, Any]) -> None:
        self.results.setdefault(target.label, {}).setdefault(key, []).append(figures)

    async def start_servers(self, workers: int) -> None:
        for target in self.targets:
            log(f"{target.label}: starting serve --workers {workers}")
            server = await asyncio.to_thread(
                Server.start, target.checkout, workers, target.database_url, target.data_dir, self.secret
            )
            self.started.append(server)
            target.server = server
            if target.seed is None:
                codec = TokenCodec.from_settings(Settings(jwt_secret=self.secret))
                target.seed = await seed_database(target.database, codec, self.options.events, self.options.users)
                log(f"{target.label}: seeded {self.options.events} events and {self.options.users} users")

    def stop_servers(self) -> None:
        for target in self.targets:
            if target.server is not None:
                target.server.stop()
                target.server = None

    # --- HTTP workloads -------------------------------------------------------------------------------

    async def plans(self, target: Target, workload: Workload, threads: int) -> list[list[str]]:
        seed = target.seeded()
        users = list(zip(seed.user_ids, seed.tokens, strict=True))
        ids = seed.event_ids[:]
        random.Random(workload.name).shuffle(ids)
        reads = [request_line(graphql_body(READ_EVENT, {"id": str(i)})) for i in ids]
        page = request_line(graphql_body(EVENTS_PAGE))
        if workload.kind == "read_event":
            return [reads[t::threads] for t in range(threads)]
        if workload.kind == "events_page":
            return [[page] for _ in range(threads)]
        event = await target.hot_event(self.options.hot_capacity)
        if workload.kind == "book":
            body = graphql_body(BOOK, {"id": str(event)})
            return [[request_line(body, token) for _, token in users[t::threads]] for t in range(threads)]
        body = graphql_body(BOOK_CANCELLABLE, {"id": str(event)})
        plans: list[list[str]] = []
        for t in range(threads):
            lines: list[str] = []
            for n, (user_id, token) in enumerate(users[t::threads][:MIXED_BOOKERS_PER_THREAD]):
                lines += [reads[(n * 7 + k) % len(reads)] for k in range(7)]
                lines += [page, request_line(body, token, user_id), CANCEL_SLOT]
            plans.append(lines)
        return plans

    async def quiesce(self) -> None:
        """Wait (up to QUIESCE_WITHIN) until no server is still working off requests of an earlier run: wrk
        stops with requests in flight, and they must not land on the next measurement, maybe another target's."""
        deadline = time.monotonic() + QUIESCE_WITHIN
        servers = [target.server for target in self.targets if target.server is not None]
        while time.monotonic() < deadline:
            before = sum(server.cpu_seconds() for server in servers)
            await asyncio.sleep(QUIESCE_STEP)
            if sum(server.cpu_seconds() for server in servers) - before < QUIESCE_CPU_SHARE * QUIESCE_STEP:
                return
        log(f"  servers still busy after {QUIESCE_WITHIN:.0f} s; measuring anyway")

    async def wrk(self, target: Target, workload: Workload, seconds: float) -> tuple[Any, float]:
        """One wrk run on fresh plans, once the servers are idle; the result and the server's CPU seconds."""
        threads = min(2, workload.connections)
        prefix = self.workdir / f"plan-{target.label}-{workload.name}"
        write_plan(prefix, await self.plans(target, workload, threads))
        await self.quiesce()
        server = target.running()
        cpu_before = server.cpu_seconds()
        result = await asyncio.to_thread(
            run_wrk, f"{server.base_url}/graphql", prefix, workload.connections, threads, seconds
        )
        return result, server.cpu_seconds() - cpu_before

    async def measure_http(self, target: Target, workload: Workload) -> dict[str, Any]:
        if self.options.warmup > 0:
            await self.wrk(target, workload, self.options.warmup)
        result, server_cpu = await self.wrk(target, workload, max(self.options.duration, workload.min_seconds))
        ok = result.requests - result.errors
        answered = result.requests > 0
        if not answered:
            log("  no answer within the measurement")
        figures = {
            "ok_per_s": round(ok / result.seconds, 1),
            "req_per_s": round(result.requests_per_second, 1),
            "p50_ms": round(result.p50_ms, 2) if answered else None,
            "p99_ms": round(result.p99_ms, 2) if answered else None,
            "max_ms": round(result.max_ms, 2) if answered else None,
            "errors": result.errors,
            "http_errors": result.http_errors,
            "socket_errors": result.socket_errors,
            "graphql_errors": result.graphql_errors,
            "requests": result.requests,
            "bookings_per_s": round(result.bookings / result.seconds, 1),
            "cancels_per_s": round(result.cancels / result.seconds, 1),
            "server_cpu_ms_per_req": round(1000 * server_cpu / result.requests, 3) if answered else None,
            "server_cpu_share": round(server_cpu / result.seconds, 2),
            "client_cpu_share": round(result.client_cpu_seconds / result.seconds, 2),
            "error_sample": result.error_sample,
        }
        if workload.kind == "book" and result.requests >= len(target.seeded().user_ids):
            log(f"  more bookings than users ({len(target.seeded().user_ids)}): raise --users")
        return figures

    # --- the engine alone ------------------------------------------------------------------------------

    async def measure_engine(self, target: Target) -> dict[str, Any]:
        """The booking service in this process on the target's database, the ceiling the API is held to; and
        booking_engine's one-statement reference booking, the most PostgreSQL does for the same decision."""
        settings = Settings(database_url=target.database_url, pool_size=ENGINE_CONCURRENCY, pool_max_overflow=0)
        database = Database(settings)
        pool = await reference_pool(database, ENGINE_CONCURRENCY)
        try:
            capacity = self.options.hot_capacity
            service = await self.booking_rate(target, service_booker(database, await target.hot_event(capacity)))
            reference = await self.booking_rate(target, reference_booker(pool, await target.hot_event(capacity)))
        finally:
            await pool.close()
            await database.close()
        return {"bookings_per_s": service, "reference_bookings_per_s": reference}

    async def booking_rate(self, target: Target, book_one: Callable[[int], Awaitable[None]]) -> float:
        """Bookings/s of --engine-bookings distinct users through `book_one`, after a few to warm up."""
        users = target.seeded().user_ids
        warm = 4 * ENGINE_CONCURRENCY
        await run_bookers(ENGINE_CONCURRENCY, users[:warm], book_one)
        measured = users[warm : warm + self.options.engine_bookings]
        seconds = await run_bookers(ENGINE_CONCURRENCY, measured, book_one)
        return round(len(measured) / seconds, 1)

    # --- live updates ---------------------------------------------------------------------------------

    async def simulate(self, http: httpx.AsyncClient, admin_token: str, event_id: int) -> dict[str, Any]:
        """simulateBookings of --bookers on the event as the admin, timed from request to answer."""
        variables = {"id": str(event_id), "n": self.options.bookers}
        started = time.perf_counter()
        try:
            response = await http.post(
                "/graphql",
                content=graphql_body(SIMULATE, variables),
                headers={"Authorization": f"Bearer {admin_token}", "Content-Type": "application/json"},
            )
        except httpx.TimeoutException:
            return {"seconds": None, "timed_out": True}
        seconds = time.perf_counter() - started
        body = response.json()
        if body.get("errors"):
            raise RuntimeError(f"simulateBookings failed: {body['errors']}")
        report = body["data"]["simulateBookings"]
        return {"seconds": round(seconds, 3), "server_ms": report["durationMs"], **report}

    async def book_over_http(self, http: httpx.AsyncClient, event_id: int, tokens: list[str]) -> None:
        """Bookings by these users through bookEvent, a few at a time (the signed-in subscribers' own)."""
        gate = asyncio.Semaphore(8)
        body = graphql_body(BOOK, {"id": str(event_id)})

        async def one(token: str) -> None:
            async with gate:
                response = await http.post(
                    "/graphql",
                    content=body,
                    headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                )
                if response.json().get("errors"):
                    raise RuntimeError(f"bookEvent failed: {response.text[:300]}")

        await asyncio.gather(*(one(token) for token in tokens))

    async def final_state(self, target: Target, event_id: int) -> tuple[dict[str, Any], dict[int, Any]]:
        """The event's counters and each user's active booking (id, status, place in line), from the table."""
        async with target.database.engine.connect() as conn:
            row = (
                await conn.execute(
                    text("SELECT seats_remaining, waitlist_count, status FROM events WHERE id = :id"), {"id": event_id}
                )
            ).one()
            bookings = await conn.execute(
                text(
                    "SELECT b.user_id, b.id, b.status, CASE WHEN b.status = 'WAITLISTED' THEN "
                    "(SELECT count(*) FROM bookings w WHERE w.event_id = b.event_id AND w.status = 'WAITLISTED' "
                    "AND w.waitlist_seq <= b.waitlist_seq) END "
                    "FROM bookings b WHERE b.event_id = :id AND b.status IN ('CONFIRMED', 'WAITLISTED')"
                ),
                {"id": event_id},
            )
            mine = {user: {"id": str(b), "status": s, "waitlistPosition": p} for user, b, s, p in bookings}
        event = {"seatsRemaining": row[0], "waitlistLength": row[1], "status": row[2]}
        return event, mine

    @staticmethod
    def on_final(subscriber: Subscriber, event: dict[str, Any], mine: dict[int, Any]) -> bool:
        last = subscriber.last
        if last is None or any(last.get(key) != value for key, value in event.items()):
            return False
        if subscriber.token is None:
            return True
        return last.get("myBooking") == mine.get(subscriber.user_id)

    async def settle(self, target: Target, audience: Audience, event_id: int) -> tuple[float | None, int]:
        """Seconds until every subscriber's last snapshot is the final state (None if not within the limit)."""
        event, mine = await self.final_state(target, event_id)
        started = time.perf_counter()
        while True:
            on_final = sum(1 for s in audience.subscribers if self.on_final(s, event, mine))
            elapsed = time.perf_counter() - started
            if on_final == len(audience.subscribers):
                return round(elapsed, 2), on_final
            if elapsed > SETTLE_WITHIN:
                return None, on_final
            await asyncio.sleep(0.2)

    async def measure_live(self, target: Target) -> dict[str, Any]:
        """The simulation alone, then the same on another event with the subscribers watching it."""
        server, seed, options = target.running(), target.seeded(), self.options
        signed_in = options.subscribers // 2
        async with httpx.AsyncClient(base_url=server.base_url, timeout=options.live_timeout) as http:
            without = await self.simulate(http, seed.admin_token, await target.hot_event(options.hot_capacity))
            log(f"  {options.bookers} bookers without subscribers: {without.get('seconds')} s")
            event_id = await target.hot_event(options.hot_capacity)
            # The signed-in subscribers hold a booking on the event, so their myBooking has something to show.
            await self.book_over_http(http, event_id, seed.tokens[:signed_in])
            subscribers = [
                Subscriber(token, user)
                for user, token in zip(seed.user_ids[:signed_in], seed.tokens[:signed_in], strict=True)
            ] + [Subscriber() for _ in range(options.subscribers - signed_in)]
            figures = await self.simulate_watched(target, http, event_id, subscribers)
        seconds, quiet = figures["sim_s_with"], without.get("seconds")
        return {
            "subscribers": options.subscribers,
            "bookers": options.bookers,
            "sim_s_without": quiet,
            "slowdown": round(seconds / quiet, 2) if seconds and quiet else None,
            **figures,
        }

    async def simulate_watched(
        self, target: Target, http: httpx.AsyncClient, event_id: int, subscribers: list[Subscriber]
    ) -> dict[str, Any]:
        """Subscribe, simulate, wait for everyone to reach the final state, unsubscribe; RSS at each step.

        A simulation that times out leaves the server busy: it is stopped (the next phase starts it again)."""
        server, mb = target.running(), 1 / 2**20
        rss_start = server.rss_bytes()
        audience = Audience.open(server.base_url.replace("http://", "ws://") + "/graphql", event_id, subscribers)
        try:
            no_first = await audience.first_snapshots(SUBSCRIBE_WITHIN)
            rss_subscribed = server.rss_bytes()
            log(f"  {len(subscribers)} subscribed ({no_first} without a first snapshot); simulating")
            cpu_before = time.process_time()
            watched = await self.simulate(http, target.seeded().admin_token, event_id)
            client_cpu = time.process_time() - cpu_before
            seconds = watched.get("seconds")
            log(f"  {self.options.bookers} bookers with subscribers: {seconds or 'timed out'} s")
            settled_s, on_final = await self.settle(target, audience, event_id) if seconds else (None, None)
            rss_after = server.rss_bytes()
            failed, messages = audience.failed(), audience.messages()
        finally:
            await audience.close()
        if seconds is None:
            log(f"  stopping {target.label}'s server, still busy with the simulation")
            server.stop()
            target.server = None
            rss_unsubscribed = None
        else:
            await asyncio.sleep(UNSUBSCRIBED_PAUSE)
            rss_unsubscribed = round(server.rss_bytes() * mb, 1)
        return {
            "sim_s_with": seconds,
            "client_cpu_share": round(client_cpu / seconds, 2) if seconds else None,
            "rss_mb_start": round(rss_start * mb, 1),
            "rss_mb_subscribed": round(rss_subscribed * mb, 1),
            "rss_mb_after": round(rss_after * mb, 1),
            "rss_mb_unsubscribed": rss_unsubscribed,
            "rss_mb_growth": round((rss_after - rss_start) * mb, 1),
            "settle_s": settled_s,
            "on_final_state": on_final,
            "without_first_snapshot": no_first,
            "failed_subscribers": len(failed),
            "snapshots_received": messages,
            "error_sample": failed[0].error if failed else "",
        }

    # --- the run ----------------------------------------------------------------------------------------

    def round_order(self, round_index: int) -> list[Target]:
        """Targets alternate who goes first, so that drift on a shared machine falls on both alike."""
        return self.targets if round_index % 2 == 0 else self.targets[::-1]

    async def measure(self, target: Target, key: str, run: Callable[[], Any]) -> None:
        log(f"{target.label}: {key}")
        await self.quiesce()
        figures = await run()
        self.record(target, key, figures)
        shown = {k: v for k, v in figures.items() if k != "error_sample" and v not in (None, "", 0)}
        log(f"  {shown}")
        if figures.get("error_sample"):
            log(f"  first error: {figures['error_sample']}")

    async def run(self) -> None:
        options = self.options
        workloads = [w for w in HTTP_WORKLOADS if w.name in options.only]
        for phase, workers in enumerate(options.workers):
            await self.start_servers(workers)
            try:
                for round_index in range(options.rounds):
                    log(f"--- {workers} worker(s), round {round_index + 1}/{options.rounds}")
                    for workload in workloads:
                        for target in self.round_order(round_index):
                            key = f"{workload.name}/{workers}w"
                            await self.measure(target, key, lambda t=target, w=workload: self.measure_http(t, w))
                    if phase == 0 and "engine" in options.only:
                        current = self.targets[-1]
                        await self.measure(current, "engine", lambda t=current: self.measure_engine(t))
                if phase == 0 and "live" in options.only:
                    for target in self.targets:
                        await self.measure(target, f"live/{workers}w", lambda t=target: self.measure_live(t))
            finally:
                self.stop_servers()

    def medians(self) -> dict[str, dict[str, dict[str, Any]]]:
        return {label: {key: median_of(runs) for key, runs in by_key.items()} for label, by_key in self.results.items()}


# --- report ---------------------------------------------------------------------------------------------


def _cell(value: Any, width: int) -> str:
    if value is None:
        return "-".rjust(width)
    if isinstance(value, float):
        text_ = f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"
        return text_.rjust(width)
    return f"{value:,}".rjust(width) if isinstance(value, int) else str(value).rjust(width)


HTTP_COLUMNS = (("ok/s", "ok_per_s", 9), ("p50 ms", "p50_ms", 8), ("p99 ms", "p99_ms", 8), ("errors", "errors", 7))
HTTP_COLUMNS_DETAIL = (("srv ms/req", "server_cpu_ms_per_req", 10), ("wrk cpu", "client_cpu_share", 7))


def http_table(medians: dict[str, dict[str, dict[str, Any]]], labels: list[str]) -> list[str]:
    keys = sorted(
        {key for label in labels for key in medians.get(label, {}) if "/" in key and not key.startswith("live")},
        key=lambda k: (k.split("/")[1], [w.name for w in HTTP_WORKLOADS].index(k.split("/")[0])),
    )
    columns = (*HTTP_COLUMNS, *HTTP_COLUMNS_DETAIL)
    header = f"{'workload':<20}" + "".join(f" | {label:<{sum(w + 1 for _, _, w in columns) - 1}}" for label in labels)
    sub = f"{'':<20}" + "".join(" | " + " ".join(name.rjust(w) for name, _, w in columns) for _ in labels)
    if len(labels) == 2:
        header += " | current/ref"
        sub += " | ok/s   p99"
    lines = [header, sub]
    for key in keys:
        row = f"{key:<20}"
        for label in labels:
            figures = medians.get(label, {}).get(key, {})
            row += " | " + " ".join(_cell(figures.get(field_), w) for _, field_, w in columns)
        if len(labels) == 2:
            ref, cur = (medians.get(label, {}).get(key, {}) for label in labels)
            row += (
                " | "
                + _ratio(cur.get("ok_per_s"), ref.get("ok_per_s"))
                + " "
                + _ratio(cur.get("p99_ms"), ref.get("p99_ms"))
            )
        lines.append(row)
    return lines


def _ratio(numerator: float | None, denominator: float | None) -> str:
    if not numerator or not denominator:
        return "-".rjust(6)
    return f"{numerator / denominator:.2f}x".rjust(6)


def engine_lines(medians: dict[str, dict[str, dict[str, Any]]], labels: list[str]) -> list[str]:
    engine = medians.get(labels[-1], {}).get("engine")
    if not engine:
        return []
    rate, best = engine["bookings_per_s"], engine.get("reference_bookings_per_s")
    lines = [
        f"engine alone (booking service, {ENGINE_CONCURRENCY} bookers, this process): {rate:,.1f} bookings/s",
        f"one-statement reference booking (booking_engine.py), {ENGINE_CONCURRENCY} bookers: {best:,.1f} bookings/s",
    ]
    for label in labels:
        for key, figures in sorted(medians.get(label, {}).items()):
            if key.startswith("book_4/"):
                api = figures["bookings_per_s"]
                lines.append(
                    f"  {label} bookEvent at 4 clients ({key.split('/')[1]}): {api:,.1f}/s = "
                    f"{api / rate:.0%} of the engine, {api / best:.0%} of the reference"
                )
    return lines


LIVE_ROWS = (
    ("simulation without subscribers, s", "sim_s_without"),
    ("simulation with subscribers, s", "sim_s_with"),
    ("slowdown (with / without)", "slowdown"),
    ("server RSS before subscribing, MB", "rss_mb_start"),
    ("server RSS subscribed, MB", "rss_mb_subscribed"),
    ("server RSS after the run, MB", "rss_mb_after"),
    ("server RSS after unsubscribing, MB", "rss_mb_unsubscribed"),
    ("seconds until all on the final state", "settle_s"),
    ("subscribers on the final state", "on_final_state"),
    ("subscribers failed", "failed_subscribers"),
    ("snapshots received", "snapshots_received"),
    ("benchmark's CPU share while simulating", "client_cpu_share"),
)


def live_lines(medians: dict[str, dict[str, dict[str, Any]]], labels: list[str]) -> list[str]:
    keys = sorted({key for label in labels for key in medians.get(label, {}) if key.startswith("live/")})
    lines: list[str] = []
    for key in keys:
        first = next(medians[label][key] for label in labels if key in medians.get(label, {}))
        lines.append(f"live ({key.split('/')[1]}): {first['subscribers']} subscribers, {first['bookers']} bookers")
        lines.append(f"  {'':<40}" + "".join(f"{label:>12}" for label in labels))
        for title, field_ in LIVE_ROWS:
            cells = "".join(_cell(medians.get(label, {}).get(key, {}).get(field_), 12) for label in labels)
            lines.append(f"  {title:<40}{cells}")
    return lines


# Issue 9's aims on this machine; "back to baseline" is taken as within BASELINE_SLACK_MB of the RSS before.
BASELINE_SLACK_MB = 30.0


def aims(figures: dict[str, dict[str, Any]], engine_rate: float | None) -> list[tuple[str, str, bool]]:
    """(aim, measured, met) for each of issue 9's aims this run measured, from one checkout's medians."""
    found: list[tuple[str, str, bool]] = []
    book_4, book_300 = figures.get("book_4/1w"), figures.get("book_300/1w")
    if book_4 and engine_rate:
        share = book_4["bookings_per_s"] / engine_rate
        found.append(("bookEvent, 4 clients, 1 worker: >= 60% of the engine alone", f"{share:.0%}", share >= 0.6))
    if book_300 and book_300.get("p99_ms") is not None:
        p99, errors = book_300["p99_ms"], book_300["errors"]
        measured = f"{p99:,.0f} ms, {errors} errors"
        found.append(("bookEvent, 300 clients, 1 worker: p99 < 1 s, no errors", measured, p99 < 1000 and errors == 0))
    for workers, floor in (("1w", 2000), ("2w", 4100)):
        read = figures.get(f"read_event/{workers}")
        if read:
            rate = read["ok_per_s"]
            found.append((f"event(id), 16 clients, {workers}: >= {floor:,} req/s", f"{rate:,.0f}", rate >= floor))
    live = figures.get("live/1w")
    if live:
        slowdown = live.get("slowdown")
        found.append(("simulation with subscribers <= 2x without", f"{slowdown}x", bool(slowdown and slowdown <= 2)))
        growth = live["rss_mb_growth"]
        found.append(("RSS growth <= 150 MB", f"{growth:+,.0f} MB", growth <= 150))
        left = live.get("rss_mb_unsubscribed")
        back = left is not None and left - live["rss_mb_start"] <= BASELINE_SLACK_MB
        found.append(("RSS back to baseline after they leave", f"{left} MB (from {live['rss_mb_start']})", back))
        final = live.get("on_final_state")
        everyone = final == live["subscribers"]
        found.append(("every subscriber ends on the final state", f"{final}/{live['subscribers']}", everyone))
    return found


def aims_lines(medians: dict[str, dict[str, dict[str, Any]]], labels: list[str]) -> list[str]:
    engine = medians.get(labels[-1], {}).get("engine", {}).get("bookings_per_s")
    lines: list[str] = []
    for label in labels:
        checked = aims(medians.get(label, {}), engine)
        if checked:
            lines.append(f"issue 9 aims, {label}:")
            lines += [f"  {'met    ' if met else 'NOT met'}  {aim}: {value}" for aim, value, met in checked]
    return lines


def report(bench: Bench) -> dict[str, Any]:
    medians = bench.medians()
    labels = [target.label for target in bench.targets]
    print()
    print(
        "Medians of",
        bench.options.rounds,
        "round(s);",
        ", ".join(f"{t.label} = {t.checkout.commit()}" for t in bench.targets),
    )
    sections = (http_table, engine_lines, live_lines, aims_lines)
    for line in [line for section in sections for line in ["", *section(medians, labels)]]:
        print(line)
    options = {k: (str(v) if isinstance(v, Path) else v) for k, v in bench.options.__dict__.items()}
    return {
        "commits": {t.label: t.checkout.commit() for t in bench.targets},
        "options": options,
        "medians": medians,
    }


# --- setup and teardown ----------------------------------------------------------------------------------


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


async def _run(bench: Bench) -> dict[str, Any]:
    try:
        await bench.run()
        return report(bench)
    finally:
        for target in bench.targets:
            await target.database.engine.dispose()


@contextlib.contextmanager
def bench_environment(options: Options, checkouts: Sequence[Checkout]) -> Iterator[Bench]:
    """A temporary directory, one embedded PostgreSQL with a database per checkout, and a Bench over them;
    every server the Bench started and the PostgreSQL are stopped on the way out, whatever happened."""
    wrk_binary()
    signal.signal(signal.SIGTERM, _interrupt)
    started: list[Server] = []
    with tempfile.TemporaryDirectory(prefix="boxoffice-http-load-", ignore_cleanup_errors=True) as tmp:
        workdir = Path(tmp)
        postgres = EmbeddedPostgres(workdir, max_connections=1000)
        try:
            postgres.start("postgres")
            targets = []
            for checkout in checkouts:
                name = f"bench_{checkout.label}"
                postgres.psql(f'CREATE DATABASE "{name}";')
                url = postgres.url(name)
                targets.append(Target(checkout, url, workdir / checkout.label, Database(Settings(database_url=url))))
            yield Bench(options, workdir, targets, secrets.token_urlsafe(32), started)
        finally:
            for server in started:
                server.stop()
            postgres.stop()


def checkouts_of(options: Options) -> list[Checkout]:
    return ([Checkout.reference(options.ref)] if options.ref else []) + [Checkout.current()]


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_args(argv)
    with bench_environment(options, checkouts_of(options)) as bench:
        result = event_loop_runner()(_run(bench))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
