"""Offers in the box office: a freed seat offered with a live countdown, accepted, declined or left to run out;
the organizer's policy form; histories in words; and booking clicks that are safe to retry."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.async_api import Browser, Locator, Page, Request, Route, expect

from tests.support.graphql import GraphQL

from .browser import (
    demo_user,
    new_page,
    organizer_of,
    page_of,
    published_event,
    screenshot,
    sign_in_as,
    sign_in_with_demo_button,
    unique,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

# Offer lengths in minutes; a minute lasts OFFER_MINUTE_SECONDS (conftest) on the test server.
LONG_OFFER = 600  # 20 minutes there: never runs out during a test
SHORT_OFFER = 4  # 8 seconds there: runs out while the test watches
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@dataclass(frozen=True)
class SoldOut:
    """A fresh one-seat event under the OFFER policy whose seat the demo admin holds."""

    event_id: str
    title: str
    holder: GraphQL
    held: str  # the holder's booking

    async def free_the_seat(self) -> None:
        await self.holder.cancel_booking(self.held)


async def sold_out_offer_event(api: GraphQL, title: str, offer_minutes: int) -> SoldOut:
    title = unique(title)
    event_id = await published_event(await organizer_of(api), title, 1, offer_minutes=offer_minutes)
    holder = await demo_user(api, "admin@example.com")
    booking = await holder.book(event_id, 1)
    assert booking["status"] == "CONFIRMED"
    return SoldOut(event_id, title, holder, booking["id"])


async def my_bookings_here(person: GraphQL, event_id: str) -> list[dict[str, object]]:
    mine = await person("{ myBookings { id status event { id } } }")
    return [{"id": b["id"], "status": b["status"]} for b in mine["myBookings"] if b["event"]["id"] == event_id]


async def test_a_freed_seat_is_offered_with_a_live_countdown_and_accept_confirms_it(
    browser: Browser, base_url: str, api: GraphQL
) -> None:
    sold_out = await sold_out_offer_event(api, "Offer Hall", LONG_OFFER)
    event_id = sold_out.event_id
    person = await demo_user(api, "alice@example.com")
    page = await page_of(browser, base_url, person, f"/#/events/{event_id}")
    # Before joining, the page says what the line means here.
    await expect(page.locator("#booking-explain")).to_contain_text(
        "If seats free up you will get an offer you must accept within 10 hours"
    )
    await page.get_by_role("button", name="Join the waiting list").click()
    await expect(page.get_by_test_id("waitlist-position")).to_have_text("place 1 in line")

    await sold_out.free_the_seat()
    panel = page.get_by_test_id("my-booking")
    await expect(panel).to_contain_text("Offered")
    countdown = panel.get_by_test_id("offer-countdown")
    await expect(countdown).to_have_text(re.compile(r"^\d+ min \d\d s$"))
    await expect(countdown).not_to_have_text(await countdown.inner_text())  # it counts down
    await expect(page.get_by_test_id("offered-seats")).to_have_text("1 seat")
    await expect(page.locator("#notices")).to_contain_text("Seats are offered to you")
    await screenshot(page, "event-offer-desktop")

    await panel.get_by_role("button", name="Accept").click()
    await expect(panel).to_contain_text("Confirmed")
    await expect(page.get_by_test_id("offered-seats")).to_have_text("None")
    assert [b["status"] for b in await my_bookings_here(person, event_id)] == ["CONFIRMED"]
    await page.context.close()


async def test_the_countdown_runs_by_the_servers_clock_on_a_device_whose_clock_is_wrong(
    browser: Browser, base_url: str, api: GraphQL
) -> None:
    sold_out = await sold_out_offer_event(api, "Wrong Clock Hall", LONG_OFFER)  # 20 minutes on the test server
    person = await demo_user(api, "bob@example.com")
    await person.book(sold_out.event_id, 1)
    await sold_out.free_the_seat()
    page = await new_page(browser, base_url)
    await page.clock.install(time=time.time() - 45 * 60)  # this device's clock is 45 minutes slow
    await sign_in_as(page, person)
    await page.goto(f"/#/events/{sold_out.event_id}")
    # By the device's own clock the offer would have 1 h 05 min left.
    await expect(page.get_by_test_id("offer-countdown")).to_have_text(re.compile(r"^(19|20) min \d\d s$"))
    await page.context.close()


async def test_declining_an_offer_hands_it_to_the_next_in_line(browser: Browser, base_url: str, api: GraphQL) -> None:
    sold_out = await sold_out_offer_event(api, "Decline Hall", LONG_OFFER)
    event_id = sold_out.event_id
    first, second = await demo_user(api, "alice@example.com"), await demo_user(api, "bob@example.com")
    await first.book(event_id, 1)
    await second.book(event_id, 1)
    first_page = await page_of(browser, base_url, first, "/#/bookings")
    second_page = await page_of(browser, base_url, second, f"/#/events/{event_id}")
    await expect(second_page.get_by_test_id("waitlist-position")).to_have_text("place 2 in line")

    await sold_out.free_the_seat()
    offer = first_page.get_by_test_id("booking").filter(has_text=sold_out.title)
    await offer.get_by_role("button", name="Decline").click()
    await offer.get_by_role("button", name="Yes, decline").click()
    await expect(first_page.locator("#notices")).to_contain_text("You declined the offer")

    # The next in line gets the offer, live.
    second_panel = second_page.get_by_test_id("my-booking")
    await expect(second_panel).to_contain_text("Offered")
    await expect(second_panel.get_by_role("button", name="Accept")).to_be_enabled()
    assert [b["status"] for b in await my_bookings_here(first, event_id)] == ["CANCELLED"]
    assert [b["status"] for b in await my_bookings_here(second, event_id)] == ["OFFERED"]
    for page in (first_page, second_page):
        await page.context.close()


async def test_an_unanswered_offer_turns_expired_without_a_reload(
    browser: Browser, base_url: str, api: GraphQL
) -> None:
    sold_out = await sold_out_offer_event(api, "Expiry Hall", SHORT_OFFER)
    event_id = sold_out.event_id
    person = await demo_user(api, "bob@example.com")
    await person.book(event_id, 1)
    event_page = await page_of(browser, base_url, person, f"/#/events/{event_id}")
    bookings_page = await event_page.context.new_page()  # the same person in a second tab
    await bookings_page.goto("/#/bookings")
    await expect(event_page.get_by_test_id("waitlist-position")).to_have_text("place 1 in line")
    listed = bookings_page.get_by_test_id("booking").filter(has_text=sold_out.title)
    await expect(listed.get_by_test_id("waitlist-position")).to_have_text("place 1 in line")

    await sold_out.free_the_seat()
    await expect(event_page.get_by_test_id("offer-countdown")).to_be_visible()
    await expect(listed.get_by_test_id("offer-countdown")).to_be_visible()

    # Nobody answers: the server expires the offer and both tabs follow.
    await expect(event_page.get_by_test_id("offer-expired")).to_contain_text("Your offer expired")
    await expect(event_page.get_by_role("button", name="Book", exact=True)).to_be_visible()  # the seat is free again
    await expect(listed.get_by_test_id("offer-expired")).to_be_visible()
    await expect(listed).to_contain_text("Expired")
    await expect(listed.get_by_role("button", name="Accept")).to_have_count(0)
    assert [b["status"] for b in await my_bookings_here(person, event_id)] == ["EXPIRED"]
    await event_page.context.close()


async def test_the_organizer_form_sets_the_waitlist_policy_and_offer_minutes(
    browser: Browser, base_url: str, api: GraphQL
) -> None:
    title = unique("Policy Hall")
    page = await new_page(browser, base_url)
    await sign_in_with_demo_button(page, "organizer@example.com")
    await page.get_by_role("link", name="Organizer").click()
    create = page.locator("section", has=page.get_by_role("heading", name="Create an event"))
    await create.get_by_label("Title").fill(title)
    await create.get_by_label("Venue").fill("Pier 9")
    await create.get_by_label("Starts at").fill("2031-06-01T19:30")
    await create.get_by_label("Capacity (seats)").fill("40")
    minutes = create.get_by_label("Time to accept an offer (minutes)")
    await expect(minutes).to_be_hidden()  # only offers have a time to accept
    await create.get_by_label("When seats free up").select_option("OFFER")
    await minutes.fill("90")
    await create.get_by_role("button", name="Create draft").click()

    draft = page.locator("li.managed-event", has_text=title)
    await expect(draft.get_by_test_id("waitlist-policy")).to_have_text(
        "Freed seats are offered to the next in line, with 90 minutes to accept"
    )
    event_id = await draft.get_attribute("data-event-id")
    organizer = await organizer_of(api)
    policy = "query($id: ID!) { event(id: $id) { waitlistPolicy offerMinutes } }"
    assert (await organizer(policy, {"id": event_id}))["event"] == {"waitlistPolicy": "OFFER", "offerMinutes": 90}

    # Back to confirming at once; the offer length stays for next time.
    await draft.get_by_role("button", name="Edit").click()
    await expect(draft.get_by_label("When seats free up")).to_have_value("OFFER")
    await expect(draft.get_by_label("Time to accept an offer (minutes)")).to_have_value("90")
    await draft.get_by_label("When seats free up").select_option("AUTO_CONFIRM")
    await draft.get_by_role("button", name="Save changes").click()
    await expect(draft.get_by_test_id("waitlist-policy")).to_have_text("Freed seats go to the next in line at once")
    assert (await organizer(policy, {"id": event_id}))["event"] == {
        "waitlistPolicy": "AUTO_CONFIRM",
        "offerMinutes": 90,
    }
    await page.context.close()


async def test_a_bookings_history_reads_in_words_for_its_booker_and_the_organizer(
    browser: Browser, base_url: str, api: GraphQL
) -> None:
    sold_out = await sold_out_offer_event(api, "History Hall", LONG_OFFER)
    event_id = sold_out.event_id
    person = await demo_user(api, "alice@example.com")
    booking = await person.book(event_id, 1)
    await sold_out.free_the_seat()  # the seat is offered to the person...
    await person.cancel_booking(booking["id"])  # ...who declines it
    words = ["Joined the waiting list at place 1", "Offered seats (was place 1 in line)", "Offer declined"]

    page = await page_of(browser, base_url, person, "/#/bookings")
    mine = page.get_by_test_id("booking").filter(has_text=sold_out.title)
    await mine.locator("summary", has_text="History").click()
    for said in words:
        await expect(mine.get_by_test_id("booking-history")).to_contain_text(said)

    organizer_page = await new_page(browser, base_url)
    await sign_in_with_demo_button(organizer_page, "organizer@example.com")
    await organizer_page.get_by_role("link", name="Organizer").click()
    item = organizer_page.locator("li.managed-event", has=organizer_page.locator(f'[href="#/events/{event_id}"]'))
    await item.get_by_role("button", name="Show bookings").click()
    await item.get_by_label("Show").select_option("CANCELLED")
    row = item.locator("tbody tr", has_text=person.email or "")
    await row.locator("summary", has_text="History").click()
    for said in words:
        await expect(row.get_by_test_id("booking-history")).to_contain_text(said)
    await page.context.close()
    await organizer_page.context.close()


def is_booking_call(request: Request) -> bool:
    """A bookEvent or cancelBooking sent to the API."""
    if request.method != "POST" or not request.url.endswith("/graphql"):
        return False
    return bool(re.search(r"\b(bookEvent|cancelBooking)\(", request.post_data_json["query"]))


def follow_booking_requests(page: Page) -> list[dict[str, Any]]:
    """The variables of every bookEvent / cancelBooking the page sends, in order."""
    sent: list[dict[str, Any]] = []

    def seen(request: Request) -> None:
        if is_booking_call(request):
            sent.append(request.post_data_json["variables"])

    page.on("request", seen)
    return sent


async def test_a_booking_retried_after_its_answer_was_lost_books_once(
    browser: Browser, base_url: str, api: GraphQL
) -> None:
    event_id = await published_event(await organizer_of(api), unique("Flaky Wifi Hall"), 5)
    person = await demo_user(api, "alice@example.com")
    page = await page_of(browser, base_url, person, f"/#/events/{event_id}")
    sent = follow_booking_requests(page)
    lost_answers: list[Any] = []

    async def lose_the_first_answer(route: Route) -> None:
        body = route.request.post_data_json
        if "bookEvent" not in body["query"] or lost_answers:
            await route.continue_()
            return
        answer = await route.fetch()  # the server books...
        lost_answers.append(await answer.json())
        await route.abort("connectionreset")  # ...but the answer never reaches the browser

    await page.route("**/graphql", lose_the_first_answer)
    await page.get_by_role("button", name="Book", exact=True).click()
    # Said on the retry's answer (a live update may show the booking before that answer arrives).
    await expect(page.locator("#notices")).to_contain_text("Booked: 1 ticket confirmed.")
    await expect(page.get_by_test_id("my-booking")).to_contain_text("Confirmed")

    assert len(sent) == 2, "the client retries once after the lost answer"
    assert sent[0]["idempotencyKey"] == sent[1]["idempotencyKey"]
    first_answer = lost_answers[0]["data"]["bookEvent"]
    assert await my_bookings_here(person, event_id) == [{"id": first_answer["id"], "status": "CONFIRMED"}]
    await page.context.close()


async def test_every_booking_click_sends_a_fresh_idempotency_key(browser: Browser, base_url: str, api: GraphQL) -> None:
    event_id = await published_event(await organizer_of(api), unique("Many Clicks Hall"), 5)
    person = await demo_user(api, "bob@example.com")
    page = await page_of(browser, base_url, person, f"/#/events/{event_id}")
    panel = page.get_by_test_id("my-booking")
    book = panel.get_by_role("button", name="Book", exact=True)
    keys: list[str] = []

    async def click(button: Locator) -> None:
        async with page.expect_request(is_booking_call) as sending:
            await button.click()
        keys.append((await sending.value).post_data_json["variables"]["idempotencyKey"])

    await click(book)
    await expect(panel).to_contain_text("Confirmed")
    await panel.get_by_role("button", name="Cancel booking").click()
    await click(panel.get_by_role("button", name="Yes, cancel my booking"))
    await expect(book).to_be_visible()
    await click(book)
    await expect(panel).to_contain_text("Confirmed")

    assert len(keys) == 3
    assert all(UUID.match(str(key)) for key in keys), keys
    assert len(set(keys)) == 3, "each click has its own key"
    await page.context.close()
