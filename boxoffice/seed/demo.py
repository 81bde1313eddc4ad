"""The demo data `boxoffice serve` and `boxoffice seed` put into an empty database: four logins, a few events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.auth.passwords import hash_password
from boxoffice.booking.ledger import new_event
from boxoffice.db.locks import AdvisoryLock
from boxoffice.db.models import EventStatus, Role, User
from boxoffice.db.transaction import transaction


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    role: Role
    name: str


@dataclass(frozen=True)
class DemoEvent:
    title: str
    venue: str
    days_ahead: int
    capacity: int
    description: str


DEMO_LOGINS = (
    DemoLogin("admin@example.com", "admin123", Role.ADMIN, "Ada Admin"),
    DemoLogin("organizer@example.com", "organizer123", Role.ORGANIZER, "Olga Organizer"),
    DemoLogin("alice@example.com", "alice123", Role.AUDIENCE, "Alice Audience"),
    DemoLogin("bob@example.com", "bob123", Role.AUDIENCE, "Bob Audience"),
)

SMALL_EVENT_TITLE = "Intimate Jazz Night (10 seats)"

DEMO_EVENTS = (
    DemoEvent(
        SMALL_EVENT_TITLE,
        "The Blue Cellar",
        7,
        10,
        "A trio in a tiny cellar. Only ten seats: book it twice over to see the waitlist at work.",
    ),
    DemoEvent(
        "Symphony Under the Stars",
        "Riverside Park Amphitheatre",
        14,
        500,
        "The city orchestra plays Dvořák's New World Symphony in the open air.",
    ),
    DemoEvent(
        "Async Python Meetup",
        "Tech Hub, Room 3",
        3,
        80,
        "Talks on asyncio, PostgreSQL row locks, and selling tickets without overselling.",
    ),
    DemoEvent(
        "Indie Rock Festival",
        "Harbour Fields",
        30,
        2000,
        "Two stages, twelve bands, one long summer evening.",
    ),
)


@dataclass(frozen=True)
class SeedResult:
    seeded: bool
    users: int
    events: int


def _starts_at(days_ahead: int, now: datetime) -> datetime:
    # Evening shows on a whole hour read better than "now + 7 days" to the second.
    day = (now + timedelta(days=days_ahead)).date()
    return datetime.combine(day, time(19, 30), tzinfo=UTC)


async def seed_demo(session: AsyncSession, bcrypt_rounds: int = 12) -> SeedResult:
    """Seed the demo logins and events, but only into a database without users; otherwise change nothing."""
    # Hashing is slow on purpose, so it happens before the transaction rather than while holding its lock.
    hashes = [await hash_password(login.password, rounds=bcrypt_rounds) for login in DEMO_LOGINS]
    now = datetime.now(UTC)
    async with transaction(session):
        # Two processes seeding at once (say, `seed` beside `serve`) must not both see an empty table.
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": int(AdvisoryLock.DEMO_SEED)})
        if (await session.execute(select(func.count()).select_from(User))).scalar_one():
            return SeedResult(seeded=False, users=0, events=0)
        users = [
            User(email=login.email, name=login.name, role=login.role, password_hash=password_hash)
            for login, password_hash in zip(DEMO_LOGINS, hashes, strict=True)
        ]
        session.add_all(users)
        await session.flush()
        organizer = next(user for user in users if user.role is Role.ORGANIZER)
        session.add_all(
            new_event(
                organizer_id=organizer.id,
                title=event.title,
                description=event.description,
                venue=event.venue,
                starts_at=_starts_at(event.days_ahead, now),
                capacity=event.capacity,
                status=EventStatus.PUBLISHED,
            )
            for event in DEMO_EVENTS
        )
    return SeedResult(seeded=True, users=len(DEMO_LOGINS), events=len(DEMO_EVENTS))
