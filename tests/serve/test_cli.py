"""The other `boxoffice` commands, run as a user would, against the test database (DATABASE_URL)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.booking.invariants import check_invariants
from boxoffice.db.models import Event, User
from boxoffice.db.session import Database
from boxoffice.seed.demo import SMALL_EVENT_TITLE
from tests.support.demo import demo_password
from tests.support.factories import TEST_BCRYPT_ROUNDS
from tests.support.servers import boxoffice_command


async def run_cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "BOXOFFICE_BCRYPT_ROUNDS": str(TEST_BCRYPT_ROUNDS)}
    return await asyncio.to_thread(
        subprocess.run, [*boxoffice_command(), *args], env=env, capture_output=True, text=True, timeout=120
    )


async def test_seed_simulate_and_purge_from_the_shell(db: Database, session: AsyncSession, database_url: str) -> None:
    migrated = await run_cli(database_url, "migrate")
    assert migrated.returncode == 0, migrated.stderr

    seeded = await run_cli(database_url, "seed")
    assert seeded.returncode == 0, seeded.stderr
    assert "admin@example.com" in seeded.stdout and demo_password("organizer@example.com") in seeded.stdout
    again = await run_cli(database_url, "seed")
    assert again.returncode == 0 and "not seeded, the database already has users" in again.stdout
    assert (await session.execute(select(func.count()).select_from(User))).scalar_one() == 4

    small = (await session.execute(select(Event).where(Event.title == SMALL_EVENT_TITLE))).scalar_one()
    simulated = await run_cli(database_url, "simulate", "--event", str(small.id), "--users", "50", "--json")
    assert simulated.returncode == 0, simulated.stderr
    report = json.loads(simulated.stdout)
    assert (report["bookers"], report["confirmed"], report["waitlisted"], report["failed"]) == (50, 10, 40, 0)
    assert report["overbooked"] is False

    purged = await run_cli(database_url, "purge-synthetic")
    assert purged.returncode == 0, purged.stderr
    assert "purged 50 synthetic users" in purged.stdout
    await session.commit()
    assert (await session.execute(select(func.count()).where(User.synthetic))).scalar_one() == 0
    assert (await check_invariants(session, [small.id])).ok
    await session.refresh(small)
    assert (small.seats_remaining, small.waitlist_count) == (10, 0)


async def test_simulate_errors_are_one_readable_line(db: Database, database_url: str) -> None:
    unknown = await run_cli(database_url, "simulate", "--event", "424242", "--users", "5")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "error: Event 424242 does not exist"

    bad = await run_cli(database_url, "simulate", "--event", "1", "--users", "0")
    assert bad.returncode == 1 and bad.stderr.startswith("error: Bookers (users) must be between 1 and")
