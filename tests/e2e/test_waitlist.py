"""Book, fill up, wait in line, move up, get promoted: all seen live in the browser."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from tests.support.demo import demo_password
from tests.support.graphql import GraphQL

from .browser import new_page, screenshot, sign_in_with_demo_button

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def fill_remaining_seats(api: GraphQL, event_id: str) -> None:
    """Other people book until no seat is left and nobody waits (bookings hold 1..10 seats)."""
    remaining = (await api.event(event_id))["seatsRemaining"]
    while remaining > 0:
        filler = await api.register("filler")
        booking = await filler.book(event_id, min(10, remaining))
        assert booking["status"] == "CONFIRMED"
        remaining = (await api.event(event_id))["seatsRemaining"]


async def test_waitlisted_friend_moves_up_and_is_promoted_live(
    browser: Browser, base_url: str, api: GraphQL, small_event: dict[str, str]
) -> None:
    event_path = f"/#/events/{small_event['id']}"

    # Alice signs in with the demo button and books one seat of the small event.
    alice = await new_page(browser, base_url)
    await sign_in_with_demo_button(alice, "alice@example.com")
    await alice.get_by_role("link", name=small_event["title"]).click()
    await expect(alice.get_by_role("heading", level=1)).to_have_text(small_event["title"])
    await alice.get_by_label(re.compile("Tickets")).fill("1")
    await alice.get_by_role("button", name="Book").click()
    await expect(alice.get_by_test_id("my-booking")).to_contain_text("Confirmed")
    await screenshot(alice, "event-confirmed-desktop")

    # Everyone else takes the remaining seats; then someone joins the line before Bob.
    await fill_remaining_seats(api, small_event["id"])
    await expect(alice.get_by_test_id("availability")).to_contain_text("Sold out")
    early_bird = await api.register("early-bird")
    early_booking = await early_bird.book(small_event["id"], 1)
    assert early_booking == {**early_booking, "status": "WAITLISTED", "waitlistPosition": 1}

    # Bob, in his own browser, joins the waiting list behind the early bird.
    bob = await new_page(browser, base_url)
    await sign_in_with_demo_button(bob, "bob@example.com")
    await bob.goto(event_path)
    await bob.get_by_role("button", name="Join the waiting list").click()
    bob_booking = bob.get_by_test_id("my-booking")
    await expect(bob_booking).to_contain_text("Waitlisted")
    await expect(bob.get_by_test_id("waitlist-position")).to_have_text("place 2 in line")

    # The early bird leaves: Bob moves up to place 1 without reloading.
    await early_bird.cancel_booking(early_booking["id"])
    await expect(bob.get_by_test_id("waitlist-position")).to_have_text("place 1 in line")
    await screenshot(bob, "event-waitlisted-desktop")

    # Alice cancels in her browser: her seat goes to Bob, whose page says so at once.
    await alice.get_by_role("button", name="Cancel booking").click()
    await alice.get_by_role("button", name="Yes, cancel my booking").click()
    await expect(alice.get_by_role("button", name="Join the waiting list")).to_be_visible()
    await expect(bob_booking).to_contain_text("Confirmed")
    promoted = bob.locator("#notices")
    await expect(promoted).to_have_attribute("role", "status")
    await expect(promoted).to_contain_text("off the waiting list")
    await screenshot(bob, "event-promoted-desktop")

    # The server agrees with what Bob sees.
    bob_api = await api.login("bob@example.com", demo_password("bob@example.com"))
    mine = await bob_api("{ myBookings { status event { id } } }")
    assert {"status": "CONFIRMED", "event": {"id": small_event["id"]}} in mine["myBookings"]

    # My bookings lists it too.
    await bob.get_by_role("link", name="My bookings").click()
    await expect(bob.get_by_test_id("booking").filter(has_text=small_event["title"]).first).to_contain_text("Confirmed")

    # The organizer sees who holds seats and who is waiting.
    organizer = await new_page(browser, base_url)
    await sign_in_with_demo_button(organizer, "organizer@example.com")
    await organizer.get_by_role("link", name="Organizer").click()
    item = organizer.locator("li.managed-event", has_text=small_event["title"])
    await item.get_by_role("button", name="Show bookings").click()
    confirmed = item.get_by_role("table").filter(has_text="Confirmed")
    await expect(confirmed).to_contain_text("bob@example.com")
    await expect(confirmed).not_to_contain_text("alice@example.com")
    await expect(item).to_contain_text("Nobody is waiting")
    await screenshot(organizer, "organizer-bookings-desktop")

    for page in (alice, bob, organizer):
        await page.context.close()
