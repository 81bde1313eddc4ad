"""The per-process cache of verified tokens: it saves the signature check, never a decision about the account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import text

from boxoffice.auth.tokens import TokenCodec, VerifiedTokens
from boxoffice.db.models import Role
from boxoffice.errors import Unauthenticated

ME = "{ me { id role } }"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _codec(clock: Clock, capacity: int = 10_000) -> TokenCodec:
    return TokenCodec(
        secret="a-test-secret-of-enough-length-for-hs256!",
        algorithm="HS256",
        issuer="boxoffice",
        audience="boxoffice-api",
        ttl=timedelta(minutes=5),
        verified=VerifiedTokens(capacity, clock),
    )


def test_a_verified_token_is_cached_with_its_subject() -> None:
    codec = _codec(Clock(datetime.now(UTC).timestamp()))
    token = codec.issue(7, version=3).token
    assert codec.subject(token) == codec.subject(token)
    assert token in codec.verified
    assert codec.verified.get(token) is not None
    assert codec.subject(token).user_id == 7
    assert codec.subject(token).version == 3


def test_an_expired_token_is_refused_even_when_cached() -> None:
    clock = Clock(datetime.now(UTC).timestamp())
    codec = _codec(clock)
    issued = codec.issue(7)
    codec.subject(issued.token)
    assert issued.token in codec.verified

    clock.now = issued.expires_at.timestamp()  # PyJWT's rule: expired once exp <= now
    with pytest.raises(Unauthenticated, match="expired"):
        codec.subject(issued.token)
    assert issued.token not in codec.verified


def test_a_bad_signature_never_enters_the_cache() -> None:
    codec = _codec(Clock(datetime.now(UTC).timestamp()))
    genuine = codec.issue(7).token
    claims = jwt.decode(genuine, codec.secret, algorithms=["HS256"], audience=codec.audience)
    forged = jwt.encode(claims, "some-other-secret-of-enough-length!!", algorithm="HS256")
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            codec.subject(forged)
    assert forged not in codec.verified
    assert len(codec.verified) == 0


def test_the_cache_keeps_at_most_its_capacity_dropping_the_least_recently_used() -> None:
    codec = _codec(Clock(datetime.now(UTC).timestamp()), capacity=2)
    first, second, third = (codec.issue(user_id).token for user_id in (1, 2, 3))
    codec.subject(first)
    codec.subject(second)
    codec.subject(first)  # first is now the most recently used
    codec.subject(third)
    assert len(codec.verified) == 2
    assert first in codec.verified
    assert second not in codec.verified


async def test_a_cached_token_of_a_deleted_user_is_judged_by_the_database(gql, tokens, make_user, db) -> None:
    user = await make_user(Role.AUDIENCE)
    token = tokens.issue(user.id).token
    assert (await gql(ME, token=token)).data == {"me": {"id": str(user.id), "role": "AUDIENCE"}}
    assert token in tokens.verified

    async with db.engine.begin() as connection:
        await connection.execute(text("DELETE FROM users WHERE id = :id"), {"id": user.id})
    reply = await gql(ME, token=token)
    assert reply.code == "UNAUTHENTICATED"
    assert "no longer exists" in reply.errors[0]["message"]
