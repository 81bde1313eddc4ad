"""The schema: roots, and the extensions that shape errors and refuse abusive queries."""

from __future__ import annotations

from functools import partial

from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)

from boxoffice.api.errors import BoxofficeSchema, ErrorCodes
from boxoffice.api.input_guard import RefuseUnstorableText
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
            # After ValidationCache, whose result it adds to: NUL and unpaired surrogates never reach a resolver.
            RefuseUnstorableText,
            # Off by default in production (BOXOFFICE_INTROSPECTION): the schema is not a map for strangers.
            *([] if settings.introspection_enabled else [DisableIntrospection]),
        ],
    )
