"""What the GraphQL router (boxoffice/api/playground.py) answers to a body that is JSON but not a request."""

from __future__ import annotations

NOT_A_REQUEST = (
    'The request body must be a JSON object such as {"query": "...", "variables": {...}, "operationName": "..."}'
)
