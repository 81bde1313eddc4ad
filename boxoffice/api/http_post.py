"""POST /graphql served by Strawberry's plain ASGI view, in front of FastAPI's route for the same path.

FastAPI's route for a GraphQL POST resolves the context through its dependency injection on every request
(signature inspection, an exit stack, the route's request/response wrapping): about a fifth of the CPU of a
cached read. This view runs the same Strawberry HTTP handling (`AsyncBaseHTTPView.run`: content types, JSON
parsing, the same schema and the same response) with the context built directly and closed once the response
is out. Every app-level middleware (body size cap, headers, error pages) still wraps it; GET (the playground,
queries via GET) and WebSocket keep going through the FastAPI router.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.schema import BaseSchema

from boxoffice.api.context import Context, build_context
from boxoffice.api.json_encoding import encode_json

_CONTEXT_KEY = "boxoffice.context"


class GraphQLPost(GraphQL[Context, None]):
    def __init__(self, schema: BaseSchema, app_state: Any) -> None:
        super().__init__(schema, graphql_ide=None, allow_queries_via_get=False)
        self._app_state = app_state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            context: Context | None = scope.pop(_CONTEXT_KEY, None)
            if context is not None:
                await context.close()

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        context = build_context(self._app_state, request)
        # As FastAPI's router would set them on a BaseContext.
        context.request = request
        if isinstance(response, Response):
            context.response = response
        request.scope[_CONTEXT_KEY] = context
        return context

    def encode_json(self, data: object) -> str:
        return encode_json(data)
