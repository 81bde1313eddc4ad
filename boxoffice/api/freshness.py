"""The caller's account as it is in the database when each operation starts, on HTTP and WebSocket alike.

A WebSocket context lasts as long as the connection; without this, its operations would share one look at the
caller's account, and a demoted admin could act as an admin on an open connection until it went stale. Each
operation forgets the last look, so its first question about the caller reads the account again (one primary-key
read), and every root mutation field with a permission check reads it again right before the check
(auth/permissions.py), so the second mutation of a document sees what the first one changed. The same goes for
the rows the request's DataLoaders cached: each operation starts with empty loaders.
"""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension


class FreshCaller(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        forget = getattr(context, "forget_user", None)
        if forget is not None:
            forget()
        # Rows too: a WebSocket's DataLoaders would otherwise answer a later query with what an earlier one read.
        forget_rows = getattr(context, "forget_loaders", None)
        if forget_rows is not None:
            forget_rows()
        yield
