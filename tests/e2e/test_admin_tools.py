"""Admin: purge synthetic users with a report, a role control and an active switch per person."""

from __future__ import annotations

import uuid

import pytest
from playwright.async_api import Browser, Page, expect

from tests.support.demo import demo_password
from tests.support.graphql import GraphQL, GraphQLError

from .browser import DESKTOP, PHONE, new_page, published_event, screenshot, sign_in_with_demo_button

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def open_admin(browser: Browser, base_url: str) -> Page:
    page = await new_page(browser, base_url)
    await sign_in_with_demo_button(page, "admin@example.com")
    await page.get_by_role("link", name="Admin").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Admin")
    return page


async def test_admin_purges_synthetic_users_and_sees_whom_it_promoted(
    browser: Browser, base_url: str, api: GraphQL
) -> None:
    admin = await api.login("admin@example.com", demo_password("admin@example.com"))
    event_id = await published_event(admin, f"Purge Hall {uuid.uuid4().hex[:6]}", 2)
    await admin("mutation($id: ID!) { simulateBookings(eventId: $id, users: 2) { confirmed } }", {"id": event_id})
    waiting = await api.register("patient-fan")
    assert (await waiting.book(event_id, 1))["status"] == "WAITLISTED"

    page = await open_admin(browser, base_url)
    await page.get_by_role("button", name="Purge synthetic users").click()
    await page.get_by_role("button", name="Yes, purge them").click()
    report = page.get_by_test_id("purge-report")
    await expect(report).to_contain_text("Purge report")
    await expect(report.get_by_role("list", name="Promoted")).to_contain_text(waiting.email or "")
    mine = await waiting("{ myBookings { status } }")
    assert mine["myBookings"] == [{"status": "CONFIRMED"}]
    await page.context.close()


async def test_admin_changes_a_role_in_the_people_table_and_a_later_failure_clears_the_success_line(
    browser: Browser, base_url: str, api: GraphQL
) -> None:
    newcomer = await api.register("row-organizer")
    page = await open_admin(browser, base_url)
    people = page.get_by_role("region", name="People", exact=True)
    row = people.locator("tr", has_text=newcomer.email or "")
    await row.get_by_label("Role of").select_option("ORGANIZER")
    success = page.locator("#roles-title ~ form p.hint")
    await expect(success).to_contain_text("is now Organizer")
    assert (await newcomer("{ me { role } }"))["me"]["role"] == "ORGANIZER"

    await page.get_by_label("User ID or email").fill("nobody-here@example.com")
    await page.get_by_role("button", name="Change role").click()
    await expect(page.locator("#roles-title ~ form .error-box")).to_contain_text("Nobody with the email")
    await expect(success).to_have_text("")
    await page.context.close()


async def test_admin_deactivates_someone_who_then_cannot_use_their_token(
    browser: Browser, base_url: str, api: GraphQL
) -> None:
    person = await api.register("to-deactivate")
    page = await open_admin(browser, base_url)
    row = page.get_by_role("region", name="People", exact=True).locator("tr", has_text=person.email or "")
    await row.get_by_role("button", name="Deactivate").click()
    await expect(
        page.get_by_role("region", name="People", exact=True).locator("tr", has_text=person.email or "")
    ).to_contain_text("Deactivated")
    with pytest.raises(GraphQLError, match="deactivated"):
        await person("{ me { id } }")
    await page.context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_the_people_table_fits_without_cutting_its_role_controls(
    browser: Browser, base_url: str, size: str
) -> None:
    page = await new_page(browser, base_url, DESKTOP if size == "desktop" else PHONE)
    await sign_in_with_demo_button(page, "admin@example.com")
    await page.goto("/#/admin")
    people = page.get_by_role("region", name="People", exact=True)
    await expect(people.locator("select").first).to_be_visible()
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the admin page scrolls sideways by {overflow}px"
    clipped = await people.evaluate(
        """region => [region, ...region.querySelectorAll('select, button')]
            .filter(el => el.scrollWidth > el.clientWidth + 1
                || el.getBoundingClientRect().right > region.getBoundingClientRect().right + 1)
            .map(el => el.getAttribute('aria-label') || el.textContent)"""
    )
    assert clipped == [], f"cut off at {size} size: {clipped}"
    await screenshot(page, f"admin-people-{size}")
    await page.context.close()
