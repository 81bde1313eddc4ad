"""The app under production settings: no playground, no introspection; security headers everywhere; an empty
development secret still signs tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from boxoffice.api.headers import APP_POLICY, PLAYGROUND_POLICY
from boxoffice.app import create_app
from boxoffice.config import Settings
from boxoffice.db.session import Database

STRONG = "k3P9wq-Zr7vN2xLm8sT4yB6cD1fG5hJ0uE_aQ"
INTROSPECTION = "{ __schema { queryType { name } } }"
HTML = {"Accept": "text/html"}


async def _client(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(settings, database=db))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture
async def production(api_settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    settings = api_settings.model_copy(update={"environment": "production", "jwt_secret": STRONG})
    async for http in _client(settings, db):
        yield http


@pytest.fixture
async def development(api_settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    async for http in _client(api_settings.model_copy(update={"environment": "development"}), db):
        yield http


async def test_production_serves_no_playground(production: httpx.AsyncClient) -> None:
    assert (await production.get("/graphql", headers=HTML)).status_code == 404


async def test_production_refuses_introspection_as_bad_user_input(production: httpx.AsyncClient) -> None:
    body = (await production.post("/graphql", json={"query": INTROSPECTION})).json()
    assert body.get("data") is None
    assert {error["extensions"]["code"] for error in body["errors"]} == {"BAD_USER_INPUT"}


async def test_production_still_answers_ordinary_queries(production: httpx.AsyncClient) -> None:
    body = (await production.post("/graphql", json={"query": "{ me { id } }"})).json()
    assert body == {"data": {"me": None}}


async def test_development_serves_the_playground_and_introspection(development: httpx.AsyncClient) -> None:
    assert (await development.get("/graphql", headers=HTML)).status_code == 200
    body = (await development.post("/graphql", json={"query": INTROSPECTION})).json()
    assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


def _assert_common_headers(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/", "/index.html", "/app.js", "/styles.css"])
async def test_the_frontend_and_its_files_carry_the_app_policy(development: httpx.AsyncClient, path: str) -> None:
    response = await development.get(path)
    assert response.status_code == 200
    _assert_common_headers(response)
    assert response.headers["content-security-policy"] == APP_POLICY


async def test_the_app_policy_allows_no_inline_script_or_style() -> None:
    directives = dict(d.strip().split(" ", 1) for d in APP_POLICY.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"


async def test_the_playground_carries_the_playground_policy(development: httpx.AsyncClient) -> None:
    response = await development.get("/graphql", headers=HTML)
    _assert_common_headers(response)
    assert response.headers["content-security-policy"] == PLAYGROUND_POLICY


async def test_api_answers_and_errors_carry_the_headers(development: httpx.AsyncClient) -> None:
    for response in (
        await development.post("/graphql", json={"query": "{ me { id } }"}),
        await development.get("/health"),
        await development.post("/graphql", content=b"x" * 200_000, headers={"content-type": "application/json"}),
    ):
        _assert_common_headers(response)
        assert "default-src 'none'" in response.headers["content-security-policy"]


async def test_an_empty_development_secret_signs_tokens_instead_of_failing(
    api_settings: Settings, db: Database
) -> None:
    settings = api_settings.model_copy(update={"jwt_secret": ""})
    register = (
        'mutation { register(email: "empty-secret@example.com", password: "long enough", name: "E") '
        "{ token user { email } } }"
    )
    async for http in _client(settings, db):
        body = (await http.post("/graphql", json={"query": register})).json()
        assert "errors" not in body, body
        token = body["data"]["register"]["token"]
        me = (
            await http.post(
                "/graphql", json={"query": "{ me { email } }"}, headers={"Authorization": f"Bearer {token}"}
            )
        ).json()
        assert me == {"data": {"me": {"email": "empty-secret@example.com"}}}
