"""/health asks the database on a connection of its own: with every pooled connection busy, it still answers."""

from __future__ import annotations

from contextlib import AsyncExitStack

import httpx

from boxoffice.app import create_app
from boxoffice.config import Settings
from boxoffice.db.session import Database


async def test_health_answers_while_every_pooled_connection_is_busy(api_settings: Settings, db: Database) -> None:
    settings = api_settings.model_copy(update={"pool_size": 2, "pool_max_overflow": 0})
    database = Database(settings)
    app = create_app(settings, database=database)
    try:
        async with AsyncExitStack() as held:
            # A loaded server: the request pool is exhausted.
            for _ in range(database.pool_capacity):
                await held.enter_async_context(database.engine.connect())
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=30) as http:
                response = await http.get("/health")
        assert (response.status_code, response.json()) == (200, {"status": "ok"})
    finally:
        await app.state.health.close()
        await database.close()


async def test_health_is_503_when_the_database_does_not_answer(api_settings: Settings, db: Database) -> None:
    settings = api_settings.model_copy(update={"database_url": "postgresql+asyncpg://nobody@127.0.0.1:9/none"})
    database = Database(settings)
    app = create_app(settings, database=database)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=30) as http:
            response = await http.get("/health")
        assert (response.status_code, response.json()) == (503, {"status": "unavailable"})
    finally:
        await database.close()
