"""Benchmark: N simulated bookers on one published event, directly and (optionally) via the GraphQL mutation.

    python bench/simulate.py --users 10000 --capacity 100 [--workers 4] [--graphql]

Uses DATABASE_URL when set, else an embedded PostgreSQL in a temporary data directory. The last line
printed is the report as JSON. This is a measurement, not a test: it asserts nothing beyond printing.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from event_loop import event_loop_runner
from sqlalchemy import text

from boxoffice.auth.actor import Actor
from boxoffice.booking.simulate import simulate_bookings
from boxoffice.config import Settings
from boxoffice.db.migrate import migrate
from boxoffice.db.session import Database, describe_url

T = TypeVar("T")

BENCH_ADMIN_EMAIL = "bench-admin@example.com"
BENCH_ADMIN_PASSWORD = "bench-admin-password"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=10_000, help="simulated bookers (default 10000)")
    parser.add_argument("--capacity", type=int, default=100, help="seats of the event (default 100)")
    parser.add_argument("--workers", type=int, default=None, help="concurrent bookers (default: the built-in)")
    parser.add_argument("--graphql", action="store_true", help="also time the simulateBookings mutation over ASGI")
    return parser.parse_args(argv)


async def create_event(database: Database, capacity: int) -> int:
    """An organizer and a published event starting in a week."""
    async with database.engine.begin() as connection:
        organizer_id = (
            await connection.execute(
                text(
                    "INSERT INTO users (email, name, role, password_hash) "
                    "VALUES ('bench-' || gen_random_uuid() || '@example.com', 'Bench organizer', 'ORGANIZER', 'x') "
                    "RETURNING id"
                )
            )
        ).scalar_one()
        return int(
            (
                await connection.execute(
                    text(
                        "INSERT INTO events (organizer_id, title, description, venue, starts_at, capacity, "
                        "seats_remaining, status) VALUES (:organizer, 'Benchmark rush', '', 'Bench hall', :starts, "
                        ":capacity, :capacity, 'PUBLISHED') RETURNING id"
                    ),
                    {"organizer": organizer_id, "starts": datetime.now(UTC) + timedelta(days=7), "capacity": capacity},
                )
            ).scalar_one()
        )


def print_report(label: str, report: dict[str, Any]) -> None:
    print(
        f"{label}: {report['bookers']} bookers in {report['duration_ms'] / 1000:.2f} s "
        f"= {report['bookings_per_second']:.0f} bookings/s; confirmed {report['confirmed']}, "
        f"waitlisted {report['waitlisted']}, failed {report['failed']}, overbooked {report['overbooked']}"
    )


async def bench_graphql(settings: Settings, database: Database, users: int, capacity: int) -> dict[str, Any]:
    """The same run through `simulateBookings` as an ADMIN, timed from the request to the report."""
    import httpx

    from boxoffice.app import create_app
    from boxoffice.auth.passwords import hash_password

    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO users (email, name, role, password_hash) VALUES (:email, 'Bench admin', 'ADMIN', :hash) "
                "ON CONFLICT DO NOTHING"
            ),
            {"email": BENCH_ADMIN_EMAIL, "hash": await hash_password(BENCH_ADMIN_PASSWORD, settings.bcrypt_rounds)},
        )
    event_id = await create_event(database, capacity)
    app = create_app(settings=settings, database=database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=600) as client:
        login = await client.post(
            "/graphql",
            json={
                "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
                "variables": {"e": BENCH_ADMIN_EMAIL, "p": BENCH_ADMIN_PASSWORD},
            },
        )
        token = login.json()["data"]["login"]["token"]
        started = time.perf_counter()
        response = await client.post(
            "/graphql",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "query": "mutation($id: ID!, $n: Int!) { simulateBookings(eventId: $id, users: $n) { "
                "eventId bookers confirmed waitlisted failed seatsRemaining waitlistLength durationMs "
                "bookingsPerSecond overbooked } }",
                "variables": {"id": str(event_id), "n": users},
            },
        )
        elapsed = time.perf_counter() - started
    body = response.json()
    if "errors" in body:
        raise SystemExit(f"simulateBookings failed: {body['errors']}")
    report = body["data"]["simulateBookings"]
    return {
        "event_id": int(report["eventId"]),
        "bookers": report["bookers"],
        "confirmed": report["confirmed"],
        "waitlisted": report["waitlisted"],
        "failed": report["failed"],
        "seats_remaining": report["seatsRemaining"],
        "waitlist_length": report["waitlistLength"],
        "duration_ms": elapsed * 1000,
        "server_duration_ms": report["durationMs"],
        "bookings_per_second": users / elapsed,
        "overbooked": report["overbooked"],
    }


async def run(args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    settings = Settings(data_dir=data_dir, database_name="boxoffice_bench")
    database = Database(settings)
    try:
        print(f"database: {describe_url(database.url)}", file=sys.stderr)
        await migrate(database.engine)
        event_id = await create_event(database, args.capacity)
        result = await simulate_bookings(
            database, Actor.system(), event_id, args.users, settings.simulate_max_users, workers=args.workers
        )
        report: dict[str, Any] = {"via": "direct", **dataclasses.asdict(result)}
        print_report("direct", report)
        if args.graphql:
            report = {"via": "graphql", **await bench_graphql(settings, database, args.users, args.capacity)}
            print_report("graphql", report)
        return report
    finally:
        await database.close()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="boxoffice-bench-") as tmp:
        # With DATABASE_URL set that server is used as is; else the embedded one lives and dies with this run.
        report = event_loop_runner()(run(args, Path(tmp)))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
