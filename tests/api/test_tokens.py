"""Forged, stale and misdirected tokens are UNAUTHENTICATED; a role change applies to the next request."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from sqlalchemy import text

from boxoffice.db.models import Role

ME = "{ me { id role } }"


def _claims(tokens, user_id: int, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "iss": tokens.issuer,
        "aud": tokens.audience,
        "jti": "x1",
    }
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, default=lambda value: int(value.timestamp())).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _forged(tokens, user_id: int, attack: str) -> str:
    if attack == "malformed":
        return "not.a.jwt"
    if attack == "garbage":
        return "x" * 500
    if attack == "bad signature":
        return jwt.encode(_claims(tokens, user_id), "some-other-secret-of-enough-length!!", algorithm="HS256")
    if attack == "alg none":
        return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(tokens, user_id))}."
    if attack == "other HMAC algorithm":
        return jwt.encode(_claims(tokens, user_id), tokens.secret, algorithm="HS512")
    if attack == "RS256 header, HMAC-signed with our secret":
        header_and_claims = f"{_b64({'alg': 'RS256', 'typ': 'JWT'})}.{_b64(_claims(tokens, user_id))}"
        signature = jwt.get_algorithm_by_name("HS256").sign(header_and_claims.encode(), tokens.secret.encode())
        return f"{header_and_claims}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
    if attack == "expired":
        past = datetime.now(UTC) - timedelta(hours=2)
        return jwt.encode(_claims(tokens, user_id, iat=past, exp=past + timedelta(minutes=5)), tokens.secret)
    if attack == "wrong audience":
        return jwt.encode(_claims(tokens, user_id, aud="someone-else"), tokens.secret)
    if attack == "wrong issuer":
        return jwt.encode(_claims(tokens, user_id, iss="evil"), tokens.secret)
    if attack == "no jti":
        return jwt.encode(_claims(tokens, user_id, jti=None), tokens.secret)
    if attack == "no exp":
        return jwt.encode(_claims(tokens, user_id, exp=None), tokens.secret)
    if attack == "non-numeric subject":
        return jwt.encode(_claims(tokens, user_id, sub="admin"), tokens.secret)
    raise AssertionError(attack)


ATTACKS = [
    "malformed",
    "garbage",
    "bad signature",
    "alg none",
    "other HMAC algorithm",
    "RS256 header, HMAC-signed with our secret",
    "expired",
    "wrong audience",
    "wrong issuer",
    "no jti",
    "no exp",
    "non-numeric subject",
]


@pytest.mark.parametrize("attack", ATTACKS)
async def test_forged_or_stale_tokens_are_unauthenticated(attack, gql, tokens, make_user) -> None:
    admin = await make_user(Role.ADMIN)
    token = _forged(tokens, admin.id, attack)
    # Even on a field anyone may read, a token that was sent and is bad is refused, not ignored.
    assert (await gql(ME, token=token)).code == "UNAUTHENTICATED"
    refused = await gql("{ users { edges { node { id } } } }", token=token)
    assert refused.code == "UNAUTHENTICATED"
    assert refused.data is None


async def test_the_genuine_token_works(gql, tokens, make_user) -> None:
    admin = await make_user(Role.ADMIN)
    reply = await gql("{ users { edges { node { id } } } }", token=tokens.issue(admin.id).token)
    assert reply.errors == []


@pytest.mark.parametrize("header", ["Basic dXNlcjpwdw==", "Bearer", "Token abc"])
async def test_other_authorization_schemes_are_unauthenticated(header, gql) -> None:
    assert (await gql(ME, Authorization=header)).code == "UNAUTHENTICATED"


async def test_missing_token_on_a_protected_field(gql) -> None:
    reply = await gql("{ myBookings { id } }")
    assert reply.code == "UNAUTHENTICATED"
    assert "Sign in" in reply.errors[0]["message"]


async def test_token_of_a_deleted_user(gql, tokens, make_user, db) -> None:
    user = await make_user(Role.ADMIN)
    token = tokens.issue(user.id).token
    async with db.engine.begin() as connection:
        await connection.execute(text("DELETE FROM users WHERE id = :id"), {"id": user.id})
    reply = await gql(ME, token=token)
    assert reply.code == "UNAUTHENTICATED"
    assert "no longer exists" in reply.errors[0]["message"]


async def test_a_demoted_admin_loses_admin_rights_at_once(gql, token_for, make_user) -> None:
    admin, other_admin = await make_user(Role.ADMIN), await make_user(Role.ADMIN)
    token = token_for(other_admin)
    assert (await gql("{ users { edges { node { id } } } }", token=token)).errors == []

    demoted = await gql(
        "mutation($u: ID!) { setUserRole(userId: $u, role: AUDIENCE) { role } }",
        {"u": str(other_admin.id)},
        token=token_for(admin),
    )
    assert demoted.data == {"setUserRole": {"role": "AUDIENCE"}}

    # The same, still unexpired token: now only an audience member.
    assert (await gql("{ users { edges { node { id } } } }", token=token)).code == "FORBIDDEN"
    assert (await gql(ME, token=token)).data["me"]["role"] == "AUDIENCE"


async def test_the_last_admin_cannot_be_demoted(gql, token_for, make_user) -> None:
    admin = await make_user(Role.ADMIN)
    reply = await gql(
        "mutation($u: ID!) { setUserRole(userId: $u, role: ORGANIZER) { role } }",
        {"u": str(admin.id)},
        token=token_for(admin),
    )
    assert reply.code == "CONFLICT"
