"""Password hashing through passlib's CryptContext (provided by the `libpass` fork) with bcrypt.

bcrypt_sha256 is bcrypt over an HMAC-SHA256 of the password: plain bcrypt only looks at the first 72 bytes
(and bcrypt 5 refuses longer input), while passwords here may be up to 128 characters. Plain bcrypt hashes,
e.g. written by other tools, still verify and are marked for re-hashing.
"""

from __future__ import annotations

import asyncio
import secrets
import weakref
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

from passlib.context import CryptContext

T = TypeVar("T")

# How many hashes (or checks) run at once in this process; the rest queue. bcrypt is CPU-bound and releases the GIL:
# unbounded, a burst of sign-ups would occupy every core and every default-executor thread.
_concurrency = 4
# One semaphore per event loop (tests and CLI commands run several loops, one after another).
_limits: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def limit_concurrent_hashing(limit: int) -> None:
    """Set how many password hashes run at once per process (from settings.hash_concurrency, at app start)."""
    global _concurrency
    if max(1, limit) != _concurrency:
        _concurrency = max(1, limit)
        _limits.clear()


async def _hashing(work: Callable[..., T], *args: object) -> T:
    loop = asyncio.get_running_loop()
    limit = _limits.get(loop)
    if limit is None:
        limit = _limits[loop] = asyncio.Semaphore(_concurrency)
    async with limit:
        # In a thread: the event loop keeps serving other requests meanwhile.
        return await asyncio.to_thread(work, *args)


@lru_cache(maxsize=4)
def crypt_context(rounds: int) -> CryptContext:
    return CryptContext(
        schemes=["bcrypt_sha256", "bcrypt"],
        deprecated=["bcrypt"],
        bcrypt_sha256__rounds=rounds,
        bcrypt__rounds=rounds,
    )


@lru_cache(maxsize=4)
def _dummy_hash(rounds: int) -> str:
    return crypt_context(rounds).hash(secrets.token_urlsafe(16))


def hash_password_sync(password: str, rounds: int = 12) -> str:
    return crypt_context(rounds).hash(password)


async def hash_password(password: str, rounds: int = 12) -> str:
    """Hash in a thread, at most `limit_concurrent_hashing` at once. Call it with no pooled connection held."""
    return await _hashing(hash_password_sync, password, rounds)


async def verify_password(password: str, password_hash: str | None, rounds: int = 12) -> bool:
    """Check a password; with no hash (unknown user) check against a dummy one so both take as long."""
    if password_hash is None:
        await _hashing(crypt_context(rounds).verify, password, _dummy_hash(rounds))
        return False
    try:
        return bool(await _hashing(crypt_context(rounds).verify, password, password_hash))
    except ValueError:
        # Not a hash this context knows (e.g. a placeholder written by a fixture): nobody can sign in with it.
        return False
