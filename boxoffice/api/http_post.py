"""POST /graphql served by Strawberry's plain ASGI view, in front of FastAPI's route for the same path.

FastAPI's route for a GraphQL POST resolves the context through its dependency injection on every request
(signature inspection, an exit stack, the route's request/response wrapping): about a fifth of the CPU of a
cached read. This view runs the same Strawberry HTTP handling (`AsyncBaseHTTPView.run`: content types, JSON
parsing, the same schema and the same response) with the context built directly and closed once the response
is out. Every app-level middleware (body size cap, headers, error pages) still wraps it; GET (the playground,
queries via GET) and WebSocket keep going through the FastAPI router.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.http.async_base_view import AsyncBaseHTTPView
from strawberry.schema import BaseSchema

from boxoffice.api.context import Context, build_context

_CONTEXT_KEY = "boxoffice.context"


class GraphQLPost(GraphQL[Context, None]):
    """The HTTP view for POST. Its JSON and request hooks are the router's (`like`), so a customization made
    there (parsing, refusing, encoding) applies to POST too."""

    def __init__(
        self, schema: BaseSchema, app_state: Any, like: AsyncBaseHTTPView[Any, Any, Any, Any, Any, Any, Any]
    ) -> None:
        super().__init__(schema, graphql_ide=None, allow_queries_via_get=False)
        self._app_state = app_state
        self._like = like

    def parse_json(self, data: str | bytes) -> Any:
        return self._like.parse_json(data)

    def decode_json(self, data: str | bytes) -> object:
        return self._like.decode_json(data)

    def encode_json(self, data: object) -> str | bytes:
        return self._like.encode_json(data)

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData | list[GraphQLRequestData]:
        """The usual request, a JSON object POSTed as `application/json` with no streamed answer asked for, read with
        orjson into what Strawberry would make of it; anything else Strawberry's own way.

        Strawberry's way parses the Content-Type with the email package and the body with the standard library:
        ~40% of the view's own time on a cached read. A body orjson reads differently from the standard library
        is left to it too: not JSON to orjson (lone surrogates, NaN, a byte order mark...), or a number of 19 or
        more digits (orjson reads integers past 64 bits as floats)."""
        headers = request.headers
        if (
            request.content_type == "application/json"
            and ("accept" not in headers or self._get_stream_transport_from_headers(headers) is None)
            and isinstance(data := _json_object(await request.get_body()), dict)
        ):
            query, variables, extensions = data.get("query"), data.get("variables"), data.get("extensions")
            if (
                isinstance(query, str | None)
                and isinstance(variables, dict | None)
                and isinstance(extensions, dict | None)
            ):
                return GraphQLRequestData(
                    query=query,
                    variables=variables,
                    operation_name=data.get("operationName"),
                    extensions=extensions,
                    protocol="http",
                )
        return await super().parse_http_body(request)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            try:
                response: Response = await self.run(Request(scope=scope, receive=receive))
            except HTTPException as error:
                response = PlainTextResponse(error.reason, status_code=error.status_code)
        finally:
            # Before the response goes out: the session and the database place are free while it is sent.
            context: Context | None = scope.pop(_CONTEXT_KEY, None)
            if context is not None:
                await context.close()
        await response(scope, receive, send)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        context = build_context(self._app_state, request)
        # As FastAPI's router would set them on a BaseContext.
        context.request = request
        if isinstance(response, Response):
            context.response = response
        request.scope[_CONTEXT_KEY] = context
        return context


_LONG_NUMBER = re.compile(rb"[0-9]{19}")


def _json_object(body: bytes) -> object:
    """The body as orjson reads it, or None where it might read differently from the standard library."""
    if _LONG_NUMBER.search(body):
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
