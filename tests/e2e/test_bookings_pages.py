"""The organizer's bookings list after a 10,000-booker simulation: 50 at a time, with counts and a filter."""

from __future__ import annotations

import uuid

import pytest
from playwright.async_api import Browser, expect

from tests.support.demo import demo_password
from tests.support.graphql import GraphQL

from .browser import PHONE, new_page, published_event, screenshot_of, sign_in_with_demo_button

pytestmark = pytest.mark.asyncio(loop_scope="session")

CAPACITY = 100
BOOKERS = 10_000


async def test_the_bookings_of_a_10000_booker_rush_open_a_page_at_a_time(
    browser: Browser, base_url: str, api: GraphQL
) -> None:
    organizer = await api.login("organizer@example.com", demo_password("organizer@example.com"))
    admin = await api.login("admin@example.com", demo_password("admin@example.com"))
    title = f"Stadium Rush {uuid.uuid4().hex[:6]}"
    event_id = await published_event(organizer, title, CAPACITY)
    await admin(
        "mutation($id: ID!, $n: Int!) { simulateBookings(eventId: $id, users: $n) { bookers } }",
        {"id": event_id, "n": BOOKERS},
    )

    page = await new_page(browser, base_url)
    await sign_in_with_demo_button(page, "organizer@example.com")
    await page.get_by_role("link", name="Organizer").click()
    item = page.locator("li.managed-event", has_text=title)
    await item.get_by_role("button", name="Show bookings").click()

    counts = item.get_by_test_id("booking-counts")
    await expect(counts).to_have_text(
        "Confirmed: 100 people, 100 tickets · Waiting list: 9,900 people waiting for 9,900 tickets"
    )
    position = item.get_by_test_id("page-position")
    await expect(position).to_have_text("Showing 1–50 of 100")
    rows = item.locator("tbody tr")
    await expect(rows).to_have_count(50)
    await expect(item.get_by_role("button", name="Previous 50")).to_be_disabled()

    await item.get_by_label("Show").select_option("WAITLISTED")
    await expect(position).to_have_text("Showing 1–50 of 9,900")
    await expect(rows.first.locator("td").first).to_have_text("1")
    await item.get_by_role("button", name="Next 50").click()
    await expect(position).to_have_text("Showing 51–100 of 9,900")
    await expect(rows.first.locator("td").first).to_have_text("51")
    await expect(rows).to_have_count(50)
    await screenshot_of(item, "organizer-bookings-paginated-desktop")

    await item.get_by_role("button", name="Previous 50").click()
    await expect(position).to_have_text("Showing 1–50 of 9,900")
    await expect(rows.first.locator("td").first).to_have_text("1")

    await page.set_viewport_size(PHONE)
    await screenshot_of(item, "organizer-bookings-paginated-phone")
    await page.context.close()
