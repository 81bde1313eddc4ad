"""Property-based fuzzing from the served schema: whatever the operation and whoever calls, the answer is never a
5xx, never INTERNAL_SERVER_ERROR, and every error carries one of the contract's codes.

Operations come from hypothesis-graphql (queries and mutations over the whole schema, with literal arguments, NUL
bytes included); on top of that some string literals get an unpaired surrogate, DateTime arguments are drawn from
extreme and malformed instants, and Int arguments range over the full 32-bit span. Derandomized with a modest
example count, so the suite stays fast and the same everywhere.
"""

from __future__ import annotations

import asyncio
import json
import re
import warnings
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    build_client_schema,
    build_schema,
    get_introspection_query,
    print_schema,
)
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes
from hypothesis_graphql import strategies as gql_st

from boxoffice.app import create_app
from boxoffice.config import Settings
from boxoffice.db.models import EventStatus, Role
from boxoffice.db.session import Database

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

CONTRACT_CODES = {
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "BAD_USER_INPUT",
    "NOT_FOUND",
    "CONFLICT",
    "RATE_LIMITED",
}
# simulateBookings runs up to 20,000 bookers per call: tested on its own, too slow to fuzz.
SKIPPED_MUTATIONS = {"simulateBookings"}
EXAMPLES = 150

_EXTREME_INSTANTS = [
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00-14:00",
    "2031-01-01T00:00:00",
    "2031-02-30T00:00:00Z",
    "2031-01-01T00:00:00+99:00",
    "not a date",
    "",
]
_instants: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(_EXTREME_INSTANTS),
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes))),
    ).map(lambda moment: moment.isoformat()),
    st.just((datetime.now(UTC) + timedelta(days=30)).isoformat()),
)

_STRING_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"')


# In a literal, GraphQL itself refuses surrogate escapes; a NUL escape gets through to the resolvers.
_INJECTED = ["\\u0000", "\\ud800"]


def _inject(query: str, which: int) -> str:
    """Put an unpaired surrogate or a NUL escape at the start of one string literal of the query, if any."""
    literals = list(_STRING_LITERAL.finditer(query))
    if not literals:
        return query
    start = literals[which % len(literals)].start() + 1
    return query[:start] + _INJECTED[which % len(_INJECTED)] + query[start:]


def _operations(schema: str, query_fields: list[str], mutation_fields: list[str]) -> st.SearchStrategy[Any]:
    """One root field per operation, each field as likely as any other, so every mutation gets its share; half
    with literal arguments (hypothesis-graphql), half with every argument a variable (see _with_variables)."""
    custom = {"DateTime": _instants.map(nodes.String)}
    built = build_schema(schema)
    literal = [gql_st.queries(schema, fields=[name], custom_scalars=custom) for name in query_fields]
    literal += [gql_st.mutations(schema, fields=[name], custom_scalars=custom) for name in mutation_fields]
    assert built.query_type is not None and built.mutation_type is not None
    variables = [_with_variables("query", name, built.query_type.fields[name]) for name in query_fields]
    variables += [_with_variables("mutation", name, built.mutation_type.fields[name]) for name in mutation_fields]
    return st.one_of(st.one_of(*literal).map(lambda query: (query, {})), st.one_of(*variables))


# Strings as JSON carries them: unpaired surrogates and NUL included (GraphQL literals cannot hold surrogates).
_texts = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["a\u0000b", "\u0000", "a\ud800b", "\udfff", "", " ", "1", "2", "-1", "99999999999999999999"]),
    st.tuples(st.text(max_size=10), st.sampled_from(["\u0000", "\ud800", "\udbff\udbff"])).map("".join),
)
_ints = st.one_of(
    st.integers(-(2**31), 2**31 - 1),
    st.sampled_from([0, 1, 10, 11, -1, 2**31 - 1, -(2**31), 2**31, 2**63, -(2**63) - 1, 10**30]),
)


def _value(kind: Any) -> st.SearchStrategy[Any]:
    """JSON values for a variable of this GraphQL input type, valid or not."""
    if isinstance(kind, GraphQLNonNull):
        return _inner_value(kind.of_type)
    return st.one_of(st.none(), _inner_value(kind))


def _inner_value(kind: Any) -> st.SearchStrategy[Any]:
    if isinstance(kind, GraphQLList):
        return st.lists(_value(kind.of_type), max_size=3)
    if isinstance(kind, GraphQLEnumType):
        return st.one_of(st.sampled_from(sorted(kind.values)), st.just("NOT_A_VALUE"))
    if isinstance(kind, GraphQLInputObjectType):
        required = {name: _value(f.type) for name, f in kind.fields.items() if isinstance(f.type, GraphQLNonNull)}
        optional = {name: _value(f.type) for name, f in kind.fields.items() if name not in required}
        return st.fixed_dictionaries(required, optional=optional)
    name = getattr(kind, "name", "")
    if name == "Int":
        return _ints
    if name == "Float":
        return st.one_of(st.floats(allow_nan=False, allow_infinity=False), _ints)
    if name == "Boolean":
        return st.booleans()
    if name == "DateTime":
        return _instants
    if name == "ID":
        return st.one_of(_texts, _ints)
    return _texts


def _with_variables(operation: str, name: str, field: Any) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    """`operation($a: T, ...) { name(a: $a, ...) { __typename } }` with generated values for the variables."""
    declared = ", ".join(f"${arg}: {argument.type}" for arg, argument in field.args.items())
    passed = ", ".join(f"{arg}: ${arg}" for arg in field.args)
    returned = field.type
    while isinstance(returned, GraphQLNonNull | GraphQLList):
        returned = returned.of_type
    selection = " { __typename }" if isinstance(returned, GraphQLObjectType) else ""
    header = f"{operation}({declared})" if declared else operation
    call = f"{name}({passed})" if passed else name
    query = f"{header} {{ {call}{selection} }}"
    values = st.fixed_dictionaries({arg: _value(argument.type) for arg, argument in field.args.items()})
    return values.map(lambda variables: (query, variables))


def _check(response: Any, query: str) -> None:
    assert response.status_code < 500, (response.status_code, query, response.text)
    if response.status_code != 200:
        return
    for error in response.json().get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert code in CONTRACT_CODES, (code, error.get("message"), query)


def _fuzz(app_settings: Settings, tokens: dict[str, str | None]) -> None:
    database = Database(app_settings)
    app = create_app(app_settings, database=database)
    with TestClient(app, raise_server_exceptions=False) as client:
        try:
            schema = _served_schema(client)
            query_fields, mutation_fields = _root_fields(schema)

            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(
                operation=_operations(schema, query_fields, mutation_fields),
                caller=st.sampled_from(sorted(tokens)),
                injection=st.one_of(st.none(), st.integers(0, 30)),
            )
            def call(operation: tuple[str, dict[str, Any]], caller: str, injection: int | None) -> None:
                query, variables = operation
                if injection is not None:
                    query = _inject(query, injection)
                token = tokens[caller]
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                # ASCII JSON: unpaired surrogates travel as escapes, as a browser would send them.
                body = json.dumps({"query": query, "variables": variables}, ensure_ascii=True)
                response = client.post(
                    "/graphql", content=body, headers={**headers, "content-type": "application/json"}
                )
                _check(response, f"{query} {variables!r}")

            call()
        finally:
            client.portal.call(database.engine.dispose)


def _served_schema(client: TestClient) -> str:
    """The schema as the server serves it, in SDL, from an introspection query."""
    body = client.post("/graphql", json={"query": get_introspection_query()}).json()
    return print_schema(build_client_schema(body["data"]))


def _root_fields(schema: str) -> tuple[list[str], list[str]]:
    built = build_schema(schema)
    assert built.query_type is not None and built.mutation_type is not None
    mutations = [name for name in sorted(built.mutation_type.fields) if name not in SKIPPED_MUTATIONS]
    return sorted(built.query_type.fields), mutations


async def test_no_operation_from_the_schema_gets_a_500_or_a_code_outside_the_contract(
    api_settings: Settings, db: Database, make_user, make_event, token_for
) -> None:  # type: ignore[no-untyped-def]
    admin = await make_user(Role.ADMIN)
    audience = await make_user(Role.AUDIENCE)
    organizer = await make_user(Role.ORGANIZER)
    await make_event(organizer=organizer)
    await make_event(organizer=organizer, status=EventStatus.DRAFT)
    tokens: dict[str, str | None] = {
        "anonymous": None,
        "audience": token_for(audience),
        "organizer": token_for(organizer),
        "admin": token_for(admin),
    }
    # No throttling: a RATE_LIMITED answer would stop the generated sign-ins before they reach the database.
    unthrottled = api_settings.model_copy(update={"login_max_failures": 1_000_000})
    await asyncio.to_thread(_fuzz, unthrottled, tokens)
