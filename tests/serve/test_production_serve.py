"""`boxoffice serve` and `boxoffice create-admin` in production: weak secrets refused, no demo logins, a first
admin made from the shell."""

from __future__ import annotations

import asyncio
import os
import subprocess
import tempfile
from pathlib import Path

import httpx

from boxoffice.app import create_app
from boxoffice.db.session import Database
from tests.support.factories import TEST_BCRYPT_ROUNDS, UserFactory
from tests.support.graphql import LOGIN, GraphQLError, graphql, login
from tests.support.servers import ServeProcess, boxoffice_command

STRONG = "k3P9wq-Zr7vN2xLm8sT4yB6cD1fG5hJ0uE_aQ"
PRODUCTION = {"BOXOFFICE_ENVIRONMENT": "production", "BOXOFFICE_BCRYPT_ROUNDS": str(TEST_BCRYPT_ROUNDS)}


def test_production_serve_refuses_a_weak_secret_and_says_how_to_generate_one(tmp_path: Path) -> None:
    env = {**os.environ, **PRODUCTION, "BOXOFFICE_JWT_SECRET": "secret", "BOXOFFICE_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    run = subprocess.run([*boxoffice_command(), "serve"], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert 'python -c "import secrets; print(secrets.token_urlsafe(48))"' in run.stderr
    assert not (tmp_path / "postgres").exists(), "nothing may start on a refused configuration"


async def test_production_serve_seeds_no_demo_logins_and_says_how_to_create_an_admin() -> None:
    with tempfile.TemporaryDirectory(prefix="boxoffice-prod-", ignore_cleanup_errors=True) as tmp:
        server = ServeProcess.start(Path(tmp) / "data", env={**PRODUCTION, "BOXOFFICE_JWT_SECRET": STRONG})
        try:
            assert "boxoffice create-admin --email" in server.text
            async with httpx.AsyncClient(base_url=server.base_url) as client:
                try:
                    await graphql(client, LOGIN, {"e": "admin@example.com", "p": "admin123"})
                except GraphQLError as refused:
                    assert refused.codes == ["UNAUTHENTICATED"]
                else:
                    raise AssertionError("the demo admin signed in on a production server")
        finally:
            server.stop()


def _create_admin(database_url: str, password: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "BOXOFFICE_BCRYPT_ROUNDS": str(TEST_BCRYPT_ROUNDS)}
    return subprocess.run(
        [*boxoffice_command(), "create-admin", *args],
        input=f"{password}\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_create_admin_reads_the_password_from_stdin_and_the_admin_can_sign_in(
    database_url: str, db: Database
) -> None:
    created = await asyncio.to_thread(
        _create_admin, database_url, "a long admin password", "--email", "Boss@Example.com", "--name", "Boss"
    )
    assert created.returncode == 0, created.stderr
    assert "a long admin password" not in created.stdout
    app = create_app(db.settings, database=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        _, user = await login(client, "boss@example.com", "a long admin password")
    assert user["role"] == "ADMIN"


async def test_create_admin_refuses_an_existing_email(database_url: str, db: Database, make_user: UserFactory) -> None:
    await make_user(email="taken@example.com")
    refused = await asyncio.to_thread(_create_admin, database_url, "a long password", "--email", "taken@example.com")
    assert refused.returncode == 1
    assert "already exists" in refused.stderr


async def test_create_admin_refuses_a_short_password(database_url: str, db: Database) -> None:
    refused = await asyncio.to_thread(_create_admin, database_url, "short", "--email", "new@example.com")
    assert refused.returncode == 1
    assert "password must be at least 8 characters" in refused.stderr.lower()
