"""What a person sees of their account and bookings: notices, wording, field errors, search, own account."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Route, expect

from tests.support.demo import demo_password
from tests.support.graphql import GraphQL, GraphQLError

from .browser import new_page, organizer_of, published_event, sign_in_as, sign_in_with_demo_button, unique

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_bookers_hear_live_and_read_in_my_bookings_that_the_organizer_cancelled(
    browser: Browser, base_url: str, api: GraphQL
) -> None:
    organizer = await organizer_of(api)
    title = unique("Rained Off Picnic")
    event_id = await published_event(organizer, title, 5)
    fan = await api.register("picnic-fan")
    await fan.book(event_id, 2)

    page = await new_page(browser, base_url)
    await sign_in_as(page, fan)
    await page.goto("/#/bookings")
    item = page.get_by_test_id("booking").filter(has_text=title)
    await expect(item).to_contain_text("Confirmed")

    await organizer("mutation($id: ID!) { cancelEvent(id: $id) { id } }", {"id": event_id})
    await expect(page.locator("#notices")).to_contain_text(
        f"The organizer cancelled “{title}”; your booking is cancelled."
    )
    await expect(item.get_by_test_id("cancellation-note")).to_have_text(
        "The organizer cancelled this event; your booking is cancelled."
    )
    await page.context.close()


async def test_a_sold_out_event_invites_to_the_waiting_list_then_counts_people(
    browser: Browser, base_url: str, api: GraphQL
) -> None:
    organizer = await organizer_of(api)
    event_id = await published_event(organizer, unique("Tiny Room"), 1)
    await (await api.register("first-seat")).book(event_id, 1)

    page = await new_page(browser, base_url)
    await page.goto(f"/#/events/{event_id}")
    await expect(page.get_by_test_id("seats")).to_have_text("Sold out: join the waiting list")
    await expect(page.get_by_test_id("waitlist")).to_have_text("Nobody waiting")

    await (await api.register("second-seat")).book(event_id, 3)
    await expect(page.get_by_test_id("seats")).to_have_text("Sold out")
    await expect(page.get_by_test_id("waitlist")).to_have_text("1 person waiting")
    await page.context.close()


async def test_a_role_changed_by_an_admin_shows_without_a_reload(browser: Browser, base_url: str, api: GraphQL) -> None:
    person = await api.register("soon-organizer")
    page = await new_page(browser, base_url)
    await sign_in_as(page, person)
    await expect(page.get_by_test_id("signed-in-as")).to_contain_text("Audience")
    admin = await api.login("admin@example.com", demo_password("admin@example.com"))
    me = await person("{ me { id } }")
    await admin("mutation($id: ID!) { setUserRole(userId: $id, role: ORGANIZER) { id } }", {"id": me["me"]["id"]})

    # Coming back to the tab is enough.
    await page.evaluate("window.dispatchEvent(new Event('focus'))")
    await expect(page.get_by_test_id("signed-in-as")).to_contain_text("Organizer")
    await expect(page.get_by_role("link", name="Organizer")).to_be_visible()
    await page.context.close()


async def test_bad_event_input_shows_under_its_field_in_peoples_words(browser: Browser, base_url: str) -> None:
    page = await new_page(browser, base_url)
    await sign_in_with_demo_button(page, "organizer@example.com")
    await page.get_by_role("link", name="Organizer").click()
    create = page.locator("section", has=page.get_by_role("heading", name="Create an event"))
    capacity = create.get_by_label("Capacity (seats)")
    assert await capacity.get_attribute("max") == "100000"
    assert await create.get_by_label("Title").get_attribute("maxlength") == "200"

    # Past the browser's own checks (as a pasted value or an old browser would be), the form still explains.
    await create.evaluate("form => form.closest('section').querySelector('form').noValidate = true")
    await create.get_by_label("Title").fill("   ")
    await create.get_by_label("Venue").fill("Pier 9")
    await create.get_by_label("Starts at").fill("2031-06-01T19:30")
    await capacity.fill("99999999999")
    await create.get_by_role("button", name="Create draft").click()
    capacity_field = create.locator(".field", has=page.get_by_label("Capacity (seats)"))
    await expect(capacity_field.locator(".field__error")).to_have_text(
        "Capacity must be a whole number between 1 and 100,000 seats."
    )
    await expect(capacity).to_have_attribute("aria-invalid", "true")

    # The server's own message for a blank title lands under Title.
    await capacity.fill("120")
    await create.get_by_role("button", name="Create draft").click()
    title_field = create.locator(".field", has=page.get_by_label("Title"))
    await expect(title_field.locator(".field__error")).to_have_text("Title must not be empty")
    await expect(capacity_field.locator(".field__error")).to_have_count(0)
    await expect(page.locator("body")).not_to_contain_text("cannot represent")
    await page.context.close()


async def test_people_search_events_by_title_or_venue(browser: Browser, base_url: str, api: GraphQL) -> None:
    organizer = await organizer_of(api)
    title = unique("Lantern Parade")
    await published_event(organizer, title, 30)
    page = await new_page(browser, base_url)
    await page.goto("/")
    await page.get_by_label("Search events").fill(title.split()[-1])
    await page.get_by_role("button", name="Search").click()
    await expect(page.locator("li.event-card")).to_have_count(1)
    await expect(page.locator("li.event-card")).to_contain_text(title)
    await page.context.close()


async def test_a_slow_first_load_never_overwrites_search_results(browser: Browser, base_url: str, api: GraphQL) -> None:
    organizer = await organizer_of(api)
    title = unique("Lantern Parade")
    await published_event(organizer, title, 30)
    page = await new_page(browser, base_url)
    held: list[Route] = []

    async def hold_the_first_list(route: Route) -> None:
        body = route.request.post_data or ""
        if not held and "PublishedEvents" in body and '"search":null' in body.replace(" ", ""):
            held.append(route)
            return
        await route.continue_()

    await page.route("**/graphql", hold_the_first_list)
    await page.goto("/")
    await page.get_by_label("Search events").fill(title.split()[-1])
    await page.get_by_role("button", name="Search").click()
    await expect(page.locator("li.event-card")).to_have_count(1)
    # The first, unfiltered list answers only now, after the search's answer is on screen.
    assert len(held) == 1
    await held[0].continue_()
    await page.wait_for_load_state("networkidle")
    await expect(page.locator("li.event-card")).to_have_count(1)
    await expect(page.locator("li.event-card")).to_contain_text(title)
    await page.context.close()


async def test_the_console_shows_an_admins_own_events_before_everyone_elses(
    browser: Browser, base_url: str, api: GraphQL
) -> None:
    admin = await api.login("admin@example.com", demo_password("admin@example.com"))
    own = unique("Headliner Gala")
    await published_event(admin, own, 10)
    page = await new_page(browser, base_url)
    await sign_in_with_demo_button(page, "admin@example.com")
    await page.get_by_role("link", name="Organizer").click()
    headings = page.locator("section.managed-group h2")
    await expect(headings.first).to_contain_text("Drafts")
    texts = await headings.all_inner_texts()
    assert texts.index(next(t for t in texts if t.startswith("Published"))) < texts.index(
        next(t for t in texts if t.startswith("Other organizers: Published"))
    )
    mine = page.locator("section.managed-group", has=page.get_by_role("heading", name="Published", exact=False)).first
    await expect(mine).to_contain_text(own)
    await page.context.close()


async def test_a_person_renames_themselves_and_changes_their_password(
    browser: Browser, base_url: str, api: GraphQL
) -> None:
    person = await api.register("renamer")
    page = await new_page(browser, base_url)
    await sign_in_as(page, person)
    await page.get_by_role("link", name="Account").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your account")

    await page.get_by_role("textbox", name="Name", exact=True).fill("Renata Renamed")
    await page.get_by_role("button", name="Save name").click()
    await expect(page.get_by_test_id("signed-in-as")).to_contain_text("Renata Renamed")

    await page.get_by_label("Current password").fill("not the password")
    await page.get_by_label("New password").fill("a fresh passphrase")
    await page.get_by_role("button", name="Change password").click()
    current_field = page.locator(".field", has=page.get_by_label("Current password"))
    await expect(current_field.locator(".field__error")).to_have_text("Current password is not right")

    await page.get_by_label("Current password").fill("long-enough-password")
    await page.get_by_role("button", name="Change password").click()
    await expect(page.locator("#notices")).to_contain_text("Your password is changed")
    # This page carries on with its fresh token; the token from before is refused.
    await page.get_by_role("link", name="My bookings").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("My bookings")
    with pytest.raises(GraphQLError, match="password was changed"):
        await person("{ me { id } }")
    await page.context.close()


async def test_deleting_an_account_hands_its_seats_to_the_next_in_line(
    browser: Browser, base_url: str, api: GraphQL
) -> None:
    organizer = await organizer_of(api)
    event_id = await published_event(organizer, unique("Last Seat Recital"), 1)
    leaving, waiting = await api.register("leaving"), await api.register("waiting")
    await leaving.book(event_id, 1)
    await waiting.book(event_id, 1)

    page = await new_page(browser, base_url)
    await sign_in_as(page, leaving)
    await page.goto("/#/account")
    await page.get_by_role("textbox", name="Password", exact=True).fill("long-enough-password")
    await page.get_by_role("button", name="Delete my account").click()
    await page.get_by_role("button", name="Yes, delete my account").click()
    await expect(page.locator("#notices")).to_contain_text("Your account is deleted and 1 booking was cancelled")
    await expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    assert (await waiting("{ myBookings { status } }"))["myBookings"] == [{"status": "CONFIRMED"}]
    await page.context.close()
