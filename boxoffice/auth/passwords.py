"""Password hashing through passlib's CryptContext (provided by the `libpass` fork) with bcrypt.

bcrypt_sha256 is bcrypt over an HMAC-SHA256 of the password: plain bcrypt only looks at the first 72 bytes
(and bcrypt 5 refuses longer input), while passwords here may be up to 128 characters. Plain bcrypt hashes,
e.g. written by other tools, still verify and are marked for re-hashing.
"""

from __future__ import annotations

import asyncio
import secrets
from functools import lru_cache

from passlib.context import CryptContext


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
    # bcrypt releases the GIL, so a thread keeps the event loop serving other requests meanwhile.
    return await asyncio.to_thread(hash_password_sync, password, rounds)


async def verify_password(password: str, password_hash: str | None, rounds: int = 12) -> bool:
    """Check a password; with no hash (unknown user) check against a dummy one so both take as long."""
    if password_hash is None:
        await asyncio.to_thread(crypt_context(rounds).verify, password, _dummy_hash(rounds))
        return False
    try:
        return await asyncio.to_thread(crypt_context(rounds).verify, password, password_hash)
    except ValueError:
        # Not a hash this context knows (e.g. a placeholder written by a fixture): nobody can sign in with it.
        return False
