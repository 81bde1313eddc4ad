"""Production refuses weak token secrets; development treats an empty secret as unset."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from boxoffice.config import DEVELOPMENT_SECRET, Settings

STRONG = "k3P9wq-Zr7vN2xLm8sT4yB6cD1fG5hJ0uE_aQ"


@pytest.mark.parametrize(
    "secret",
    [
        "secret",
        "changeme",
        "password",
        "Secret123",
        DEVELOPMENT_SECRET,
        "",
        "short-but-random-Xy9",  # < 32 bytes
        "a" * 48,  # long, but hardly random
        "changeme" * 5,  # long, but a placeholder repeated
    ],
)
def test_production_refuses_a_weak_secret_and_says_how_to_make_one(secret: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(environment="production", jwt_secret=secret)
    assert "secrets.token_urlsafe(48)" in str(refused.value)


def test_production_accepts_a_long_random_secret() -> None:
    assert Settings(environment="production", jwt_secret=STRONG).jwt_secret == STRONG


def test_development_accepts_any_secret() -> None:
    assert Settings(environment="development", jwt_secret="secret").jwt_secret == "secret"


def test_playground_and_introspection_are_off_in_production_and_on_elsewhere() -> None:
    production = Settings(environment="production", jwt_secret=STRONG)
    development = Settings(environment="development")
    assert (production.graphiql_enabled, production.introspection_enabled) == (False, False)
    assert (development.graphiql_enabled, development.introspection_enabled) == (True, True)


def test_playground_and_introspection_can_be_switched_on_in_production() -> None:
    settings = Settings(environment="production", jwt_secret=STRONG, graphiql=True, introspection=True)
    assert (settings.graphiql_enabled, settings.introspection_enabled) == (True, True)
