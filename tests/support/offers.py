"""Events under the OFFER policy and open offers on them, made through the services as a person would make them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from boxoffice.auth.actor import Actor
from boxoffice.booking.service import book, cancel
from boxoffice.db.models import Booking, Event, User, WaitlistPolicy
from boxoffice.db.session import Database
from boxoffice.events.service import EventChanges, update_event
from tests.support.factories import EventFactory, UserFactory, booker


async def set_policy(db: Database, event_id: int, policy: WaitlistPolicy, minutes: int | None = None) -> Event:
    """The event's waitlist policy (and offer length) changed by the system, through the events service."""
    async with db.sessions() as session:
        return await update_event(
            session, Actor.system(), event_id, EventChanges(waitlist_policy=policy, offer_minutes=minutes)
        )


async def offer_event(
    make_event: EventFactory, db: Database, capacity: int = 1, minutes: int = 60, organizer: User | None = None
) -> Event:
    """A PUBLISHED event under the OFFER policy, no bookings yet."""
    event = await make_event(capacity=capacity, organizer=organizer)
    return await set_policy(db, event.id, WaitlistPolicy.OFFER, minutes)


@dataclass(frozen=True)
class OpenOffer:
    """`offered` holds an open offer of the seat `holder` gave up; `holder`'s booking is cancelled."""

    event: Event
    holder: Booking
    offered: Booking


async def open_offer(db: Database, event: Event, holder: User, waiting: User, quantity: int = 1) -> OpenOffer:
    """`holder` takes the event's seats, `waiting` joins the line, `holder` cancels: `waiting` is OFFERED."""
    async with db.sessions() as session:
        held = await book(session, booker(holder.id), event.id, event.capacity)
        await book(session, booker(waiting.id), event.id, quantity)
        await cancel(session, booker(holder.id), held.id)
    async with db.sessions() as session:
        offered = (
            await session.execute(
                text("SELECT id FROM bookings WHERE event_id = :e AND user_id = :u"), {"e": event.id, "u": waiting.id}
            )
        ).scalar_one()
        booking = await session.get(Booking, offered)
        assert booking is not None
        return OpenOffer(event, held, booking)


async def offered_to(make_user: UserFactory, make_event: EventFactory, db: Database, waiting: User) -> OpenOffer:
    """A fresh one-seat OFFER event whose offer is open for `waiting`."""
    event = await offer_event(make_event, db)
    return await open_offer(db, event, await make_user(), waiting)


async def pass_deadline(db: Database, booking_id: int) -> None:
    """The offer's deadline moved into the past, as if its minutes had gone by (no sleeping for minutes); nothing
    else is touched, so only the engine's own expiry (the sweeper, or the next lock of the event) can expire it."""
    async with db.engine.begin() as connection:
        await connection.execute(
            text("UPDATE bookings SET offer_expires_at = clock_timestamp() - interval '1 second' WHERE id = :b"),
            {"b": booking_id},
        )
        await connection.execute(
            text(
                "UPDATE events SET offers_due_at = clock_timestamp() - interval '1 second'"
                " WHERE id = (SELECT event_id FROM bookings WHERE id = :b)"
            ),
            {"b": booking_id},
        )
