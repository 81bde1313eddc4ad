"""Benchmark: Boxoffice as clients see it, a real `boxoffice serve` under HTTP (wrk) and WebSocket load.

    python bench/http_load.py                   # everything, 1 and 2 workers, 3 rounds (about 8 minutes)
    python bench/http_load.py --quick           # a small smoke run (about 2 minutes)
    python bench/http_load.py --ref /work/ref   # the same against another checkout, alternating (15-20 min)
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
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
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
from load_report import aims_lines, engine_lines, http_table, live_lines, median_of
from servers import Checkout, Server
from sqlalchemy import text
from wrk_load import CANCEL_SLOT, WrkResult, graphql_body, request_line, run_wrk, write_plan, wrk_binary

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
    server_env: dict[str, str]


def parse_args(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref", type=Path, help="another checkout (with its own .venv) to measure alongside")
    parser.add_argument("--rounds", type=int, help="rounds per workload; medians are reported (default 3)")
    parser.add_argument("--workers", help="comma-separated `serve --workers` values (default 1,2)")
    parser.add_argument("--only", help=f"comma-separated workloads (default all): {','.join(ALL_WORKLOADS)}")
    parser.add_argument("--duration", type=float, help="seconds per measurement (default 5)")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up before each measurement, 0 for none (1)")
    parser.add_argument("--events", type=int, default=1_000, help="published events seeded (default 1000)")
    parser.add_argument("--users", type=int, help="audience users with tokens (default 40000)")
    parser.add_argument("--hot-capacity", type=int, default=100, help="seats of each hot event (default 100)")
    parser.add_argument("--engine-bookings", type=int, help="bookings per engine measurement (default 3000)")
    parser.add_argument("--subscribers", type=int, help="live run: WebSocket subscribers (default 500)")
    parser.add_argument("--bookers", type=int, help="live run: simulated bookers (default 5000)")
    parser.add_argument("--live-timeout", type=float, default=300, help="longest wait for one simulation (300 s)")
    parser.add_argument("--quick", action="store_true", help="small smoke run: 1 round, 1 worker, short, small")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for every server (repeatable), e.g. BOXOFFICE_POOL_SIZE=16",
    )
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
        users=pick(args.users, 40_000, 4_000),
        hot_capacity=args.hot_capacity,
        engine_bookings=pick(args.engine_bookings, 3_000, 500),
        subscribers=pick(args.subscribers, 500, 40),
        bookers=pick(args.bookers, 5_000, 500),
        live_timeout=args.live_timeout,
        server_env=dict(_name_value(pair, parser) for pair in args.env),
    )


def _name_value(pair: str, parser: argparse.ArgumentParser) -> tuple[str, str]:
    name, equals, value = pair.partition("=")
    if not equals or not name:
        parser.error(f"--env wants NAME=VALUE, not {pair!r}")
    return name, value


def mixed_plan(reads: list[str], event_id: int, users: list[tuple[int, str]]) -> list[str]:
    """Per booker: 7 event reads, the events page, the booking, and a cancel of the oldest booking not cancelled."""
    booking = graphql_body(BOOK_CANCELLABLE, {"id": str(event_id)})
    page = request_line(graphql_body(EVENTS_PAGE))
    lines: list[str] = []
    for n, (user_id, token) in enumerate(users):
        lines += [reads[(n * 7 + k) % len(reads)] for k in range(7)]
        lines += [page, request_line(booking, token, user_id), CANCEL_SLOT]
    return lines


@dataclass(frozen=True)
class ServerCpu:
    """CPU seconds of a server's processes over a run, and from its start until the server was idle again."""

    during: float
    until_idle: float


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
                Server.start,
                target.checkout,
                workers,
                target.database_url,
                target.data_dir,
                self.secret,
                self.options.server_env,
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
        """Each wrk thread's requests; booking workloads get a fresh hot event and each thread its own users."""
        seed = target.seeded()
        ids = seed.event_ids[:]
        random.Random(workload.name).shuffle(ids)
        reads = [request_line(graphql_body(READ_EVENT, {"id": str(i)})) for i in ids]
        if workload.kind == "read_event":
            return [reads[t::threads] for t in range(threads)]
        if workload.kind == "events_page":
            return [[request_line(graphql_body(EVENTS_PAGE))] for _ in range(threads)]
        event = await target.hot_event(self.options.hot_capacity)
        users = list(zip(seed.user_ids, seed.tokens, strict=True))
        if workload.kind == "book":
            body = graphql_body(BOOK, {"id": str(event)})
            return [[request_line(body, token) for _, token in users[t::threads]] for t in range(threads)]
        return [mixed_plan(reads, event, users[t::threads][:MIXED_BOOKERS_PER_THREAD]) for t in range(threads)]

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

    async def wrk(self, target: Target, workload: Workload, seconds: float) -> tuple[WrkResult, ServerCpu]:
        """One wrk run on fresh plans, once the servers are idle; the result and the server's CPU seconds."""
        threads = min(2, workload.connections)
        prefix = self.workdir / f"plan-{target.label}-{workload.name}"
        write_plan(prefix, await self.plans(target, workload, threads))
        await self.quiesce()
        server = target.running()
        cpu_before = server.cpu_seconds()
        result = await run_wrk(f"{server.base_url}/graphql", prefix, workload.connections, threads, seconds)
        cpu_during = server.cpu_seconds() - cpu_before
        # wrk stops with up to one request per connection in flight; the server still works them off.
        await self.quiesce()
        cpu = ServerCpu(during=cpu_during, until_idle=server.cpu_seconds() - cpu_before)
        return result, cpu

    async def measure_http(self, target: Target, workload: Workload) -> dict[str, Any]:
        if self.options.warmup > 0:
            await self.wrk(target, workload, self.options.warmup)
        result, cpu = await self.wrk(target, workload, max(self.options.duration, workload.min_seconds))
        # The requests the server got: the answered ones and at most one in flight per connection at the end.
        sent = result.requests + workload.connections
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
            "shed": result.shed,
            "requests": result.requests,
            "bookings_per_s": round(result.bookings / result.seconds, 1),
            "cancels_per_s": round(result.cancels / result.seconds, 1),
            "server_cpu_ms_per_req": round(1000 * cpu.until_idle / sent, 3) if answered else None,
            "server_cpu_share": round(cpu.during / result.seconds, 2),
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
        return {"bookings_per_s": service, "reference_bookings_per_s": reference, "concurrency": ENGINE_CONCURRENCY}

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
        if subscriber.user_id is None:
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
            quiet_event = await target.hot_event(options.hot_capacity)
            server_cpu = server.cpu_seconds()
            without = await self.simulate(http, seed.admin_token, quiet_event)
            server_cpu = server.cpu_seconds() - server_cpu
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
            "server_cpu_s_without": round(server_cpu, 2),
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
            cpu_before, server_cpu_before = time.process_time(), server.cpu_seconds()
            watched = await self.simulate(http, target.seeded().admin_token, event_id)
            client_cpu = time.process_time() - cpu_before
            server_cpu = server.cpu_seconds() - server_cpu_before
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
            "server_cpu_s_with": round(server_cpu, 2),
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

    async def measure(self, target: Target, key: str, run: Callable[[], Awaitable[dict[str, Any]]]) -> None:
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
        for phase, workers in enumerate(options.workers):
            await self.start_servers(workers)
            try:
                for round_index in range(options.rounds):
                    log(f"--- {workers} worker(s), round {round_index + 1}/{options.rounds}")
                    await self.run_round(round_index, workers, with_engine=phase == 0)
                if phase == 0 and "live" in options.only:
                    for target in self.targets:
                        await self.measure(target, f"live/{workers}w", partial(self.measure_live, target))
            finally:
                self.stop_servers()

    async def run_round(self, round_index: int, workers: int, with_engine: bool) -> None:
        """Every HTTP workload on every target; the engine right after bookEvent at 4 clients (or last), so
        that the two it compares are measured as close together as they can be."""
        engine = with_engine and "engine" in self.options.only
        for workload in [w for w in HTTP_WORKLOADS if w.name in self.options.only]:
            for target in self.round_order(round_index):
                key = f"{workload.name}/{workers}w"
                await self.measure(target, key, partial(self.measure_http, target, workload))
            if engine and workload.name == "book_4":
                await self.measure_engine_of_current()
                engine = False
        if engine:
            await self.measure_engine_of_current()

    async def measure_engine_of_current(self) -> None:
        current = self.targets[-1]
        await self.measure(current, "engine", partial(self.measure_engine, current))

    def medians(self) -> dict[str, dict[str, dict[str, Any]]]:
        return {label: {key: median_of(runs) for key, runs in by_key.items()} for label, by_key in self.results.items()}


# --- report ---------------------------------------------------------------------------------------------


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
    try:
        with bench_environment(options, checkouts_of(options)) as bench:
            result = event_loop_runner()(_run(bench))
    except KeyboardInterrupt:
        print("interrupted: the servers and the database were stopped", file=sys.stderr)
        sys.exit(130)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
