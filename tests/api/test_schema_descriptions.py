"""The schema documents itself: every type, field, argument, input field and enum value has a description."""

from __future__ import annotations

from typing import Any

import httpx
from graphql import get_introspection_query

from tests.support.graphql import graphql


def undocumented(schema: dict[str, Any]) -> list[str]:
    """Every public element of an introspected schema without a description, as `Type.field(argument)` paths."""
    missing = []

    def check(element: dict[str, Any], path: str) -> None:
        if not (element.get("description") or "").strip():
            missing.append(path)

    for kind in schema["types"]:
        name = kind["name"]
        if name.startswith("__"):
            continue  # GraphQL's own introspection types
        check(kind, name)
        for field in kind.get("fields") or []:
            check(field, f"{name}.{field['name']}")
            for argument in field["args"]:
                check(argument, f"{name}.{field['name']}({argument['name']})")
        for field in kind.get("inputFields") or []:
            check(field, f"{name}.{field['name']}")
        for value in kind.get("enumValues") or []:
            check(value, f"{name}.{value['name']}")
    return missing


async def test_every_public_element_of_the_schema_has_a_description(client: httpx.AsyncClient) -> None:
    introspection = await graphql(client, get_introspection_query(descriptions=True, input_value_deprecation=True))
    missing = undocumented(introspection["__schema"])
    assert missing == [], f"{len(missing)} schema elements lack a description (description=...): {missing}"
