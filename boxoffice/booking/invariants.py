"""Recompute every booking invariant from the bookings table, trusting no counter."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# Each check lists the events (or rows) that break one invariant; an empty result means it holds.
_CHECKS: dict[str, str] = {
    "overbooked": """
        SELECT e.id FROM events e
          JOIN bookings b ON b.event_id = e.id AND b.status = 'CONFIRMED'
         WHERE e.id = ANY(:event_ids) IS NOT FALSE
         GROUP BY e.id, e.capacity HAVING sum(b.quantity) > e.capacity
    """,
    "seat counter differs from capacity - confirmed seats": """
        SELECT e.id FROM events e
          LEFT JOIN bookings b ON b.event_id = e.id AND b.status = 'CONFIRMED'
         WHERE e.id = ANY(:event_ids) IS NOT FALSE
         GROUP BY e.id HAVING e.seats_remaining <> e.capacity - coalesce(sum(b.quantity), 0)
    """,
    "waitlist counter differs from waitlisted bookings": """
        SELECT e.id FROM events e
          LEFT JOIN bookings b ON b.event_id = e.id AND b.status = 'WAITLISTED'
         WHERE e.id = ANY(:event_ids) IS NOT FALSE
         GROUP BY e.id HAVING e.waitlist_count <> count(b.id)
    """,
    "waitlist order has ties": """
        SELECT event_id FROM bookings
         WHERE status = 'WAITLISTED' AND event_id = ANY(:event_ids) IS NOT FALSE
         GROUP BY event_id HAVING count(DISTINCT waitlist_seq) <> count(*)
    """,
    "head of the waitlist fits in the free seats but was not promoted": """
        SELECT e.id FROM events e
          JOIN LATERAL (
                SELECT quantity FROM bookings w
                 WHERE w.event_id = e.id AND w.status = 'WAITLISTED'
                 ORDER BY w.waitlist_seq LIMIT 1) head ON true
         WHERE e.id = ANY(:event_ids) IS NOT FALSE AND e.status = 'PUBLISHED'
           AND head.quantity <= e.seats_remaining
    """,
    "user holds two active bookings on one event": """
        SELECT event_id FROM bookings
         WHERE status IN ('CONFIRMED', 'WAITLISTED') AND event_id = ANY(:event_ids) IS NOT FALSE
         GROUP BY event_id, user_id HAVING count(*) > 1
    """,
    "cancelled event still has active bookings": """
        SELECT DISTINCT e.id FROM events e
          JOIN bookings b ON b.event_id = e.id AND b.status IN ('CONFIRMED', 'WAITLISTED')
         WHERE e.id = ANY(:event_ids) IS NOT FALSE AND e.status = 'CANCELLED'
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
