"""Helpers shared by the browser tests: browser sessions, the demo sign-in buttons, screenshots."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, expect

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "screenshots"

DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
VIEWPORTS: dict[str, ViewportSize] = {"desktop": DESKTOP, "phone": PHONE}

# The labels of the sign-in page's demo buttons (boxoffice/static/views/signin.js).
DEMO_BUTTONS = {
    "admin@example.com": "Admin",
    "organizer@example.com": "Organizer",
    "alice@example.com": "Alice",
    "bob@example.com": "Bob",
}


async def new_page(browser: Browser, base_url: str, viewport: ViewportSize = DESKTOP) -> Page:
    """A page in its own browser context: its own localStorage, so its own signed-in person."""
    context: BrowserContext = await browser.new_context(viewport=viewport, base_url=base_url)
    page = await context.new_page()
    return page


async def sign_in_with_demo_button(page: Page, email: str) -> None:
    await page.goto("/#/signin")
    await page.get_by_role("button", name=f"Sign in as {DEMO_BUTTONS[email]}").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()


async def screenshot(page: Page, name: str) -> Path:
    """Saves a full-page PNG under screenshots/ at the repo root (gitignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # Let notices fade in and fonts settle so the picture shows the finished page.
    await page.wait_for_timeout(300)
    await page.screenshot(path=str(path), full_page=True)
    return path
