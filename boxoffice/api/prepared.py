"""Documents known to be valid, executed without running Strawberry's extension pipeline again.

Strawberry builds every schema extension afresh for each request and enters each one's hooks (operation,
parsing, validation, execution) as context managers, even when the parse and the validation verdict come from
their caches: ~65 of the ~80 µs an `execute` of a trivial document costs, around a ~12 µs graphql-core
execution. A document whose text went through the full pipeline once and validated without an error (every
rule: the limits, unstorable literals, introspection) is remembered here by that text. A later request with the
same text runs straight on graphql-core with the same schema, executor and context, and what the extensions
would do for it per request is done inline (`BoxofficeSchema.execute`): the caller's account is read afresh
(FreshCaller), the variables are checked for unstorable text (RefuseUnstorableText), errors are shaped
(ErrorCodes). Anything else goes through the full pipeline and is answered as before: a text not seen yet, an
operation not in the document or not allowed here, variables with unstorable text.

A document's text decides its parse (the parse options are fixed per schema) and its validation verdict (so are
the rules), so the verdict remembered is the one the pipeline would reach again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from graphql import DocumentNode
from strawberry.extensions import SchemaExtension


class PreparedDocuments:
    """Texts of documents that validated without an error, and their parsed documents: a bounded LRU."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._documents: OrderedDict[str, DocumentNode] = OrderedDict()

    def __len__(self) -> int:
        return len(self._documents)

    def get(self, query: str) -> DocumentNode | None:
        document = self._documents.get(query)
        if document is not None:
            self._documents.move_to_end(query)
        return document

    def remember(self, query: str, document: DocumentNode) -> None:
        self._documents[query] = document
        self._documents.move_to_end(query)
        while len(self._documents) > self.capacity:
            self._documents.popitem(last=False)


class RememberValidDocuments(SchemaExtension):
    """Right after ValidationCache (which sets the verdict before it yields): a document with no validation
    error is remembered. Errors other extensions add later (a variable's unstorable text) are per request."""

    def __init__(self, documents: PreparedDocuments) -> None:
        super().__init__()
        self.documents = documents

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.pre_execution_errors == [] and context.query and context.graphql_document is not None:
            self.documents.remember(context.query, context.graphql_document)
        yield
