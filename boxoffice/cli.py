"""The `boxoffice` command: serve, migrate, seed, simulate, purge-synthetic, schema. Each command calls services."""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import signal
import sys
from collections.abc import Awaitable, Callable
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar

from boxoffice.config import Settings, get_settings
from boxoffice.db.migrate import migrate
from boxoffice.db.session import Database, describe_url
from boxoffice.errors import DomainError

if TYPE_CHECKING:
    from boxoffice.booking.simulate import SimulationResult

T = TypeVar("T")


class _Stopped(Exception):
    """SIGTERM, turned into an exception so the embedded database still gets closed on the way out."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="boxoffice", description="Boxoffice, a GraphQL event-ticketing API.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="migrate, seed the demo data into an empty database, and serve")
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    demo = serve.add_mutually_exclusive_group()
    demo.add_argument("--no-demo", action="store_true", help="do not seed the demo data")
    demo.add_argument(
        "--demo", action="store_true", help="seed the demo data even in production (it is off there by default)"
    )

    commands.add_parser("migrate", help="upgrade the database schema to the latest version")
    commands.add_parser("seed", help="seed the demo logins and events, only into a database without users")

    simulate = commands.add_parser("simulate", help="N synthetic users book one event at once; prints the report")
    simulate.add_argument("--event", type=int, required=True, help="id of a PUBLISHED event")
    simulate.add_argument("--users", type=int, required=True, help="number of simulated bookers")
    simulate.add_argument("--json", action="store_true", help="print the report as JSON, as the mutation answers it")

    commands.add_parser("purge-synthetic", help="delete the synthetic users of past simulations and their bookings")

    admin = commands.add_parser(
        "create-admin", help="create an ADMIN account; the password is read from a prompt, or from stdin if piped"
    )
    admin.add_argument("--email", required=True, help="the admin's email, used to sign in")
    admin.add_argument("--name", default="Admin", help="display name (default Admin)")
    commands.add_parser("schema", help="print the GraphQL schema (SDL), as committed in schema.graphql")
    args = parser.parse_args(argv)
    if args.command == "serve" and args.workers < 1:
        parser.error("--workers must be at least 1")
    return args


def _describe_database(database: Database) -> str:
    where = describe_url(database.url)
    if database.embedded is not None:
        return f"{where} (embedded PostgreSQL, data in {database.settings.data_dir.resolve()})"
    return where


def _with_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Open the database (starting the embedded server if needed), run `work`, and always close it again."""
    from boxoffice.booking.ledger import set_offer_minute

    # Offers this command makes (a purge hands seats on) last as long as the server's would.
    set_offer_minute(settings.offer_minute_seconds)
    database = Database(settings)
    try:
        return asyncio.run(_then_dispose(database, work))
    finally:
        asyncio.run(database.close())


async def _then_dispose(database: Database, work: Callable[[Database], Awaitable[T]]) -> T:
    try:
        return await work(database)
    finally:
        # The pool's connections belong to this event loop; the next loop (uvicorn's) opens its own.
        await database.engine.dispose()


async def _migrate(database: Database) -> None:
    await migrate(database.engine)


async def _seed(database: Database) -> bool:
    from boxoffice.seed.demo import seed_demo

    await migrate(database.engine)
    async with database.session() as session:
        return (await seed_demo(session, bcrypt_rounds=database.settings.bcrypt_rounds)).seeded


def _print_demo(seeded: bool) -> None:
    from boxoffice.seed.demo import DEMO_EVENTS, DEMO_LOGINS

    if not seeded:
        print("  demo data: not seeded, the database already has users")
        return
    print(f"  demo data: seeded {len(DEMO_LOGINS)} logins and {len(DEMO_EVENTS)} published events")
    for login in DEMO_LOGINS:
        print(f"    {login.email:<24} {login.password:<14} {login.role.value}")


def _seeds_demo(args: argparse.Namespace, settings: Settings) -> bool:
    """Demo logins are public knowledge: in production only when asked for with --demo."""
    if args.no_demo:
        return False
    return args.demo or settings.environment != "production"


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from boxoffice.api.http_protocol import CoalescingHttpToolsProtocol

    settings = get_settings()
    seeds_demo = _seeds_demo(args, settings)
    # This process holds the embedded server for the whole run, so it outlives every worker's handle.
    database = Database(settings)
    signal.signal(signal.SIGTERM, _raise_stopped)
    try:
        print("Boxoffice starting", flush=True)
        print(f"  database: {_describe_database(database)}", flush=True)
        seeded = asyncio.run(_then_dispose(database, _seed if seeds_demo else _migrate))
        print("  migrations: up to date")
        if args.no_demo:
            print("  demo data: skipped (--no-demo)")
        elif not seeds_demo:
            print("  demo data: not seeded in production (pass --demo to seed it);")
            print("    create the first admin with: boxoffice create-admin --email you@example.com")
        else:
            _print_demo(bool(seeded))
        base = f"http://{args.host}:{args.port}"
        print(f"  serving: {base}/  (GraphQL playground: {base}/graphql) with {args.workers} worker(s)")
        print("  press Ctrl-C to stop", flush=True)
        # Each worker's app opens its own pool on its own event loop and joins the embedded server; with
        # several workers uvicorn needs an import string anyway.
        uvicorn.run(
            "boxoffice.app:create_app",
            factory=True,
            # httptools, with a response's header and body writes sent as one (api/http_protocol.py).
            http=CoalescingHttpToolsProtocol,
            workers=args.workers,
            host=args.host,
            port=args.port,
            log_config=_log_config(),
            # X-Forwarded-* only from the configured proxies; uvicorn alone would trust 127.0.0.1.
            proxy_headers=bool(settings.forwarded_allow_ips.strip()),
            forwarded_allow_ips=settings.forwarded_allow_ips.strip() or "",
            access_log=settings.access_log,
            # Pushes are small JSON texts sent to many subscribers: compressing each per connection cost more
            # CPU than it saved bytes (see bench/README.md, "Live fan-out").
            ws_per_message_deflate=False,
            # WebSocket frames no larger than an HTTP body may be (uvicorn's default is 16 MiB).
            ws_max_size=settings.max_body_bytes + 1_024,
        )
    except (KeyboardInterrupt, _Stopped):
        pass  # uvicorn has shut down gracefully and re-raised the signal; stopping is what was asked for
    finally:
        asyncio.run(database.close())
        print("Boxoffice stopped", flush=True)
    return 0


def _log_config() -> dict[str, Any]:
    """uvicorn's logging, plus Boxoffice's own loggers (request ids of masked errors, dropped subscribers)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["boxoffice"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    raise _Stopped()


def simulation_report(result: SimulationResult) -> dict[str, Any]:
    """The report as the simulateBookings mutation answers it: its SimulationReport fields, camelCase, same values."""
    from strawberry.schema.name_converter import NameConverter
    from strawberry.types.base import get_object_definition

    from boxoffice.schema.types import SimulationReport

    report = SimulationReport.from_result(result)
    names = NameConverter()
    fields = get_object_definition(SimulationReport, strict=True).fields
    return {names.get_graphql_name(field): getattr(report, field.python_name) for field in fields}


def format_simulation_report(report: dict[str, Any]) -> str:
    """One `name  value` line per field, the names and values of the mutation's answer (JSON-style literals)."""
    width = max(len(name) for name in report) + 2
    lines = [f"simulateBookings report for event {report.get('eventId')}"]
    for name, value in report.items():
        shown = value if isinstance(value, str) else json.dumps(value)
        lines.append(f"  {name:<{width}}{shown}")
    return "\n".join(lines)


def simulate(args: argparse.Namespace) -> int:
    from boxoffice.auth.actor import Actor
    from boxoffice.booking.simulate import simulate_bookings

    settings = get_settings()

    async def run(database: Database) -> SimulationResult:
        await migrate(database.engine)
        return await simulate_bookings(database, Actor.system(), args.event, args.users, settings.simulate_max_users)

    report = simulation_report(_with_database(settings, run))
    print(json.dumps(report, indent=2) if args.json else format_simulation_report(report))
    return 0


def purge_synthetic(args: argparse.Namespace) -> int:
    from boxoffice.auth.actor import Actor
    from boxoffice.booking.synthetic import purge_synthetic_users

    async def run(database: Database) -> str:
        await migrate(database.engine)
        async with database.session() as session:
            result = await purge_synthetic_users(session, Actor.system())
        return (
            f"purged {result.users} synthetic users and their {result.bookings} active bookings on {result.events} "
            f"events, freeing {result.seats_freed} seats; {result.promoted} waitlisted bookings promoted (or offered) "
            "into them"
        )

    print(_with_database(get_settings(), run))
    return 0


def seed(args: argparse.Namespace) -> int:
    seeded = _with_database(get_settings(), _seed)
    _print_demo(seeded)
    return 0


def migrate_command(args: argparse.Namespace) -> int:
    _with_database(get_settings(), _migrate)
    print("migrations: up to date")
    return 0


def _read_password(prompt: str = "Password: ") -> str:
    """From a prompt (twice, to catch typos) on a terminal; else the first line of stdin."""
    import getpass

    if sys.stdin.isatty():
        password = getpass.getpass(prompt)
        if getpass.getpass("Repeat it: ") != password:
            raise DomainError("the two passwords differ")
        return password
    return sys.stdin.readline().rstrip("\r\n")


def create_admin(args: argparse.Namespace) -> int:
    from boxoffice.auth.service import create_admin as create

    password = _read_password()
    settings = get_settings()

    async def run(database: Database) -> str:
        await migrate(database.engine)
        async with database.session() as session:
            user = await create(session, args.email, password, args.name, bcrypt_rounds=settings.bcrypt_rounds)
        return f"created admin {user.email} (id {user.id}); sign in with this email and the password you gave"

    print(_with_database(settings, run))
    return 0


def schema_sdl() -> str:
    """The served schema in SDL, descriptions included: what `boxoffice schema > schema.graphql` commits."""
    from strawberry.printer import print_schema

    from boxoffice.schema.root import build_schema

    # The SDL does not depend on the environment (settings only tune the query limits), so no settings are read
    # and none are validated: printing the schema needs no secret and no database.
    return print_schema(build_schema(Settings.model_construct())) + "\n"


def schema_command(args: argparse.Namespace) -> int:
    sys.stdout.write(schema_sdl())
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "serve": serve,
    "migrate": migrate_command,
    "seed": seed,
    "simulate": simulate,
    "purge-synthetic": purge_synthetic,
    "create-admin": create_admin,
    "schema": schema_command,
}


def main(argv: list[str] | None = None) -> None:
    from pydantic import ValidationError

    args = parse_args(argv)
    try:
        code = COMMANDS[args.command](args)
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        code = 1
    except ValidationError as error:
        # Settings refused the environment (e.g. a weak secret in production): say why, without a traceback.
        for problem in error.errors():
            print(f"error: {problem['msg'].removeprefix('Value error, ')}", file=sys.stderr)
        code = 2
    sys.exit(code)
