"""Sign-in and sign-up throttling: per (email, client), per client across emails, per email from anywhere (slowed,
not blocked), per client for sign-ups; counted in PostgreSQL, so every app (worker, host) shares the counts; the
message says how long to wait; passwords are hashed with no pooled connection held, a few at a time."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from boxoffice.app import create_app
from boxoffice.auth import passwords, service
from boxoffice.config import Settings
from boxoffice.db.session import Database
from tests.support.factories import PASSWORD, UserFactory
from tests.support.graphql import REGISTER, Reply, post

LOGIN = "mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token } }"
WRONG = "not the password"
WAIT = re.compile(r"try again in \d+ (second|seconds|minutes)")

ClientFactory = Callable[..., Any]


@pytest.fixture
def throttle_settings(api_settings: Settings) -> Settings:
    return api_settings.model_copy(
        update={
            "login_max_failures": 3,
            "login_client_max_failures": 6,
            "login_email_max_failures": 5,
            "login_email_interval_seconds": 600.0,
            "register_max_per_client": 3,
        }
    )


@pytest.fixture
def client_at(throttle_settings: Settings, db: Database) -> ClientFactory:
    """`async with client_at("10.0.0.1") as http`: a client on its own address, on an app of its own (like a
    worker or a host of its own) over the same database."""

    @asynccontextmanager
    async def make(
        address: str, settings: Settings | None = None, app: FastAPI | None = None
    ) -> AsyncIterator[httpx.AsyncClient]:
        app = app or create_app(settings or throttle_settings, database=db)
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=120) as http:
            yield http

    return make


async def _login(http: httpx.AsyncClient, email: str, password: str) -> Reply:
    return await post(http, LOGIN, {"email": email, "password": password})


async def _fail(http: httpx.AsyncClient, email: str, times: int) -> None:
    for _ in range(times):
        assert (await _login(http, email, WRONG)).code == "UNAUTHENTICATED"


async def test_wrong_passwords_lock_that_account_from_that_client_and_say_how_long(
    client_at: ClientFactory, make_user: UserFactory
) -> None:
    user = await make_user(password=PASSWORD)
    async with client_at("10.0.0.1") as http:
        await _fail(http, user.email, 3)
        blocked = await _login(http, user.email, PASSWORD)
    assert blocked.code == "RATE_LIMITED"
    assert WAIT.search(blocked.errors[0]["message"]), blocked.errors[0]["message"]


async def test_the_real_user_still_signs_in_from_another_client(
    client_at: ClientFactory, make_user: UserFactory, throttle_settings: Settings, db: Database
) -> None:
    user = await make_user(password=PASSWORD)
    app = create_app(throttle_settings, database=db)
    async with client_at("10.0.0.1", app=app) as attacker:
        await _fail(attacker, user.email, 3)
    async with client_at("10.0.0.2", app=app) as owner:
        assert (await _login(owner, user.email, PASSWORD)).errors == []


async def test_a_burst_for_one_account_does_not_lock_other_accounts_from_that_client(
    client_at: ClientFactory, make_user: UserFactory
) -> None:
    typo, other = await make_user(password=PASSWORD), await make_user(password=PASSWORD)
    async with client_at("10.0.0.1") as http:
        await _fail(http, typo.email, 3)
        assert (await _login(http, other.email, PASSWORD)).errors == []


async def test_failures_across_many_emails_block_the_client(client_at: ClientFactory, make_user: UserFactory) -> None:
    victim = await make_user(password=PASSWORD)
    async with client_at("10.0.0.1") as http:
        for n in range(6):
            assert (await _login(http, f"spray{n}@example.com", WRONG)).code == "UNAUTHENTICATED"
        blocked = await _login(http, victim.email, PASSWORD)
    assert blocked.code == "RATE_LIMITED"
    assert WAIT.search(blocked.errors[0]["message"])


async def test_guessing_one_account_from_many_clients_is_slowed_to_one_try_per_interval(
    client_at: ClientFactory, make_user: UserFactory
) -> None:
    user = await make_user(password=PASSWORD)
    for n in range(5):
        async with client_at(f"10.0.1.{n}") as http:
            await _fail(http, user.email, 1)
    async with client_at("10.0.2.1") as first, client_at("10.0.2.2") as second:
        # One attempt goes through (the real user, here)...
        assert (await _login(first, user.email, PASSWORD)).errors == []
        # ...and the next, from anywhere, waits for the interval.
        slowed = await _login(second, user.email, PASSWORD)
    assert slowed.code == "RATE_LIMITED"
    assert WAIT.search(slowed.errors[0]["message"])


async def test_counts_are_shared_by_every_app_on_the_database(client_at: ClientFactory, make_user: UserFactory) -> None:
    user = await make_user(password=PASSWORD)
    # Two apps, as two workers or two hosts would be, seeing the same client address.
    async with client_at("10.0.0.1") as worker_one, client_at("10.0.0.1") as worker_two:
        await _fail(worker_one, user.email, 2)
        await _fail(worker_two, user.email, 1)
        assert (await _login(worker_one, user.email, PASSWORD)).code == "RATE_LIMITED"


async def test_sign_ups_are_throttled_per_client(client_at: ClientFactory, db: Database) -> None:
    async with client_at("10.0.0.1") as http:
        for n in range(3):
            reply = await post(http, REGISTER, {"e": f"new{n}@example.com", "p": PASSWORD, "n": "New"})
            assert reply.errors == []
        refused = await post(http, REGISTER, {"e": "one-more@example.com", "p": PASSWORD, "n": "New"})
    assert refused.code == "RATE_LIMITED"
    assert WAIT.search(refused.errors[0]["message"])
    async with client_at("10.0.0.2") as elsewhere:
        assert (await post(elsewhere, REGISTER, {"e": "one-more@example.com", "p": PASSWORD, "n": "N"})).errors == []


@pytest.fixture
def pool_use_while_hashing(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Spies on the hashing the service does: how many of the pool's connections are checked out meanwhile."""
    seen: list[int] = []
    real_hash, real_verify = service.hash_password, service.verify_password

    async def hash_password(*args: Any) -> str:
        seen.append(db.engine.pool.checkedout())  # type: ignore[attr-defined]
        return await real_hash(*args)

    async def verify_password(*args: Any) -> bool:
        seen.append(db.engine.pool.checkedout())  # type: ignore[attr-defined]
        return await real_verify(*args)

    monkeypatch.setattr(service, "hash_password", hash_password)
    monkeypatch.setattr(service, "verify_password", verify_password)
    return seen


async def test_sign_up_hashes_with_no_pooled_connection_held(
    client_at: ClientFactory, pool_use_while_hashing: list[int]
) -> None:
    async with client_at("10.0.0.1") as http:
        assert (await post(http, REGISTER, {"e": "new@example.com", "p": PASSWORD, "n": "New"})).errors == []
    assert pool_use_while_hashing == [0]


async def test_sign_in_checks_the_password_with_no_pooled_connection_held(
    client_at: ClientFactory, make_user: UserFactory, pool_use_while_hashing: list[int]
) -> None:
    user = await make_user(password=PASSWORD)
    async with client_at("10.0.0.1") as http:
        assert (await _login(http, user.email, PASSWORD)).errors == []
    assert pool_use_while_hashing == [0]


async def test_concurrent_sign_ups_hash_at_most_the_configured_number_at_once(
    client_at: ClientFactory, throttle_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    running, most = 0, 0
    lock = threading.Lock()
    real = passwords.hash_password_sync

    def hash_password_sync(password: str, rounds: int = 12) -> str:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        try:
            return real(password, rounds)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(passwords, "hash_password_sync", hash_password_sync)
    # A real cost, so that unbounded hashes would overlap.
    settings = throttle_settings.model_copy(update={"hash_concurrency": 2, "bcrypt_rounds": 10})

    async def sign_up(n: int) -> Reply:
        async with client_at(f"10.0.3.{n}", settings) as http:
            return await post(http, REGISTER, {"e": f"burst{n}@example.com", "p": PASSWORD, "n": "Burst"})

    replies = await asyncio.gather(*(sign_up(n) for n in range(8)))
    assert [reply.errors for reply in replies] == [[]] * 8
    assert most <= 2
