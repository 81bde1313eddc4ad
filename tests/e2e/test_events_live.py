"""The public events list stays live for the cards on screen, however long the list is: the server runs a bounded
number of subscriptions per connection (20 by default), and a page shows up to 50 events."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.support.graphql import GraphQL

from .browser import demo_user, new_page, published_event, unique

pytestmark = pytest.mark.asyncio(loop_scope="session")

# More events than the server's default operations per connection (BOXOFFICE_WS_MAX_OPERATIONS = 20).
LONGER_THAN_THE_BUDGET = 24


async def test_a_long_events_list_follows_the_cards_scrolled_into_view(
    browser: Browser, base_url: str, api: GraphQL
) -> None:
    admin = await demo_user(api, "admin@example.com")
    for _ in range(len(await api.published_events()), LONGER_THAN_THE_BUDGET):
        await published_event(admin, unique("Filler Fair"), 10)
    # The latest start: the end of the list.
    last_title = unique("Last Of The List")
    last_id = await published_event(admin, last_title, 10, starts_at="2032-12-31T20:00:00Z")

    page = await new_page(browser, base_url)
    await page.goto("/")
    cards = page.locator("li.event-card")
    await expect(cards.first).to_be_visible()
    assert await cards.count() >= LONGER_THAN_THE_BUDGET
    last = cards.filter(has_text=last_title)
    await last.scroll_into_view_if_needed()
    await expect(page.locator("#live-status")).to_have_text("Live updates: on")

    await (await demo_user(api, "alice@example.com")).book(last_id, 1)
    await expect(last.get_by_test_id("seats")).to_have_text("9 of 10 seats left")
    await expect(page.locator("#live-status")).to_have_text("Live updates: on")  # nothing was refused
    await page.context.close()
