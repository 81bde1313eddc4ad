"""Recompute every booking invariant from the bookings table, trusting no counter."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.db.models import ACTIVE_BOOKING_STATUSES, BookingStatus, EventStatus, sql_in

_CONFIRMED = f"'{BookingStatus.CONFIRMED}'"
_WAITLISTED = f"'{BookingStatus.WAITLISTED}'"

# Each check lists the events (or rows) that break one invariant; an empty result means it holds.
_CHECKS: dict[str, str] = {
    "overbooked": f"""
        SELECT e.id FROM events e
          JOIN bookings b ON b.event_id = e.id AND b.status = {_CONFIRMED}
         WHERE e.id = ANY(:event_ids) IS NOT FALSE
         GROUP BY e.id, e.capacity HAVING sum(b.quantity) > e.capacity
    """,
    "seat counter differs from capacity - confirmed seats": f"""
        SELECT e.id FROM events e
          LEFT JOIN bookings b ON b.event_id = e.id AND b.status = {_CONFIRMED}
         WHERE e.id = ANY(:event_ids) IS NOT FALSE
         GROUP BY e.id HAVING e.seats_remaining <> e.capacity - coalesce(sum(b.quantity), 0)
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


async def check_invariants(session: AsyncSession, event_ids: list[int] | None = None) -> InvariantReport:
    """Check the given events, or all of them."""
    violations: dict[str, list[int]] = {}
    for name, sql in _CHECKS.items():
        rows = (await session.execute(text(sql), {"event_ids": event_ids})).scalars().all()
        if rows:
            violations[name] = sorted(set(rows))
    return InvariantReport(violations)
