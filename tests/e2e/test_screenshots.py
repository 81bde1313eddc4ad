"""Pictures of the main pages at desktop and phone size, written to screenshots/ for people to look at."""

from __future__ import annotations

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from tests.support.demo import demo_password
from tests.support.graphql import GraphQL, GraphQLError

from .browser import VIEWPORTS, ViewportSize, new_page, screenshot, sign_in_with_demo_button

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def give_admin_some_bookings(api: GraphQL) -> None:
    """One confirmed and one waitlisted booking, so "My bookings" has something to show."""
    admin = await api.login("admin@example.com", demo_password("admin@example.com"))
    created = await admin(
        """mutation($input: EventInput!) { createEvent(input: $input) { id } }""",
        {
            "input": {
                "title": "Sold-out Cellar Session",
                "venue": "The Vault",
                "capacity": 1,
                "startsAt": "2031-03-01T21:00:00+00:00",
                "description": "One seat, long line.",
            }
        },
    )
    sold_out = created["createEvent"]["id"]
    await admin("mutation($id: ID!) { publishEvent(id: $id) { id } }", {"id": sold_out})
    await (await api.register("first-in-line")).book(sold_out, 1)
    await admin.book(sold_out, 1)
    biggest = max(await api.published_events(), key=lambda event: event["capacity"])
    try:
        await admin.book(biggest["id"], 2)
    except GraphQLError:
        pass  # already booked by an earlier run against the same server


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def admin_has_bookings(api: GraphQL) -> None:
    await give_admin_some_bookings(api)


async def visit(page: Page, path: str, heading: str) -> None:
    await page.goto(path)
    await expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    await expect(page.locator(".loading")).to_have_count(0)


async def assert_no_sideways_scroll(page: Page) -> None:
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


@pytest.mark.parametrize("size", list(VIEWPORTS))
async def test_main_pages(
    browser: Browser, base_url: str, small_event: dict[str, str], admin_has_bookings: None, size: str
) -> None:
    viewport: ViewportSize = VIEWPORTS[size]
    page = await new_page(browser, base_url, viewport)
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and script_errors.append(message.text))

    await visit(page, "/#/signin", "Sign in")
    await screenshot(page, f"signin-{size}")
    await assert_no_sideways_scroll(page)

    await sign_in_with_demo_button(page, "admin@example.com")
    pages = [
        ("/#/", "Upcoming events", "events"),
        (f"/#/events/{small_event['id']}", small_event["title"], "event"),
        ("/#/bookings", "My bookings", "my-bookings"),
        ("/#/organizer", "Organizer console", "organizer"),
        ("/#/admin", "Admin", "admin"),
    ]
    for path, heading, name in pages:
        await visit(page, path, heading)
        await screenshot(page, f"{name}-{size}")
        await assert_no_sideways_scroll(page)
    assert script_errors == [], "the pages should run without script errors"
    await page.context.close()
