"""The GraphiQL playground at /graphql works offline: every request to another host is aborted, and it still
renders, documents the schema, runs the README's walk and shows a subscription's snapshots."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
import pytest_asyncio
from playwright.async_api import Browser, ConsoleMessage, Locator, Page, Request, Route, expect
from playwright.async_api import TimeoutError as PlaywrightTimeout

from tests.support.demo import demo_password
from tests.support.graphql import REGISTER_PASSWORD, GraphQL

from .browser import DESKTOP, screenshot

pytestmark = pytest.mark.asyncio(loop_scope="session")


@dataclass
class OfflinePlayground:
    """A browser page on /graphql where nothing outside the server is reachable, and what went wrong in it."""

    page: Page
    aborted: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def problems(self) -> dict[str, list[str]]:
        found = {
            "requests to other hosts (aborted)": self.aborted,
            "failed requests": self.failed,
            "page errors": self.page_errors,
            "console errors (CSP violations land here)": self.console_errors,
        }
        return {what: items for what, items in found.items() if items}

    def editor(self, name: str) -> Locator:
        """The CodeMirror of the query editor, the visible editor tool (variables/headers) or the response."""
        selector = {
            "query": ".graphiql-query-editor .CodeMirror",
            "tool": ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror",
            "response": ".graphiql-response .CodeMirror",
        }[name]
        return self.page.locator(selector)

    async def set_text(self, name: str, text: str) -> None:
        # CodeMirror closes brackets and quotes as one types; set the text the way a paste would.
        editor = self.editor(name)
        await expect(editor).to_be_visible()
        await editor.evaluate("(element, text) => element.CodeMirror.setValue(text)", text)

    async def run(self, operation: str) -> None:
        await self.set_text("query", operation)
        # GraphiQL parses the query 100 ms after an edit and picks HTTP or WebSocket from that parse: wait for it,
        # as a person does between pasting and pressing Run.
        await self.editor("query").evaluate(
            """element => new Promise(resolve => {
                const parsed = () => element.CodeMirror.documentAST?.loc?.source.body === element.CodeMirror.getValue();
                const poll = () => (parsed() ? resolve() : requestAnimationFrame(poll));
                poll();
            })"""
        )
        await self.page.get_by_role("button", name="Execute query (Ctrl-Enter)").click()

    async def response(self) -> str:
        return await self.editor("response").evaluate("element => element.CodeMirror.getValue()")

    async def expect_response(self, text: str) -> None:
        """The response pane's whole text (CodeMirror only draws the lines in view) comes to contain `text`."""
        await expect(self.editor("response")).to_be_visible()
        try:
            await self.page.wait_for_function(
                "text => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue().includes(text)",
                arg=text,
                timeout=15_000,
            )
        except PlaywrightTimeout:
            raise AssertionError(f"the response should contain {text!r}; it is:\n{await self.response()}") from None


@pytest_asyncio.fixture(loop_scope="session")
async def playground(browser: Browser, base_url: str) -> AsyncIterator[OfflinePlayground]:
    server = urlsplit(base_url).netloc
    context = await browser.new_context(viewport=DESKTOP, base_url=base_url)
    page = await context.new_page()
    offline = OfflinePlayground(page)

    async def only_this_server(route: Route) -> None:
        if urlsplit(route.request.url).netloc == server or route.request.url.startswith("data:"):
            await route.continue_()
        else:
            offline.aborted.append(route.request.url)
            await route.abort("internetdisconnected")

    def failed(request: Request) -> None:
        offline.failed.append(f"{request.url}: {request.failure}")

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            offline.console_errors.append(message.text)

    await context.route("**/*", only_this_server)
    page.on("requestfailed", failed)
    page.on("pageerror", lambda error: offline.page_errors.append(str(error)))
    page.on("console", console)
    await page.goto("/graphql")
    yield offline
    await context.close()
    assert offline.problems() == {}, "the playground should need nothing but this server"


async def test_the_playground_renders_offline_and_documents_the_schema(playground: OfflinePlayground) -> None:
    page = playground.page
    await expect(playground.editor("query")).to_be_visible()
    await expect(page.get_by_role("button", name="Execute query (Ctrl-Enter)")).to_be_visible()
    await expect(page.locator(".playground-loading")).to_have_count(0)

    await page.get_by_role("button", name="Show Documentation Explorer").click()
    docs = page.locator(".graphiql-doc-explorer")
    await docs.get_by_role("link", name="Mutation", exact=True).click()
    await docs.get_by_role("link", name="bookEvent", exact=True).click()
    # The schema documents itself: the mutation's description and its arguments' show in the docs.
    await expect(docs).to_contain_text("first come, first served")
    await expect(docs).to_contain_text("Seats, 1..10")
    await screenshot(page, "playground-docs-desktop")


async def published_event(api: GraphQL, title: str, capacity: int) -> str:
    organizer = await api.login("organizer@example.com", demo_password("organizer@example.com"))
    created = await organizer(
        "mutation($input: EventInput!) { createEvent(input: $input) { id } }",
        {"input": {"title": title, "venue": "Studio", "capacity": capacity, "startsAt": "2031-05-01T20:00:00+00:00"}},
    )
    event_id: str = created["createEvent"]["id"]
    await organizer("mutation($id: ID!) { publishEvent(id: $id) { id } }", {"id": event_id})
    return event_id


async def test_the_readme_walk_signs_in_and_books_through_the_headers_tab(
    playground: OfflinePlayground, api: GraphQL
) -> None:
    event_id = await published_event(api, f"Playground Night {uuid.uuid4().hex[:6]}", 5)
    person = await api.register("playground-walker")

    await playground.run(
        f'mutation {{ login(email: "{person.email}", password: "{REGISTER_PASSWORD}") '
        "{ token user { name role } } }"
    )
    await playground.expect_response('"role": "AUDIENCE"')
    token = json.loads(await playground.response())["data"]["login"]["token"]

    await playground.page.get_by_role("button", name="Headers").click()
    await playground.set_text("tool", json.dumps({"Authorization": f"Bearer {token}"}))
    await playground.run("{ events { edges { node { id title seatsRemaining waitlistLength } } } }")
    await playground.expect_response("Playground Night")
    await screenshot(playground.page, "playground-desktop")

    await playground.run(f'mutation {{ bookEvent(eventId: "{event_id}") {{ id status waitlistPosition }} }}')
    await playground.expect_response('"status": "CONFIRMED"')
    assert (await api.event(event_id))["seatsRemaining"] == 4


async def test_a_subscription_shows_the_event_snapshots_over_websocket(
    playground: OfflinePlayground, api: GraphQL
) -> None:
    title = f"Playground Live {uuid.uuid4().hex[:6]}"
    event_id = await published_event(api, title, 6)
    sockets: list[str] = []
    playground.page.on("websocket", lambda socket: sockets.append(socket.url))

    await playground.run(f'subscription {{ eventUpdates(eventId: "{event_id}") {{ title seatsRemaining }} }}')
    await playground.expect_response(title)
    await playground.expect_response('"seatsRemaining": 6')
    assert sockets and all(url.endswith("/graphql") for url in sockets), sockets

    await (await api.register("playground-booker")).book(event_id, 2)
    await playground.expect_response('"seatsRemaining": 4')
    # The button now stops the subscription.
    await playground.page.get_by_role("button", name="Stop query (Ctrl-Enter)").click()
    await expect(playground.page.get_by_role("button", name="Execute query (Ctrl-Enter)")).to_be_visible()
