"""Settings, all read from the environment (prefix ``BOXOFFICE_``, except ``DATABASE_URL``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "change-me-development-secret"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BOXOFFICE_", extra="ignore", populate_by_name=True)

    environment: Literal["development", "production", "test"] = "development"
    # Unset: an embedded PostgreSQL is started under data_dir.
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "BOXOFFICE_DATABASE_URL")
    )
    data_dir: Path = Path(".boxoffice")
    database_name: str = "boxoffice"
    # A hot event books fastest with few connections (see DESIGN.md); the pool bounds every burst.
    pool_size: int = Field(default=8, ge=1, le=200)
    pool_max_overflow: int = Field(default=4, ge=0, le=200)
    embedded_max_connections: int = Field(default=1000, ge=50)

    jwt_secret: str = DEVELOPMENT_SECRET
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    jwt_issuer: str = "boxoffice"
    jwt_audience: str = "boxoffice-api"
    token_ttl_minutes: int = Field(default=60 * 12, ge=1)
    # bcrypt cost; tests and simulations lower it, since each step doubles the hashing time.
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)

    simulate_max_users: int = Field(default=20_000, ge=1)
    # Off: simulated (synthetic) bookings commit without waiting for the WAL flush; see booking/simulate.py.
    simulate_durable_commits: bool = False
    login_max_failures: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=300, ge=1)
    max_query_depth: int = Field(default=10, ge=2)
    max_aliases: int = Field(default=30, ge=1)
    max_tokens: int = Field(default=2_000, ge=50)
    max_page_size: int = Field(default=100, ge=1)
    max_body_bytes: int = Field(default=100_000, ge=1_000)
    # gc.freeze() after startup in served workers (boxoffice/app.py).
    gc_freeze: bool = True
    # uvicorn's line per request: off by default, it costs a few percent of a cached read.
    access_log: bool = False
    # Bounded overload (api/overload.py): HTTP requests wait for the database in one line per worker; a request
    # finding this many already waiting, or still waiting after this long, is refused with RATE_LIMITED.
    overload_max_waiting: int = Field(default=500, ge=0)
    overload_max_wait_seconds: float = Field(default=10.0, gt=0)
    # Public event reads and pages served from memory, invalidated by LISTEN/NOTIFY (boxoffice/live/read_cache.py).
    read_cache: bool = True

    @model_validator(mode="after")
    def _refuse_development_secret_in_production(self) -> Settings:
        if self.environment == "production" and self.jwt_secret == DEVELOPMENT_SECRET:
            raise ValueError("BOXOFFICE_JWT_SECRET must be set to a real secret in production")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
