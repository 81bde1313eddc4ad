"""The FastAPI application: GraphQL at /graphql, health at /health, the frontend at /."""

from __future__ import annotations

import gc
import inspect
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.routing import Route
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from boxoffice.api.context import make_context_getter
from boxoffice.api.headers import SecurityHeaders
from boxoffice.api.health import HealthProbe
from boxoffice.api.http_post import GraphQLPost
from boxoffice.api.limits import BodySizeLimit
from boxoffice.api.overload import Admission
from boxoffice.api.playground import BoxofficeGraphQLRouter
from boxoffice.auth.passwords import limit_concurrent_hashing
from boxoffice.auth.throttle import AuthThrottle
from boxoffice.auth.tokens import TokenCodec
from boxoffice.booking.ledger import set_offer_minute
from boxoffice.booking.sweeper import OfferSweeper
from boxoffice.config import Settings, get_settings
from boxoffice.db.migrate import migrate
from boxoffice.db.session import Database
from boxoffice.live import LiveHub
from boxoffice.live.read_cache import PublicReadCache
from boxoffice.schema.root import build_schema

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"


def _without_telemetry() -> dict[str, Any]:
    """FastAPI's built-in OpenTelemetry hooks look up the global providers on every request (~3% of a cached
    read) even when nothing is configured; Boxoffice exports no telemetry, so they are switched off."""
    if "telemetry" not in inspect.signature(FastAPI.__init__).parameters:
        return {}
    return {"telemetry": {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}}


def _freeze_startup_objects() -> None:
    """Move everything built at startup (modules, the schema, the app) out of the garbage collector's sight.

    Without this every full collection walks hundreds of thousands of long-lived objects; requests allocate
    enough short-lived ones that collections are frequent (the collector was ~30% of a cached read's CPU).
    Only for a served app (its lifespan owns the database), never for apps built by tests.
    """
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """The app. Without `database`, its lifespan opens one (starting the embedded PostgreSQL if DATABASE_URL is
    unset), migrates it and closes it at shutdown; a `database` passed in is used as is and left open."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if database is not None:
            sweeper = OfferSweeper(database, settings.offer_sweep_seconds)
            try:
                _start_read_cache(app)
                sweeper.start()
                yield
            finally:
                await sweeper.close()
                await app.state.live_hub.close()
                await app.state.read_cache.close()
                await app.state.health.close()
            return
        owned = Database(settings)
        sweeper = OfferSweeper(owned, settings.offer_sweep_seconds)
        try:
            await migrate(owned.engine)
            app.state.database = owned
            if settings.gc_freeze:
                _freeze_startup_objects()
            _start_read_cache(app)
            # Every process sweeps: due offers expire within a sweep interval whichever workers are running.
            sweeper.start()
            yield
        finally:
            # The sweeper, the hub and the read cache use the database: they stop first.
            await sweeper.close()
            await app.state.live_hub.close()
            await app.state.read_cache.close()
            await app.state.health.close()
            await owned.close()

    def _start_read_cache(app: FastAPI) -> None:
        if settings.read_cache:
            # Serves from memory once its LISTEN connection is up; until then (and without it) reads go to the
            # database (DESIGN.md, "The public read cache").
            app.state.read_cache.start(app.state.database)

    app = FastAPI(title="Boxoffice", lifespan=lifespan, **_without_telemetry())
    app.state.settings = settings
    app.state.database = database
    # Listens from startup on; without a lifespan (ASGI tests) it never does, and every read goes to the database.
    app.state.read_cache = PublicReadCache()
    # As many places as the pool has connections: a request holding one never waits for the pool.
    app.state.admission = Admission(
        settings.pool_size + settings.pool_max_overflow,
        max_waiting=settings.overload_max_waiting,
        max_wait=settings.overload_max_wait_seconds,
    )
    app.state.tokens = TokenCodec.from_settings(settings)
    # How long an offer's minute lasts in this process (shortened by tests and demos).
    set_offer_minute(settings.offer_minute_seconds)
    app.state.auth_throttle = AuthThrottle.from_settings(settings)
    limit_concurrent_hashing(settings.hash_concurrency)
    # Subscriptions' fan-out; it starts listening on the first subscription (boxoffice/live).
    app.state.live_hub = LiveHub()

    schema = build_schema(settings)
    graphql = BoxofficeGraphQLRouter(
        schema,
        context_getter=make_context_getter(app.state),
        # Rendered by BoxofficeGraphQLRouter from the vendored assets (boxoffice/api/playground.py), not a CDN;
        # off by default in production (BOXOFFICE_GRAPHIQL).
        graphql_ide="graphiql" if settings.graphiql_enabled else None,
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
    )
    # POST /graphql first (ahead of FastAPI's docs routes too: each is a pattern match per request), straight to
    # Strawberry's ASGI view with the router's JSON hooks (boxoffice/api/http_post.py); the router serves GET and
    # WebSocket on the same path.
    post = Route("/graphql", endpoint=GraphQLPost(schema, app.state, like=graphql), methods=["POST"])
    app.router.routes.insert(0, post)
    app.include_router(graphql, prefix="/graphql")

    # Its own connection and a short timeout: a loaded but healthy server answers at once (api/health.py).
    app.state.health = HealthProbe()

    @app.get("/health")
    async def health() -> JSONResponse:
        if not await app.state.health.healthy(app.state.database):
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    # Outermost, so even a 413 from BodySizeLimit carries the headers.
    app.add_middleware(SecurityHeaders)
    # Last, so /graphql and /health win over any file of the same name.
    if STATIC_DIR.is_dir():
        app.mount("/", StaticFiles(directory=STATIC_DIR, html=True), name="static")
    return app
