"""schema.graphql at the repo root is the served schema, and `boxoffice schema` prints it."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

import httpx
from graphql import (
    GraphQLSchema,
    build_client_schema,
    build_schema,
    get_introspection_query,
    lexicographic_sort_schema,
    print_schema,
)

from tests.support.graphql import graphql
from tests.support.servers import boxoffice_command

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"
REGENERATE = "the schema changed: regenerate the committed SDL with `boxoffice schema > schema.graphql` and commit it"


def printed(schema: GraphQLSchema) -> str:
    return print_schema(lexicographic_sort_schema(schema))


async def test_schema_graphql_is_the_schema_served_at_graphql(client: httpx.AsyncClient) -> None:
    introspection = await graphql(client, get_introspection_query(descriptions=True, input_value_deprecation=True))
    served = printed(build_client_schema(introspection))
    committed = printed(build_schema(SCHEMA_FILE.read_text()))
    assert committed == served, REGENERATE


async def boxoffice_schema(env: dict[str, str]) -> str:
    done = await asyncio.to_thread(
        subprocess.run, [*boxoffice_command(), "schema"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_boxoffice_schema_prints_the_committed_sdl() -> None:
    assert await boxoffice_schema(dict(os.environ)) == SCHEMA_FILE.read_text(), REGENERATE


async def test_boxoffice_schema_needs_no_database_and_no_production_secret() -> None:
    unset = ("DATABASE_URL", "BOXOFFICE_DATABASE_URL", "BOXOFFICE_JWT_SECRET")
    env = {key: value for key, value in os.environ.items() if key not in unset}
    env["BOXOFFICE_ENVIRONMENT"] = "production"
    assert await boxoffice_schema(env) == SCHEMA_FILE.read_text()
