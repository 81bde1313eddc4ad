"""Repeated documents are parsed and validated once per process; the query limits still refuse every time."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import strawberry.schema.schema as strawberry_schema


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every document graphql-core actually validates (a cached verdict is not validated again)."""
    seen: list[Any] = []
    real: Callable[..., Any] = strawberry_schema.validate

    def counting(schema: Any, document: Any, rules: Any) -> Any:
        seen.append(document)
        return real(schema, document, rules)

    monkeypatch.setattr(strawberry_schema, "validate", counting)
    return seen


def fresh(document: str) -> str:
    """The document with a comment no earlier request sent, so it starts out uncached."""
    return f"# {uuid.uuid4().hex}\n{document}"


async def test_a_repeated_document_is_validated_once(gql, make_event, validations) -> None:
    event = await make_event()
    query = fresh("query($id: ID!) { event(id: $id) { title capacity seatsRemaining } }")
    replies = [await gql(query, {"id": str(event.id)}) for _ in range(5)]
    assert [reply.errors for reply in replies] == [[]] * 5
    assert all(reply.data["event"]["title"] == "Test concert" for reply in replies)
    assert len(validations) == 1


async def test_different_variables_share_one_validation(gql, make_event, validations) -> None:
    first, second = await make_event(), await make_event()
    query = fresh("query($id: ID!) { event(id: $id) { id } }")
    replies = [await gql(query, {"id": str(event.id)}) for event in (first, second)]
    assert [reply.data["event"]["id"] for reply in replies] == [str(first.id), str(second.id)]
    assert len(validations) == 1


async def test_a_repeated_too_deep_document_is_refused_every_time(gql, api_settings, validations) -> None:
    nesting = api_settings.max_query_depth
    nested = "myBooking { event { " * nesting + "id" + " } }" * nesting
    query = fresh("{ events { edges { node { " + nested + " } } } }")
    replies = [await gql(query) for _ in range(3)]
    for reply in replies:
        assert reply.codes == ["BAD_USER_INPUT"]
        assert "depth" in reply.errors[0]["message"]
        assert reply.data is None
    assert len(validations) == 1


async def test_a_repeated_document_with_too_many_aliases_is_refused_every_time(gql, api_settings, validations) -> None:
    fields = " ".join(f"a{n}: me {{ id }}" for n in range(api_settings.max_aliases + 1))
    query = fresh("{ " + fields + " }")
    replies = [await gql(query) for _ in range(3)]
    for reply in replies:
        assert reply.codes == ["BAD_USER_INPUT"]
        assert "aliases" in reply.errors[0]["message"]
    assert len(validations) == 1


async def test_a_repeated_document_with_too_many_tokens_is_refused_every_time(gql, api_settings) -> None:
    query = fresh("{ me { " + "id " * api_settings.max_tokens + "} }")
    for _ in range(3):
        reply = await gql(query)
        assert reply.codes == ["BAD_USER_INPUT"]
        assert "token" in reply.errors[0]["message"].lower()
