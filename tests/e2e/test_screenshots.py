"""Pictures of the main pages at desktop and phone size, written to screenshots/ for people to look at."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from .support import VIEWPORTS, ViewportSize, new_page, screenshot, sign_in_with_demo_button

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def visit(page: Page, path: str, heading: str) -> None:
    await page.goto(path)
    await expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    await expect(page.locator(".loading")).to_have_count(0)


async def assert_no_sideways_scroll(page: Page) -> None:
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


@pytest.mark.parametrize("size", list(VIEWPORTS))
async def test_main_pages(browser: Browser, base_url: str, small_event: dict[str, str], size: str) -> None:
    viewport: ViewportSize = VIEWPORTS[size]
    page = await new_page(browser, base_url, viewport)

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
    await page.context.close()
