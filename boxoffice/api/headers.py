"""Security headers on every HTTP response, with one Content-Security-Policy per kind of page.

The policies live here and nowhere else. What each page must satisfy:

- APP_POLICY, for `/` and every static file of the box office (boxoffice/static): scripts and styles only from
  files on this origin (no inline `<script>`, no `<style>` blocks, no `style="..."` attributes in markup or via
  setAttribute; setting `element.style.x` from a script is fine), fetch and WebSocket only to this origin,
  images from this origin or `data:` URLs.
- PLAYGROUND_POLICY, for the GraphiQL page at GET /graphql (its assets are served from this origin too): scripts
  only from files on this origin (no inline script, no eval), styles from this origin plus inline ones (GraphiQL's
  editor sets inline styles), fonts and images from this origin or data:. The playground sets it itself
  (boxoffice/api/playground.py, from this module).
- API_POLICY, for JSON and everything else: nothing may load at all.

Every response also gets `X-Content-Type-Options: nosniff`, `frame-ancestors 'none'` (and the older
`X-Frame-Options: DENY`), a `Referrer-Policy` and a `Cross-Origin-Opener-Policy`.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_COMMON_DIRECTIVES = "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

APP_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    f"connect-src 'self'; form-action 'self'; {_COMMON_DIRECTIVES}"
)
# GraphiQL positions CodeMirror and its popups with style attributes, and inlines its fonts as data: URIs;
# 'self' covers ws:// and wss:// to this host in CSP Level 3, the schemes are for older browsers.
PLAYGROUND_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
    f"img-src 'self' data:; connect-src 'self' ws: wss:; form-action 'self'; {_COMMON_DIRECTIVES}"
)
API_POLICY = f"default-src 'none'; {_COMMON_DIRECTIVES}"

# The GraphQL endpoint and the playground's own assets (whatever path they are served under).
PLAYGROUND_PREFIX = "/graphql"
API_PATHS = ("/health",)

_STATIC_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def policy_for(path: str, content_type: str) -> str:
    """The Content-Security-Policy of a response to `path` with this content type."""
    if path in API_PATHS or content_type.startswith("application/json"):
        return API_POLICY
    if path == PLAYGROUND_PREFIX or path.startswith(PLAYGROUND_PREFIX + "/"):
        return PLAYGROUND_POLICY
    return APP_POLICY


class SecurityHeaders:
    """Adds the headers above to every HTTP response (headers the app already set are left alone)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                content_type = next((value.decode("latin-1") for name, value in headers if name == b"content-type"), "")
                extra = [*_STATIC_HEADERS, (b"content-security-policy", policy_for(path, content_type).encode())]
                headers.extend((name, value) for name, value in extra if name not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
