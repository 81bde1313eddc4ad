"""`boxoffice simulate` prints the report the simulateBookings mutation answers: its camelCase fields and values."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import Callable
from typing import Any

import httpx

from boxoffice.db.models import Role, User
from tests.support.factories import TEST_BCRYPT_ROUNDS, EventFactory, UserFactory
from tests.support.graphql import graphql
from tests.support.servers import boxoffice_command

FIELDS = (
    "eventId bookers confirmed waitlisted failed seatsRemaining waitlistLength durationMs bookingsPerSecond overbooked"
)
# The fields that differ between two equal runs only by the clock or the event.
RUN_SPECIFIC = {"eventId", "durationMs", "bookingsPerSecond"}


async def simulate_in_shell(database_url: str, event_id: int, users: int, *flags: str) -> str:
    env = {**os.environ, "DATABASE_URL": database_url, "BOXOFFICE_BCRYPT_ROUNDS": str(TEST_BCRYPT_ROUNDS)}
    command = [*boxoffice_command(), "simulate", "--event", str(event_id), "--users", str(users), *flags]
    done = await asyncio.to_thread(subprocess.run, command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def report_fields(client: httpx.AsyncClient) -> list[str]:
    """SimulationReport's fields as the served schema declares them, in order."""
    data = await graphql(client, '{ __type(name: "SimulationReport") { fields { name } } }')
    return [field["name"] for field in data["__type"]["fields"]]


async def simulate_by_mutation(client: httpx.AsyncClient, token: str, event_id: int, users: int) -> dict[str, Any]:
    fields = " ".join(await report_fields(client))
    query = f"mutation($id: ID!, $n: Int!) {{ simulateBookings(eventId: $id, users: $n) {{ {fields} }} }}"
    data = await graphql(client, query, {"id": str(event_id), "n": users}, token)
    report: dict[str, Any] = data["simulateBookings"]
    return report


def deterministic(report: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in report.items() if name not in RUN_SPECIFIC}


async def test_simulate_json_is_the_mutations_report(
    database_url: str,
    client: httpx.AsyncClient,
    make_event: EventFactory,
    make_user: UserFactory,
    token_for: Callable[[User], str],
) -> None:
    by_shell, by_mutation = await make_event(capacity=5), await make_event(capacity=5)
    admin = token_for(await make_user(Role.ADMIN))

    printed = json.loads(await simulate_in_shell(database_url, by_shell.id, 8, "--json"))
    answered = await simulate_by_mutation(client, admin, by_mutation.id, 8)

    assert list(printed) == await report_fields(client) == list(answered)
    assert printed["eventId"] == str(by_shell.id)
    assert deterministic(printed) == deterministic(answered)
    assert {name: type(value) for name, value in printed.items()} == {
        name: type(value) for name, value in answered.items()
    }


async def test_simulate_prints_one_line_per_field_of_the_report(database_url: str, make_event: EventFactory) -> None:
    event = await make_event(capacity=3)
    printed = (await simulate_in_shell(database_url, event.id, 4)).splitlines()

    assert printed[0] == f"simulateBookings report for event {event.id}"
    fields = dict(line.split(maxsplit=1) for line in printed[1:])
    assert list(fields) == FIELDS.split()
    assert {name: fields[name] for name in ("eventId", "bookers", "confirmed", "waitlisted", "failed")} == {
        "eventId": str(event.id),
        "bookers": "4",
        "confirmed": "3",
        "waitlisted": "1",
        "failed": "0",
    }
    assert (fields["seatsRemaining"], fields["waitlistLength"], fields["overbooked"]) == ("0", "1", "false")
