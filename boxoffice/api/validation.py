"""The query limits, built once per schema so that parsing and validation are cached across requests.

Strawberry's QueryDepthLimiter and MaxAliasesLimiter each define a new validation-rule class when they are
constructed. Built per request (as extension factories are), every request carries different rule classes,
so ValidationCache, which is keyed by (schema, document, rules), never hits and graphql-core re-validates
every document. Here the limiters are constructed once, when the schema is built, and each request gets a
plain AddValidationRules with those same classes: identical documents hit the cache, and a document over a
limit is refused exactly as before (the verdict is cached with the document's other validation errors).

MaxTokensLimiter only sets a parse option (the same number every time), which is part of ParserCache's key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from graphql import ASTValidationRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from boxoffice.api.input_guard import UnstorableLiterals
from boxoffice.config import Settings

# Distinct documents remembered by each cache (LRU): a client sending ever new documents only evicts entries.
CACHED_DOCUMENTS = 1024


def limit_rules(settings: Settings) -> tuple[type[ASTValidationRule], ...]:
    """The depth and alias limits and the refusal of unstorable literals as validation-rule classes, built once."""
    return (
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
        UnstorableLiterals,
    )


def query_limit_extensions(settings: Settings) -> Sequence[Callable[[], SchemaExtension]]:
    """The extension factories that refuse abusive documents and cache the parse and the verdict.

    Order matters: the limits set the parse options and the rules before ParserCache and ValidationCache run.
    """
    rules = list(limit_rules(settings))
    return [
        partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
        partial(AddValidationRules, rules),
        partial(ParserCache, maxsize=CACHED_DOCUMENTS),
        partial(ValidationCache, maxsize=CACHED_DOCUMENTS),
    ]
