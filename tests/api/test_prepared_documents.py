"""A document that validated once runs without the extension pipeline next time, and is answered exactly as the
pipeline would answer it: the caller read afresh, unstorable variables refused, errors shaped, operations checked."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse
from sqlalchemy import func, select, text

from boxoffice.api.errors import BoxofficeSchema
from boxoffice.api.prepared import PreparedDocuments
from boxoffice.db.models import Event, Role

CREATE = "mutation($i: EventInput!) { createEvent(input: $i) { title } }"
BOOK = "mutation($id: ID!) { bookEvent(eventId: $id) { id status } }"
TWO_OPERATIONS = "query Mine { me { id } } query Theirs { events(first: 1) { edges { node { id } } } }"


def _event(title: str = "Show") -> dict[str, Any]:
    return {"title": title, "venue": "Hall", "startsAt": "2031-01-01T20:00:00Z", "capacity": 10}


@pytest.fixture
def pipelines(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every request that went through Strawberry's extension pipeline."""
    runs: list[object] = []
    real = BoxofficeSchema.create_extensions_runner

    def counting(self: BoxofficeSchema, *args: Any) -> Any:
        runs.append(args[0])
        return real(self, *args)

    monkeypatch.setattr(BoxofficeSchema, "create_extensions_runner", counting)
    return runs


async def test_a_document_that_validated_runs_without_the_pipeline_next_time(gql, make_event, pipelines) -> None:
    event = await make_event()
    query = "query($id: ID!) { event(id: $id) { title } }"
    replies = [await gql(query, {"id": str(event.id)}) for _ in range(3)]
    assert [reply.data for reply in replies] == [{"event": {"title": "Test concert"}}] * 3
    assert len(pipelines) == 1


async def test_a_remembered_mutation_reads_the_callers_account_afresh(gql, make_user, token_for, db) -> None:
    organizer = await make_user(Role.ORGANIZER)
    assert (await gql(CREATE, {"i": _event()}, token=token_for(organizer))).errors == []
    async with db.engine.begin() as connection:
        await connection.execute(text("UPDATE users SET role = 'AUDIENCE' WHERE id = :id"), {"id": organizer.id})
    assert (await gql(CREATE, {"i": _event()}, token=token_for(organizer))).codes == ["FORBIDDEN"]


async def test_unstorable_text_in_a_remembered_documents_variables_is_refused(gql, make_user, token_for, db) -> None:
    token = token_for(await make_user(Role.ORGANIZER))
    assert (await gql(CREATE, {"i": _event()}, token=token)).errors == []
    reply = await gql(CREATE, {"i": _event(title="Sh\x00ow")}, token=token)
    assert reply.codes == ["BAD_USER_INPUT"]
    assert "$i.title" in reply.errors[0]["message"]
    async with db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Event)) == 1


async def test_errors_of_a_remembered_document_are_shaped_as_the_first_time(gql, make_user, token_for) -> None:
    token = token_for(await make_user())
    first, again = [await gql(BOOK, {"id": "999999"}, token=token) for _ in range(2)]
    assert first.codes == again.codes == ["NOT_FOUND"]
    assert again.body == first.body


async def test_an_operation_a_remembered_document_lacks_is_answered_as_before(client, pipelines) -> None:
    chosen = await client.post("/graphql", json={"query": TWO_OPERATIONS, "operationName": "Theirs"})
    assert chosen.json() == {"data": {"events": {"edges": []}}}
    missing = await client.post("/graphql", json={"query": TWO_OPERATIONS, "operationName": "Nobody"})
    unnamed = await client.post("/graphql", json={"query": TWO_OPERATIONS})
    assert missing.status_code == 400
    assert unnamed.json() == {"data": {"me": None}}  # Strawberry runs the first operation when none is named
    assert len(pipelines) == 3


def test_remembered_documents_are_bounded_least_recently_used_first() -> None:
    documents = PreparedDocuments(capacity=2)
    for query in ("{ a }", "{ b }"):
        documents.remember(query, parse(query))
    assert documents.get("{ a }") is not None
    documents.remember("{ c }", parse("{ c }"))
    assert len(documents) == 2
    assert documents.get("{ b }") is None
    assert documents.get("{ a }") is not None
