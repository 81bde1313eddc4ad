"""The schema: roots, and the extensions that shape errors and refuse abusive queries."""

from __future__ import annotations

from functools import partial

from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)

from boxoffice.api.errors import BoxofficeSchema, ErrorCodes
from boxoffice.api.fanout import SnapshotExecutor
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
            # Factories: Strawberry builds fresh extension instances for every request.
            partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
            partial(QueryDepthLimiter, max_depth=settings.max_query_depth),
            partial(MaxAliasesLimiter, max_alias_count=settings.max_aliases),
            ParserCache,
            ValidationCache,
        ],
        # Strawberry's executor with a fresh field memo per subscription event: graphql-core's grows forever.
        execution_context_class=SnapshotExecutor,
    )
