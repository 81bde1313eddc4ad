"""Helpers shared by the browser tests: browser sessions, the demo sign-in buttons, screenshots."""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Locator, Page, ViewportSize, expect

from tests.support.demo import demo_password
from tests.support.graphql import GraphQL

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "screenshots"

DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
VIEWPORTS: dict[str, ViewportSize] = {"desktop": DESKTOP, "phone": PHONE}

# The labels of the sign-in page's demo buttons (boxoffice/static/views/signin.js).
DEMO_BUTTONS = {
    "admin@example.com": "Admin",
    "organizer@example.com": "Organizer",
    "alice@example.com": "Alice",
    "bob@example.com": "Bob",
}


async def new_page(browser: Browser, base_url: str, viewport: ViewportSize = DESKTOP) -> Page:
    """A page in its own browser context: its own localStorage, so its own signed-in person."""
    context: BrowserContext = await browser.new_context(viewport=viewport, base_url=base_url)
    page = await context.new_page()
    return page


async def sign_in_with_demo_button(page: Page, email: str) -> None:
    await page.goto("/#/signin")
    await page.get_by_role("button", name=f"Sign in as {DEMO_BUTTONS[email]}").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()


async def screenshot(page: Page, name: str) -> Path:
    """Saves a full-page PNG under screenshots/ at the repo root (gitignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # Let notices fade in and fonts settle so the picture shows the finished page.
    await page.wait_for_timeout(300)
    await page.screenshot(path=str(path), full_page=True)
    return path


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


def unique(title: str) -> str:
    """A title no other test (or earlier run against the same server) uses."""
    return f"{title} {uuid.uuid4().hex[:6]}"


async def demo_user(api: GraphQL, email: str) -> GraphQL:
    """A demo login (alice@, bob@, organizer@, admin@example.com), signed in through the API. Tests that need
    several people on an event of their own use these rather than registering (sign-ups are rate limited)."""
    return await api.login(email, demo_password(email))


async def organizer_of(api: GraphQL) -> GraphQL:
    """The demo organizer, signed in through the API."""
    return await demo_user(api, "organizer@example.com")


async def page_of(browser: Browser, base_url: str, person: GraphQL, path: str) -> Page:
    """A new browser page signed in as `person` (a client the test holds), showing `path` (e.g. "/#/bookings")."""
    page = await new_page(browser, base_url)
    await sign_in_as(page, person)
    await page.goto(path)
    return page


async def published_event(
    organizer: GraphQL,
    title: str,
    capacity: int,
    offer_minutes: int | None = None,
    starts_at: str = "2031-01-01T20:00:00Z",
) -> str:
    """A published event of `organizer`'s, starting in 2031 unless told; its id. With `offer_minutes`, under the
    OFFER waitlist policy: freed seats are offered to the head of the line for that long."""
    event_input: dict[str, object] = {
        "title": title,
        "venue": "Test Hall",
        "startsAt": starts_at,
        "capacity": capacity,
    }
    if offer_minutes is not None:
        event_input.update(waitlistPolicy="OFFER", offerMinutes=offer_minutes)
    created = await organizer(
        "mutation($input: EventInput!) { createEvent(input: $input) { id } }", {"input": event_input}
    )
    event_id: str = created["createEvent"]["id"]
    await organizer("mutation($id: ID!) { publishEvent(id: $id) { id } }", {"id": event_id})
    return event_id


async def screenshot_of(element: Locator, name: str) -> Path:
    """Saves a PNG of one part of a page (e.g. one event's bookings) under screenshots/."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await element.page.wait_for_timeout(300)
    await element.screenshot(path=str(path))
    return path
