"""The GraphQL router: Strawberry's, with request bodies that are JSON but not a GraphQL request answered 400."""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException
from strawberry.fastapi import GraphQLRouter

NOT_A_REQUEST = (
    'The request body must be a JSON object such as {"query": "...", "variables": {...}, "operationName": "..."}'
)


class BoxofficeGraphQLRouter(GraphQLRouter[Any, None]):
    def parse_json(self, data: str | bytes) -> Any:
        parsed = super().parse_json(data)
        # Strawberry reads `.get("query")` from it: `null`, `"x"` or `1` would be a 500. (Lists are batches,
        # which Strawberry itself refuses with a 400.)
        if not isinstance(parsed, dict | list):
            raise HTTPException(400, NOT_A_REQUEST)
        return parsed
