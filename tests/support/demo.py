"""The demo logins `boxoffice serve` seeds, straight from the seed module (never copied into a test)."""

from __future__ import annotations

from boxoffice.seed.demo import DEMO_LOGINS, DemoLogin

DEMO: dict[str, DemoLogin] = {login.email: login for login in DEMO_LOGINS}


def demo_password(email: str) -> str:
    return DEMO[email].password
