"""Signing in and out: the token survives a reload, signing out drops it, bad passwords are explained."""

from __future__ import annotations

import uuid

import pytest
from playwright.async_api import Browser, Route, expect

from .browser import new_page, sign_in_with_demo_button

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_session_survives_reload_and_sign_out_drops_it(browser: Browser, base_url: str) -> None:
    page = await new_page(browser, base_url)
    await sign_in_with_demo_button(page, "organizer@example.com")
    await expect(page.get_by_role("link", name="Organizer")).to_be_visible()

    await page.reload()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert await page.evaluate("localStorage.getItem('boxoffice.session') !== null")

    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    await expect(page.get_by_role("link", name="Organizer")).to_have_count(0)
    assert await page.evaluate("localStorage.getItem('boxoffice.session') === null")
    await page.context.close()


async def test_expired_token_is_dropped_on_load(browser: Browser, base_url: str) -> None:
    page = await new_page(browser, base_url)
    await page.goto("/")
    await page.evaluate(
        """localStorage.setItem('boxoffice.session', JSON.stringify({
            token: 'stale', expiresAt: '2000-01-01T00:00:00Z',
            user: {id: '1', email: 'x@example.com', name: 'X', role: 'AUDIENCE'}}))"""
    )
    await page.reload()
    await expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    assert await page.evaluate("localStorage.getItem('boxoffice.session') === null")
    await page.context.close()


async def test_wrong_password_is_explained_in_plain_words(browser: Browser, base_url: str) -> None:
    page = await new_page(browser, base_url)
    await page.goto("/#/signin")
    form = page.locator("form", has=page.get_by_role("heading", name="Sign in with your account"))
    await form.get_by_label("Email").fill("alice@example.com")
    await form.get_by_label("Password").fill("not-her-password")
    await form.get_by_role("button", name="Sign in").click()
    alert = form.get_by_role("alert")
    await expect(alert).to_be_visible()
    assert (await alert.inner_text()).strip(), "the server's message should be shown"
    await expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    await page.context.close()


async def test_register_signs_the_new_person_in(browser: Browser, base_url: str) -> None:
    page = await new_page(browser, base_url)
    await page.goto("/#/register")
    await page.get_by_label("Name").fill("Carol Tester")
    await page.get_by_label("Email").fill(f"carol-{uuid.uuid4().hex[:8]}@example.com")
    await page.get_by_label("Password").fill("long-enough-password")
    await page.get_by_role("button", name="Create account").click()
    await expect(page.get_by_test_id("signed-in-as")).to_contain_text("Carol Tester")
    await expect(page.get_by_role("link", name="My bookings")).to_be_visible()
    await page.context.close()


async def test_sign_in_page_offers_the_demo_logins(browser: Browser, base_url: str) -> None:
    page = await new_page(browser, base_url)
    await page.goto("/#/signin")
    for name in ("Admin", "Organizer", "Alice", "Bob"):
        await expect(page.get_by_role("button", name=f"Sign in as {name}")).to_be_visible()
    await sign_in_with_demo_button(page, "alice@example.com")
    await page.context.close()


async def test_a_rejected_token_ends_the_session_with_a_notice(browser: Browser, base_url: str) -> None:
    page = await new_page(browser, base_url)
    await page.goto("/")
    await page.evaluate(
        """localStorage.setItem('boxoffice.session', JSON.stringify({
            token: 'forged.token.value', expiresAt: '2999-01-01T00:00:00Z',
            user: {id: '1', email: 'x@example.com', name: 'Mallory', role: 'ADMIN'}}))"""
    )
    await page.reload()
    await expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    await expect(page.locator("#notices")).to_contain_text("sign in again")
    assert await page.evaluate("localStorage.getItem('boxoffice.session') === null")
    await page.context.close()


async def test_demo_buttons_step_aside_when_the_demo_data_is_missing(browser: Browser, base_url: str) -> None:
    page = await new_page(browser, base_url)

    # Pretend the server was started with --no-demo: the demo login is refused.
    async def refuse_login(route: Route) -> None:
        body = route.request.post_data or ""
        if "mutation Login" not in body:
            await route.continue_()
            return
        await route.fulfill(
            json={
                "data": None,
                "errors": [{"message": "Wrong email or password.", "extensions": {"code": "UNAUTHENTICATED"}}],
            }
        )

    await page.route("**/graphql", refuse_login)
    await page.goto("/#/signin")
    await page.get_by_role("button", name="Sign in as Alice").click()
    await expect(page.get_by_text("started without the demo data")).to_be_visible()
    await expect(page.get_by_role("button", name="Sign in as Alice")).to_have_count(0)
    await page.context.close()
