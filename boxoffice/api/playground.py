"""The GraphiQL playground at GET /graphql, served entirely by Boxoffice: it works without internet.

The page loads React, ReactDOM and GraphiQL from boxoffice/static/vendor/ (pinned in PINNED.json, refreshed by
scripts/fetch_playground.py) and its own bootstrap from boxoffice/static/playground/. Nothing is inline, so the
page runs under PLAYGROUND_CSP: GraphiQL needs inline styles (CodeMirror and its popups position themselves with
style attributes) and data: URIs (its fonts are inlined in graphiql.min.css), never eval.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from cross_web import HTTPException
from fastapi import Request
from fastapi.responses import HTMLResponse
from strawberry.fastapi import GraphQLRouter

from boxoffice.api.headers import PLAYGROUND_POLICY
from boxoffice.api.json_encoding import encode_json
from boxoffice.api.router import NOT_A_REQUEST
from boxoffice.api.websocket import TransportWSHandler

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"

# What the page needs from a Content-Security-Policy lives with the other policies (boxoffice/api/headers.py).
PLAYGROUND_CSP = PLAYGROUND_POLICY


@cache
def vendored_versions() -> dict[str, str]:
    pins = json.loads((STATIC_DIR / "vendor" / "PINNED.json").read_text())
    return {package["dir"]: package["version"] for package in pins["packages"]}


@cache
def playground_html() -> str:
    versions = vendored_versions()
    react, react_dom, graphiql = versions["react"], versions["react-dom"], versions["graphiql"]
    # The version in the query string makes browsers fetch a new copy after an upgrade.
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Boxoffice GraphQL playground</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/vendor/graphiql/graphiql.min.css?v={graphiql}">
  <link rel="stylesheet" href="/playground/playground.css">
  <script defer src="/vendor/react/react.production.min.js?v={react}"></script>
  <script defer src="/vendor/react-dom/react-dom.production.min.js?v={react_dom}"></script>
  <script defer src="/vendor/graphiql/graphiql.min.js?v={graphiql}"></script>
  <script defer src="/playground/playground.js"></script>
</head>
<body>
  <div id="graphiql" data-testid="playground">
    <noscript>The GraphQL playground needs JavaScript. POST queries to /graphql instead.</noscript>
    <p class="playground-loading">Loading the playground…</p>
  </div>
</body>
</html>
"""


class BoxofficeGraphQLRouter(GraphQLRouter[Any, Any]):
    """Strawberry's router, with the offline playground instead of the CDN-loaded GraphiQL page, and a
    WebSocket handler that can send a subscription's pre-encoded pushes (boxoffice/api/websocket.py)."""

    graphql_transport_ws_handler_class = TransportWSHandler

    def parse_json(self, data: str | bytes) -> Any:
        parsed = super().parse_json(data)
        # Strawberry reads `.get("query")` from it: `null`, `"x"` or `1` would be a 500. (Lists are batches,
        # which Strawberry itself refuses with a 400.)
        if not isinstance(parsed, dict | list):
            raise HTTPException(400, NOT_A_REQUEST)
        return parsed

    def encode_json(self, data: object) -> str:
        return encode_json(data)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(playground_html(), headers={"Content-Security-Policy": PLAYGROUND_CSP})
