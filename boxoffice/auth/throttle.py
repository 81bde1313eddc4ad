"""Throttling of sign-ins and sign-ups, counted in PostgreSQL so every worker and host shares one limit.

Failed sign-ins are counted under three keys, each over a window of `window_seconds`:

- (email, client): `pair_max` failures block this client from this account for the rest of the window. A burst of
  wrong passwords locks neither the real user on another machine nor other accounts on this one.
- client: `client_max` failures across any emails (a higher threshold) block the client: guessing many accounts
  from one machine.
- email: past `email_max` failures from any clients, the account is slowed rather than blocked: one attempt per
  `email_interval` seconds, whoever makes it, so distributed guessing crawls while the real user waits seconds.

Sign-ups are counted per client: `register_max` per window.

Every refusal is RATE_LIMITED with how long to wait. The counters live in the UNLOGGED table auth_throttle
(migration 0004); each check or count is one short statement on its own, outside any other transaction.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.config import Settings
from boxoffice.errors import RateLimited

# Rows whose window ended long ago are deleted now and then, so the table stays small.
_SWEEP_ONE_IN = 200

_STATE = text(
    "SELECT key, hits, next_allowed, "
    "  extract(epoch FROM window_started + make_interval(secs => :window) - now()) AS window_left, "
    "  extract(epoch FROM next_allowed - now()) AS slowed_left "
    "FROM auth_throttle WHERE key = ANY(:keys) AND window_started > now() - make_interval(secs => :window)"
)
_COUNT = text(
    "INSERT INTO auth_throttle AS t (key, hits, window_started) VALUES (:key, 1, now()) "
    "ON CONFLICT (key) DO UPDATE SET "
    "  hits = CASE WHEN t.window_started > now() - make_interval(secs => :window) THEN t.hits + 1 ELSE 1 END, "
    "  window_started = CASE WHEN t.window_started > now() - make_interval(secs => :window) "
    "    THEN t.window_started ELSE now() END, "
    "  next_allowed = CASE WHEN t.window_started > now() - make_interval(secs => :window) "
    "    THEN t.next_allowed ELSE NULL END "
    "RETURNING hits"
)
_SLOW = text(
    "UPDATE auth_throttle SET next_allowed = now() + make_interval(secs => :interval) "
    "WHERE key = :key AND (next_allowed IS NULL OR next_allowed <= now()) RETURNING key"
)
_CLEAR = text("DELETE FROM auth_throttle WHERE key = :key")
_SWEEP = text("DELETE FROM auth_throttle WHERE window_started < now() - make_interval(secs => :window)")


def _key(kind: str, *parts: str) -> str:
    # Hashed: the table holds no addresses or emails in the clear, and every key has one short length.
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"{kind}:{digest}"


def email_key(email: str) -> str:
    return _key("email", email.strip().lower())


def client_key(address: str | None) -> str:
    return _key("client", address or "unknown")


def pair_key(email: str, address: str | None) -> str:
    return _key("pair", email.strip().lower(), address or "unknown")


def reauth_key(email: str) -> str:
    return _key("reauth", email.strip().lower())


def register_key(address: str | None) -> str:
    return _key("register", address or "unknown")


def wait_words(seconds: float) -> str:
    """'1 second', '40 seconds', '5 minutes': how long to wait, rounded up."""
    whole = max(1, math.ceil(seconds))
    if whole < 90:
        return f"{whole} second{'s' if whole != 1 else ''}"
    minutes = math.ceil(whole / 60)
    return f"{minutes} minutes"


@dataclass(frozen=True)
class _Row:
    hits: int
    window_left: float
    slowed_left: float | None


@dataclass
class AuthThrottle:
    @classmethod
    def from_settings(cls, settings: Settings) -> AuthThrottle:
        return cls(
            pair_max=settings.login_max_failures,
            client_max=settings.login_client_max_failures,
            email_max=settings.login_email_max_failures,
            email_interval_seconds=settings.login_email_interval_seconds,
            window_seconds=settings.login_window_seconds,
            register_max=settings.register_max_per_client,
            register_window_seconds=settings.register_window_seconds,
        )

    """The limits; the counts are in the database, reached through the session each call is given."""

    pair_max: int = 5
    client_max: int = 30
    email_max: int = 20
    email_interval_seconds: float = 10.0
    window_seconds: float = 300.0
    register_max: int = 10
    register_window_seconds: float = 3600.0
    _calls: int = 0

    async def _state(self, session: AsyncSession, keys: list[str], window: float) -> dict[str, _Row]:
        rows = await session.execute(_STATE, {"keys": keys, "window": window})
        found = {
            row.key: _Row(
                int(row.hits), float(row.window_left), None if row.slowed_left is None else float(row.slowed_left)
            )
            for row in rows
        }
        await session.commit()
        return found

    async def check_login(self, session: AsyncSession, email: str, client: str | None) -> None:
        """RATE_LIMITED, saying how long to wait, when this sign-in may not be tried now."""
        pair, by_client, by_email = pair_key(email, client), client_key(client), email_key(email)
        state = await self._state(session, [pair, by_client, by_email], self.window_seconds)
        if (row := state.get(pair)) is not None and row.hits >= self.pair_max:
            raise RateLimited(
                f"Too many wrong passwords for this account from here; try again in {wait_words(row.window_left)}"
            )
        if (row := state.get(by_client)) is not None and row.hits >= self.client_max:
            raise RateLimited(f"Too many failed sign-ins from here; try again in {wait_words(row.window_left)}")
        row = state.get(by_email)
        if row is not None and row.hits >= self.email_max:
            # Slowed: one attempt per interval for this account, from anywhere. Claiming the slot is atomic, so
            # concurrent guesses cannot all slip through.
            claimed = await session.execute(_SLOW, {"key": by_email, "interval": self.email_interval_seconds})
            got = claimed.first() is not None
            await session.commit()
            if not got:
                wait = row.slowed_left if row.slowed_left and row.slowed_left > 0 else self.email_interval_seconds
                raise RateLimited(f"This account has seen many failed sign-ins; try again in {wait_words(wait)}")

    async def login_failed(self, session: AsyncSession, email: str, client: str | None) -> None:
        for key in (pair_key(email, client), client_key(client), email_key(email)):
            await session.execute(_COUNT, {"key": key, "window": self.window_seconds})
        await self._maybe_sweep(session)
        await session.commit()

    async def login_succeeded(self, session: AsyncSession, email: str, client: str | None) -> None:
        """The pair's count starts over; the email's and the client's keep counting (they watch many sources)."""
        await session.execute(_CLEAR, {"key": pair_key(email, client)})
        await session.commit()

    async def check_reauthentication(self, session: AsyncSession, email: str) -> None:
        """Before a signed-in user's password is checked again (to change it, to delete the account):
        RATE_LIMITED once `pair_max` wrong ones were given for this account within the window."""
        key = reauth_key(email)
        state = await self._state(session, [key], self.window_seconds)
        if (row := state.get(key)) is not None and row.hits >= self.pair_max:
            raise RateLimited(f"Too many wrong passwords; try again in {wait_words(row.window_left)}")

    async def reauthentication_failed(self, session: AsyncSession, email: str) -> None:
        await session.execute(_COUNT, {"key": reauth_key(email), "window": self.window_seconds})
        await session.commit()

    async def count_registration(self, session: AsyncSession, client: str | None) -> None:
        """Count a sign-up attempt from this client; RATE_LIMITED past the limit, saying how long to wait."""
        key = register_key(client)
        state = await self._state(session, [key], self.register_window_seconds)
        if (row := state.get(key)) is not None and row.hits >= self.register_max:
            raise RateLimited(f"Too many sign-ups from here; try again in {wait_words(row.window_left)}")
        await session.execute(_COUNT, {"key": key, "window": self.register_window_seconds})
        await session.commit()

    async def _maybe_sweep(self, session: AsyncSession) -> None:
        self._calls += 1
        if self._calls % _SWEEP_ONE_IN == 0:
            window = max(self.window_seconds, self.register_window_seconds)
            await session.execute(_SWEEP, {"window": window})
