"""Settings, all read from the environment (prefix ``BOXOFFICE_``, except ``DATABASE_URL``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "change-me-development-secret"
MIN_SECRET_BYTES = 32
GENERATE_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'
# Values people type when asked for a secret; refused in production whatever their length.
_WEAK_SECRETS = {
    DEVELOPMENT_SECRET,
    "secret",
    "changeme",
    "change-me",
    "change_me",
    "password",
    "passw0rd",
    "jwt-secret",
    "jwt_secret",
    "jwtsecret",
    "secret-key",
    "secret_key",
    "secretkey",
    "supersecret",
    "super-secret",
    "your-secret-key",
    "your-256-bit-secret",
    "boxoffice",
    "development",
    "test",
    "default",
}


def secret_problem(secret: str) -> str | None:
    """Why `secret` must not sign production tokens, or None when it is fit."""
    stripped = secret.strip()
    if not stripped:
        return "BOXOFFICE_JWT_SECRET is empty"
    lowered = stripped.lower()
    if lowered in _WEAK_SECRETS or lowered.rstrip("0123456789!") in _WEAK_SECRETS:
        return "BOXOFFICE_JWT_SECRET is a well-known placeholder value"
    if len(secret.encode()) < MIN_SECRET_BYTES:
        return f"BOXOFFICE_JWT_SECRET is shorter than {MIN_SECRET_BYTES} bytes"
    if len(set(secret)) < 8:
        return "BOXOFFICE_JWT_SECRET repeats too few distinct characters to be random"
    return None


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
    # Failed sign-ins (auth/throttle.py): per (email, client) pair, per client across emails (higher), and per
    # email from anywhere (past it, one attempt per interval), all over one window.
    login_max_failures: int = Field(default=5, ge=1)
    login_client_max_failures: int = Field(default=30, ge=1)
    login_email_max_failures: int = Field(default=20, ge=1)
    login_email_interval_seconds: float = Field(default=10.0, gt=0)
    login_window_seconds: int = Field(default=300, ge=1)
    register_max_per_client: int = Field(default=20, ge=1)
    register_window_seconds: int = Field(default=3600, ge=1)
    # Password hashes computed at once per process (each in a thread); more wait their turn.
    hash_concurrency: int = Field(default=4, ge=1)
    max_query_depth: int = Field(default=10, ge=2)
    max_aliases: int = Field(default=30, ge=1)
    max_tokens: int = Field(default=2_000, ge=50)
    max_page_size: int = Field(default=100, ge=1)
    max_body_bytes: int = Field(default=100_000, ge=1_000)
    # Per WebSocket connection: operations running at once; per client address: open connections (api/ws_limits.py).
    ws_max_operations: int = Field(default=20, ge=1)
    ws_max_connections_per_client: int = Field(default=256, ge=1)
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

    # Offers (the OFFER waitlist policy): how long an "offer minute" lasts, in seconds (tests and demos shorten
    # it so that offerMinutes=2 means a couple of seconds), and how often each process sweeps for due offers.
    offer_minute_seconds: float = Field(default=60.0, gt=0)
    offer_sweep_seconds: float = Field(default=1.0, gt=0)

    # GraphiQL at GET /graphql and schema introspection; unset: on, except in production.
    graphiql: bool | None = None
    introspection: bool | None = None
    # Peers whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated IPs or CIDRs, `*` for any).
    # Empty: nobody's, so the client address is the TCP peer's and cannot be spoofed with a header.
    forwarded_allow_ips: str = ""

    @property
    def graphiql_enabled(self) -> bool:
        return self.graphiql if self.graphiql is not None else self.environment != "production"

    @property
    def introspection_enabled(self) -> bool:
        return self.introspection if self.introspection is not None else self.environment != "production"

    @model_validator(mode="after")
    def _refuse_weak_secret_in_production(self) -> Settings:
        if self.environment != "production":
            return self
        problem = secret_problem(self.jwt_secret)
        if problem is not None:
            raise ValueError(
                f"{problem}: production needs a random secret of at least {MIN_SECRET_BYTES} bytes; "
                f"generate one with\n    {GENERATE_SECRET}\nand set it as BOXOFFICE_JWT_SECRET"
            )
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
