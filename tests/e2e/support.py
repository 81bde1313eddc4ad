"""Helpers shared by the browser tests: GraphQL over HTTP, browser sessions, screenshots."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, expect

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "screenshots"

DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
VIEWPORTS: dict[str, ViewportSize] = {"desktop": DESKTOP, "phone": PHONE}

DEMO_NAMES = {
    "admin@example.com": "Admin",
    "organizer@example.com": "Organizer",
    "alice@example.com": "Alice",
    "bob@example.com": "Bob",
}
DEMO_PASSWORDS = {
    "admin@example.com": "admin123",
    "organizer@example.com": "organizer123",
    "alice@example.com": "alice123",
    "bob@example.com": "bob123",
}


class GraphQLFailure(AssertionError):
    """The server answered a test's own GraphQL call with errors."""


@dataclass
class GraphQL:
    """A tiny GraphQL-over-HTTP client for setting the scene behind the browser's back."""

    base_url: str
    token: str | None = None
    email: str | None = None

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with httpx.AsyncClient(base_url=self.base_url, timeout=120) as client:
            payload = {"query": query, "variables": variables or {}}
            response = await client.post("/graphql", json=payload, headers=headers)
        body = response.json()
        if body.get("errors"):
            raise GraphQLFailure(f"GraphQL errors: {body['errors']}")
        return body["data"]

    async def login(self, email: str, password: str) -> GraphQL:
        data = await self(
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
            {"e": email, "p": password},
        )
        return GraphQL(self.base_url, data["login"]["token"], email)

    async def register(self, label: str) -> GraphQL:
        """Registers a fresh AUDIENCE user (unique email) and returns a client signed in as them."""
        email = f"{label}-{uuid.uuid4().hex[:8]}@example.com"
        data = await self(
            "mutation($e: String!, $p: String!, $n: String!) { register(email: $e, password: $p, name: $n) { token } }",
            {"e": email, "p": "long-enough-password", "n": label.replace("-", " ").title()},
        )
        return GraphQL(self.base_url, data["register"]["token"], email)

    async def book(self, event_id: str, quantity: int) -> dict[str, Any]:
        data = await self(
            "mutation($id: ID!, $q: Int!) { bookEvent(eventId: $id, quantity: $q) { id status waitlistPosition } }",
            {"id": event_id, "q": quantity},
        )
        return data["bookEvent"]

    async def cancel_booking(self, booking_id: str) -> None:
        await self("mutation($id: ID!) { cancelBooking(id: $id) { id status } }", {"id": booking_id})

    async def event(self, event_id: str) -> dict[str, Any]:
        data = await self(
            "query($id: ID!) { event(id: $id) { id title capacity seatsRemaining waitlistLength status } }",
            {"id": event_id},
        )
        return data["event"]

    async def published_events(self) -> list[dict[str, Any]]:
        data = await self(
            "{ events(status: PUBLISHED, first: 50) { edges { node { id title capacity seatsRemaining } } } }"
        )
        return [edge["node"] for edge in data["events"]["edges"]]


async def new_page(browser: Browser, base_url: str, viewport: ViewportSize = DESKTOP) -> Page:
    """A page in its own browser context: its own localStorage, so its own signed-in person."""
    context: BrowserContext = await browser.new_context(viewport=viewport, base_url=base_url)
    page = await context.new_page()
    return page


async def sign_in_with_demo_button(page: Page, email: str) -> None:
    await page.goto("/#/signin")
    await page.get_by_role("button", name=f"Sign in as {DEMO_NAMES[email]}").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()


async def sign_in_as(page: Page, client: GraphQL) -> None:
    """Signs the page in with a token the test already holds (e.g. a freshly registered user's)."""
    me = (await client("{ me { id email name role } }"))["me"]
    await page.goto("/")
    await page.evaluate(
        """([token, user]) => localStorage.setItem('boxoffice.session', JSON.stringify({
            token, user, expiresAt: new Date(Date.now() + 3600 * 1000).toISOString()}))""",
        [client.token, me],
    )
    await page.reload()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()


async def published_event(organizer: GraphQL, title: str, capacity: int) -> str:
    """A published event of `organizer`'s, starting in 2031; its id."""
    created = await organizer(
        "mutation($input: EventInput!) { createEvent(input: $input) { id } }",
        {
            "input": {
                "title": title,
                "venue": "Test Hall",
                "startsAt": "2031-01-01T20:00:00+00:00",
                "capacity": capacity,
            }
        },
    )
    event_id = created["createEvent"]["id"]
    await organizer("mutation($id: ID!) { publishEvent(id: $id) { id } }", {"id": event_id})
    return event_id


async def screenshot(page: Page, name: str) -> Path:
    """Saves a full-page PNG under screenshots/ at the repo root (gitignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # Let notices fade in and fonts settle so the picture shows the finished page.
    await page.wait_for_timeout(300)
    await page.screenshot(path=str(path), full_page=True)
    return path
