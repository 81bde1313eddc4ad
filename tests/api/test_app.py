"""The application around the schema: health, frontend, playground, masking of unexpected errors."""

from __future__ import annotations

import logging

import httpx
import pytest

from boxoffice.app import create_app
from boxoffice.db.models import Role
from boxoffice.db.session import Database


async def test_health_answers_ok_when_the_database_does(client) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_health_answers_503_when_the_database_does_not(api_settings) -> None:
    settings = api_settings.model_copy(update={"database_url": "postgresql+asyncpg://nobody@127.0.0.1:9/nowhere"})
    unreachable = Database(settings)
    try:
        app = create_app(settings, database=unreachable)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
            response = await http.get("/health")
    finally:
        await unreachable.close()
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


async def test_the_frontend_and_the_playground_are_served(client, app) -> None:
    page = await client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    playground = await client.get("/graphql", headers={"Accept": "text/html"})
    assert playground.status_code == 200
    assert "graphiql" in playground.text.lower()
    assert app.state.database is not None


async def test_unexpected_errors_are_masked_with_a_request_id(
    gql, make_user, token_for, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError('relation "secret_table" does not exist')

    monkeypatch.setattr("boxoffice.resolvers.accounts.list_users", broken)
    with caplog.at_level(logging.ERROR, logger="boxoffice.api"):
        reply = await gql("{ users { edges { cursor } } }", token=token_for(await make_user(Role.ADMIN)))

    error = reply.errors[0]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    request_id = error["extensions"]["requestId"]
    assert request_id in error["message"]
    assert "secret_table" not in str(reply.body)
    logged = [record for record in caplog.records if request_id in record.getMessage()]
    assert logged and logged[0].exc_info is not None
    assert "secret_table" in str(logged[0].exc_info[1])
