"""Text PostgreSQL cannot store is refused as BAD_USER_INPUT before any resolver runs.

A NUL character (U+0000) is not allowed in PostgreSQL text, and an unpaired surrogate (U+D800..U+DFFF, which
JSON's `\\ud800` escapes can produce) is not encodable as UTF-8: either would fail deep inside a write as an
INTERNAL_SERVER_ERROR. No field of the API has a use for them, so every string in the request, in literals (a cached
validation rule) and in variables, is checked up front, and the request is refused as a whole: nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, StringValueNode, ValidationRule
from strawberry.extensions import SchemaExtension

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
MESSAGE = "Text must not contain NUL characters (\\u0000) or unpaired surrogates (\\ud800-\\udfff)"


def unstorable(value: str) -> bool:
    return _UNSTORABLE.search(value) is not None


def _bad_variables(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, str):
        if unstorable(value):
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _bad_variables(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _bad_variables(item, f"{path}[{index}]")


def storable_variables(variables: dict[str, Any] | None) -> bool:
    """True when no string anywhere in the variables is unstorable (what RefuseUnstorableText would refuse)."""
    return variables is None or not any(
        True for name, value in variables.items() for _ in _bad_variables(value, f"${name}")
    )


class UnstorableLiterals(ValidationRule):
    """Literals in the document: a validation rule, so its verdict is cached with the document's (api/validation.py)."""

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if unstorable(node.value):
            self.report_error(GraphQLError(MESSAGE, nodes=[node]))


class RefuseUnstorableText(SchemaExtension):
    """Variables, which change per request. Put after ValidationCache: it adds to the validation errors, so the
    operation never executes."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        errors: list[GraphQLError] = []
        if isinstance(context.variables, dict):
            for name, value in context.variables.items():
                errors.extend(GraphQLError(f"{MESSAGE}: {path}") for path in _bad_variables(value, f"${name}"))
        if errors:
            context.pre_execution_errors = [*(context.pre_execution_errors or []), *errors]
        yield
