"""An organizer creates a draft, publishes it, and the public list shows it."""

from __future__ import annotations

import uuid

import pytest
from playwright.async_api import Browser, expect

from .browser import new_page, screenshot, sign_in_with_demo_button

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_organizer_creates_and_publishes_an_event(browser: Browser, base_url: str) -> None:
    title = f"Harbour Lights Concert {uuid.uuid4().hex[:6]}"
    page = await new_page(browser, base_url)
    await sign_in_with_demo_button(page, "organizer@example.com")
    await page.get_by_role("link", name="Organizer").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Organizer console")

    create = page.locator("section", has=page.get_by_role("heading", name="Create an event"))
    await create.get_by_label("Title").fill(title)
    await create.get_by_label("Venue").fill("Pier 9")
    await create.get_by_label("Starts at").fill("2031-06-01T19:30")
    await create.get_by_label("Capacity (seats)").fill("120")
    await create.get_by_label("Description").fill("Songs by the water.")
    await create.get_by_role("button", name="Create draft").click()

    drafts = page.locator("section", has=page.get_by_role("heading", name="Drafts"))
    draft = drafts.locator("li", has_text=title)
    await expect(draft).to_contain_text("Draft")
    await expect(draft).to_contain_text("120 of 120 seats left")
    await screenshot(page, "organizer-draft-desktop")

    # A second look: more seats before it goes on sale.
    await draft.get_by_role("button", name="Edit").click()
    await draft.get_by_label("Capacity (seats)").fill("150")
    await draft.get_by_role("button", name="Save changes").click()
    await expect(draft).to_contain_text("150 of 150 seats left")

    # Not public yet.
    await page.get_by_role("link", name="Events").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Upcoming events")
    await expect(page.get_by_role("link", name=title)).to_have_count(0)

    await page.get_by_role("link", name="Organizer").click()
    await page.locator("li", has_text=title).get_by_role("button", name="Publish").click()
    published = page.locator("section", has=page.get_by_role("heading", name="Published"))
    await expect(published.locator("li", has_text=title)).to_contain_text("Published")

    await page.get_by_role("link", name="Events").click()
    card = page.locator("li.event-card", has_text=title)
    await expect(card).to_contain_text("150 of 150 seats left")
    await expect(card).to_contain_text("Pier 9")

    await page.context.close()
