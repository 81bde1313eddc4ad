"""Sign-up, sign-in, the caller, and the failed-login throttle, through HTTP."""

from __future__ import annotations

import stat

from boxoffice.auth.tokens import signing_secret
from boxoffice.config import Settings
from tests.support.factories import PASSWORD
from tests.support.tables import count_rows

REGISTER = """
mutation($email: String!, $password: String!, $name: String!) {
  register(email: $email, password: $password, name: $name) { token expiresAt user { id email name role } }
}"""
LOGIN = """
mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token user { id } } }"""


async def test_register_then_login_then_me(gql) -> None:
    registered = await gql(REGISTER, {"email": "  Ada@Example.COM ", "password": "long enough", "name": " Ada "})
    assert registered.errors == []
    payload = registered.data["register"]
    assert payload["user"] | {"id": None} == {"id": None, "email": "ada@example.com", "name": "Ada", "role": "AUDIENCE"}
    assert payload["expiresAt"].endswith("+00:00")

    me = await gql("{ me { id email role } }", token=payload["token"])
    assert me.data["me"] == {"id": payload["user"]["id"], "email": "ada@example.com", "role": "AUDIENCE"}

    # Email matching ignores case; the new token works like the first.
    logged_in = await gql(LOGIN, {"email": "ADA@example.com", "password": "long enough"})
    assert logged_in.errors == []
    again = await gql("{ me { email } }", token=logged_in.data["login"]["token"])
    assert again.data["me"]["email"] == "ada@example.com"


async def test_signed_out_me_is_null(gql) -> None:
    reply = await gql("{ me { id } }")
    assert reply.errors == [] and reply.data == {"me": None}


async def test_duplicate_email_is_a_conflict_whatever_its_case(gql, db) -> None:
    await gql(REGISTER, {"email": "sam@example.com", "password": "long enough", "name": "Sam"})
    before = await count_rows(db)
    reply = await gql(REGISTER, {"email": "SAM@Example.com", "password": "other password", "name": "Sam 2"})
    assert reply.code == "CONFLICT"
    assert "already exists" in reply.errors[0]["message"]
    assert await count_rows(db) == before


async def test_wrong_password_and_unknown_email_answer_alike(gql, make_user) -> None:
    user = await make_user(password=PASSWORD)
    wrong = await gql(LOGIN, {"email": user.email, "password": "not the password"})
    unknown = await gql(LOGIN, {"email": "nobody@example.com", "password": PASSWORD})
    assert wrong.code == unknown.code == "UNAUTHENTICATED"
    assert wrong.errors[0]["message"] == unknown.errors[0]["message"]


def test_development_secret_is_generated_once_and_private(api_settings: Settings, tmp_path) -> None:
    settings = api_settings.model_copy(update={"data_dir": tmp_path})
    first = signing_secret(settings)
    assert len(first) >= 32
    assert signing_secret(settings) == first
    mode = stat.S_IMODE((tmp_path / "jwt_secret").stat().st_mode)
    assert mode == 0o600
    assert signing_secret(settings.model_copy(update={"jwt_secret": "explicit-secret"})) == "explicit-secret"
