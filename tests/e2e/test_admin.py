"""An admin runs a 200-booker simulation and reads its report and chart."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.support.demo import demo_password
from tests.support.graphql import GraphQL

from .browser import new_page, screenshot, sign_in_with_demo_button

pytestmark = pytest.mark.asyncio(loop_scope="session")

CAPACITY = 150
BOOKERS = 200


async def published_event(organizer: GraphQL, title: str, capacity: int) -> str:
    created = await organizer(
        "mutation($input: EventInput!) { createEvent(input: $input) { id } }",
        {"input": {"title": title, "venue": "Load Lab", "startsAt": "2031-01-01T20:00:00+00:00", "capacity": capacity}},
    )
    event_id = created["createEvent"]["id"]
    await organizer("mutation($id: ID!) { publishEvent(id: $id) { id } }", {"id": event_id})
    return event_id


async def test_admin_runs_a_simulation_and_sees_the_report(browser: Browser, base_url: str, api: GraphQL) -> None:
    organizer = await api.login("organizer@example.com", demo_password("organizer@example.com"))
    title = "Simulation Arena"
    event_id = await published_event(organizer, title, CAPACITY)

    page = await new_page(browser, base_url)
    await sign_in_with_demo_button(page, "admin@example.com")
    await page.get_by_role("link", name="Admin").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Admin")

    await page.get_by_label("Event").select_option(event_id)
    await page.get_by_label("Bookers").fill(str(BOOKERS))
    run = page.get_by_role("button", name="Run simulation")
    await run.click()

    report = page.get_by_test_id("simulation-report")
    await expect(report).to_contain_text("Report", timeout=120_000)
    await expect(run).to_be_enabled()
    await expect(report.get_by_test_id("overbooked")).to_have_text("Not overbooked: every confirmed seat exists.")
    stats = {
        (await row.locator("dt").inner_text()): (await row.locator("dd").inner_text())
        for row in await report.locator("dl > div").all()
    }
    assert stats["Bookers"] == str(BOOKERS)
    assert stats["Confirmed"] == str(CAPACITY)
    assert stats["Waitlisted"] == str(BOOKERS - CAPACITY)
    assert stats["Failed"] == "0"
    assert stats["Seats remaining after"] == "0"
    chart = report.get_by_role("img")
    await expect(chart).to_have_attribute(
        "aria-label", f"Outcome of {BOOKERS} bookers: Confirmed {CAPACITY}, Waitlisted {BOOKERS - CAPACITY}, Failed 0"
    )
    await screenshot(page, "admin-simulation-desktop")
    await page.set_viewport_size({"width": 390, "height": 844})
    await screenshot(page, "admin-simulation-phone")

    await page.context.close()


async def test_admin_changes_a_role_by_email(browser: Browser, base_url: str, api: GraphQL) -> None:
    newcomer = await api.register("future-organizer")
    page = await new_page(browser, base_url)
    await sign_in_with_demo_button(page, "admin@example.com")
    await page.get_by_role("link", name="Admin").click()

    # The server lists users, so the field takes an email as well as an id.
    await expect(page.get_by_label("User ID or email")).to_be_visible()
    await expect(page.get_by_role("region", name="People", exact=True)).to_contain_text(newcomer.email or "")
    await page.get_by_label("User ID or email").fill(newcomer.email or "")
    await page.get_by_label("New role").select_option("ORGANIZER")
    await page.get_by_role("button", name="Change role").click()
    await expect(page.locator("#notices")).to_contain_text("is now Organizer")

    me = await newcomer("{ me { role } }")
    assert me["me"]["role"] == "ORGANIZER"
    await page.context.close()
