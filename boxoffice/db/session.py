"""One async engine per process, its session factory, and the database it points at."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from boxoffice.config import Settings
from boxoffice.db.embedded import EmbeddedPostgres

logger = logging.getLogger(__name__)


def resolve_database_url(settings: Settings) -> tuple[str, EmbeddedPostgres | None]:
    """The URL to use, starting (or joining) the embedded server when DATABASE_URL is unset."""
    if settings.database_url:
        url = settings.database_url
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+asyncpg://" + url.split("://", 1)[1]
        return url, None
    embedded = EmbeddedPostgres(settings.data_dir, settings.embedded_max_connections)
    embedded.start(settings.database_name)
    return embedded.url(settings.database_name), embedded


def describe_url(url: str) -> str:
    """The URL without its password, for start-up messages."""
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, location = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}@{location}"


class Database:
    """The engine and session factory of this process, plus the embedded server it may hold."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url, self.embedded = resolve_database_url(settings)
        self.engine: AsyncEngine = create_async_engine(
            self.url,
            pool_size=settings.pool_size,
            max_overflow=settings.pool_max_overflow,
            pool_pre_ping=False,
            pool_timeout=60,
        )
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def pool_capacity(self) -> int:
        return self.settings.pool_size + self.settings.pool_max_overflow

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    async def close(self) -> None:
        await self.engine.dispose()
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None
