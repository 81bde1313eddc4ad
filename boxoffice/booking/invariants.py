"""Recompute every booking invariant from the bookings and history tables, trusting no counter."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.db.models import ACTIVE_BOOKING_STATUSES, BookingStatus, EventStatus, WaitlistPolicy, sql_in

_CONFIRMED = f"'{BookingStatus.CONFIRMED}'"
_WAITLISTED = f"'{BookingStatus.WAITLISTED}'"
_OFFERED = f"'{BookingStatus.OFFERED}'"
_HELD = sql_in("b.status", (BookingStatus.CONFIRMED, BookingStatus.OFFERED))

# How long an offer may stay OFFERED past its deadline before the check calls it missed: a sweep interval (1 s by
# default) plus slack for a loaded machine.
DEFAULT_OFFER_GRACE_SECONDS = 5.0

# Each check lists the events (or rows) that break one invariant; an empty result means it holds.
_CHECKS: dict[str, str] = {
    # Confirmed seats plus seats held by open offers above the capacity.
    "overbooked": f"""
        SELECT e.id FROM events e
          JOIN bookings b ON b.event_id = e.id AND {_HELD}
         WHERE e.id = ANY(:event_ids) IS NOT FALSE
         GROUP BY e.id, e.capacity HAVING sum(b.quantity) > e.capacity
    """,
    "seat counter differs from capacity - confirmed - offered seats": f"""
        SELECT e.id FROM events e
          LEFT JOIN bookings b ON b.event_id = e.id AND {_HELD}
         WHERE e.id = ANY(:event_ids) IS NOT FALSE
         GROUP BY e.id HAVING e.seats_remaining <> e.capacity - coalesce(sum(b.quantity), 0)
    """,
    "offered counter differs from the open offers' seats": f"""
        SELECT e.id FROM events e
          LEFT JOIN bookings b ON b.event_id = e.id AND b.status = {_OFFERED}
         WHERE e.id = ANY(:event_ids) IS NOT FALSE
         GROUP BY e.id HAVING e.offered_seats <> coalesce(sum(b.quantity), 0)
    """,
    "offers_due_at differs from the earliest open offer's deadline": f"""
        SELECT e.id FROM events e
          LEFT JOIN bookings b ON b.event_id = e.id AND b.status = {_OFFERED}
         WHERE e.id = ANY(:event_ids) IS NOT FALSE
         GROUP BY e.id HAVING e.offers_due_at IS DISTINCT FROM min(b.offer_expires_at)
    """,
    "offer still open past its deadline": f"""
        SELECT event_id FROM bookings
         WHERE status = {_OFFERED} AND event_id = ANY(:event_ids) IS NOT FALSE
           AND offer_expires_at < clock_timestamp() - make_interval(secs => :offer_grace)
    """,
    "open offer on an AUTO_CONFIRM event": f"""
        SELECT DISTINCT b.event_id FROM bookings b JOIN events e ON e.id = b.event_id
         WHERE b.status = {_OFFERED} AND e.waitlist_policy = '{WaitlistPolicy.AUTO_CONFIRM}'
           AND e.id = ANY(:event_ids) IS NOT FALSE
    """,
    "history's last status differs from the booking's status": """
        SELECT b.event_id FROM bookings b
          LEFT JOIN LATERAL (
                SELECT h.status FROM booking_history h
                 WHERE h.booking_id = b.id ORDER BY h.id DESC LIMIT 1) last ON true
         WHERE b.event_id = ANY(:event_ids) IS NOT FALSE AND last.status IS DISTINCT FROM b.status
    """,
    "waitlist counter differs from waitlisted bookings": f"""
        SELECT e.id FROM events e
          LEFT JOIN bookings b ON b.event_id = e.id AND b.status = {_WAITLISTED}
         WHERE e.id = ANY(:event_ids) IS NOT FALSE
         GROUP BY e.id HAVING e.waitlist_count <> count(b.id)
    """,
    "waitlist order has ties": f"""
        SELECT event_id FROM bookings
         WHERE status = {_WAITLISTED} AND event_id = ANY(:event_ids) IS NOT FALSE
         GROUP BY event_id HAVING count(DISTINCT waitlist_seq) <> count(*)
    """,
    "head of the waitlist fits in the free seats but was not promoted": f"""
        SELECT e.id FROM events e
          JOIN LATERAL (
                SELECT quantity FROM bookings w
                 WHERE w.event_id = e.id AND w.status = {_WAITLISTED}
                 ORDER BY w.waitlist_seq LIMIT 1) head ON true
         WHERE e.id = ANY(:event_ids) IS NOT FALSE AND e.status = '{EventStatus.PUBLISHED}'
           AND head.quantity <= e.seats_remaining
    """,
    "user holds two active bookings on one event": f"""
        SELECT event_id FROM bookings
         WHERE {sql_in("status", ACTIVE_BOOKING_STATUSES)} AND event_id = ANY(:event_ids) IS NOT FALSE
         GROUP BY event_id, user_id HAVING count(*) > 1
    """,
    "cancelled event still has active bookings": f"""
        SELECT DISTINCT e.id FROM events e
          JOIN bookings b ON b.event_id = e.id AND {sql_in("b.status", ACTIVE_BOOKING_STATUSES)}
         WHERE e.id = ANY(:event_ids) IS NOT FALSE AND e.status = '{EventStatus.CANCELLED}'
    """,
}


@dataclass(frozen=True)
class InvariantReport:
    # invariant name -> ids of the events that break it
    violations: dict[str, list[int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def overbooked(self) -> bool:
        return "overbooked" in self.violations


async def check_invariants(
    session: AsyncSession,
    event_ids: list[int] | None = None,
    *,
    offer_grace_seconds: float = DEFAULT_OFFER_GRACE_SECONDS,
) -> InvariantReport:
    """Check the given events, or all of them. An offer may stay open up to `offer_grace_seconds` past its deadline
    (the sweeper runs every BOXOFFICE_OFFER_SWEEP_SECONDS)."""
    violations: dict[str, list[int]] = {}
    parameters = {"event_ids": event_ids, "offer_grace": offer_grace_seconds}
    for name, sql in _CHECKS.items():
        rows = (await session.execute(text(sql), parameters)).scalars().all()
        if rows:
            violations[name] = sorted(set(rows))
    return InvariantReport(violations)
