"""Bad addresses in the box office show one clear "not found" state: a heading and a way back, never a spinner
left under an error."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from .browser import new_page

pytestmark = pytest.mark.asyncio(loop_scope="session")

EVENT_NOT_FOUND = "Event not found"
PAGE_NOT_FOUND = "Page not found"

BAD_ROUTES = {
    "#/events/abc": EVENT_NOT_FOUND,  # not an id at all
    "#/events/0": EVENT_NOT_FOUND,
    "#/events/-3": EVENT_NOT_FOUND,
    "#/events/99999999999": EVENT_NOT_FOUND,  # beyond the ids' 32-bit range
    "#/events/987654": EVENT_NOT_FOUND,  # a well-formed id nobody has
    "#/events/%E0%A4%A": PAGE_NOT_FOUND,  # a broken escape
    "#/events/1/more": PAGE_NOT_FOUND,
    "#/no-such-page": PAGE_NOT_FOUND,
}


async def assert_one_not_found_state(page: Page, heading: str) -> None:
    await expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    await expect(page.get_by_test_id("not-found")).to_be_visible()
    await expect(page.get_by_role("link", name="See all events")).to_be_visible()
    await expect(page.locator(".loading")).to_have_count(0)
    await expect(page.get_by_role("alert")).to_have_count(0)


@pytest.mark.parametrize("route", list(BAD_ROUTES))
async def test_a_bad_route_shows_one_not_found_state(browser: Browser, base_url: str, route: str) -> None:
    page = await new_page(browser, base_url)
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    await page.goto(f"/{route}")
    await assert_one_not_found_state(page, BAD_ROUTES[route])
    assert script_errors == []
    await page.context.close()


async def test_following_a_bad_link_from_a_good_page_shows_the_not_found_state(
    browser: Browser, base_url: str, small_event: dict[str, str]
) -> None:
    page = await new_page(browser, base_url)
    await page.goto(f"/#/events/{small_event['id']}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(small_event["title"])
    await page.evaluate("location.hash = '#/events/abc'")
    await assert_one_not_found_state(page, EVENT_NOT_FOUND)
    await page.get_by_role("link", name="See all events").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Upcoming events")
    await page.context.close()


async def test_an_event_that_cannot_load_shows_the_error_and_a_retry_instead_of_a_spinner(
    browser: Browser, base_url: str, small_event: dict[str, str]
) -> None:
    page = await new_page(browser, base_url)
    await page.route("**/graphql", lambda route: route.abort("internetdisconnected"))
    await page.goto(f"/#/events/{small_event['id']}")
    await expect(page.get_by_role("alert")).to_contain_text("Could not reach the server")
    await expect(page.locator(".loading")).to_have_count(0)

    await page.unroute("**/graphql")
    await page.get_by_role("button", name="Try again").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(small_event["title"])
    await expect(page.get_by_role("alert")).to_be_hidden()
    await page.context.close()
