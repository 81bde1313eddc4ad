"""The schema: roots, and the extensions that shape errors and refuse abusive queries."""

from __future__ import annotations

from strawberry.extensions import DisableIntrospection

from boxoffice.api.errors import BoxofficeSchema, ErrorCodes
from boxoffice.api.fanout import SnapshotExecutor
from boxoffice.api.freshness import FreshCaller
from boxoffice.api.input_guard import RefuseUnstorableText
from boxoffice.api.validation import query_limit_extensions
from boxoffice.config import Settings
from boxoffice.schema.mutation import Mutation
from boxoffice.schema.query import Query
from boxoffice.schema.subscriptions import StreamErrorCodes, Subscription


def build_schema(settings: Settings) -> BoxofficeSchema:
    return BoxofficeSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            # First, so it sees the errors of every extension after it.
            ErrorCodes,
            # The same shaping for each result a stream yields (subscriptions, operations over WebSocket).
            StreamErrorCodes,
            # Every operation reads the caller's account afresh (a WebSocket's context outlives its operations).
            FreshCaller,
            # Factories: Strawberry builds fresh extension instances for every request. The limits' rules are
            # built once here, so repeated documents hit the parse and validation caches (api/validation.py).
            *query_limit_extensions(settings),
            # After ValidationCache, whose result it adds to: NUL and unpaired surrogates never reach a resolver.
            RefuseUnstorableText,
            # Off by default in production (BOXOFFICE_INTROSPECTION): the schema is not a map for strangers.
            *([] if settings.introspection_enabled else [DisableIntrospection]),
        ],
        # Strawberry's executor with a fresh field memo per subscription event: graphql-core's grows forever.
        execution_context_class=SnapshotExecutor,
    )
