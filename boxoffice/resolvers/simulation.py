"""The admin's booking rush simulation."""

from __future__ import annotations

import strawberry

from boxoffice.resolvers.ids import parse_id
from boxoffice.schema.types import Info, SimulationReport


async def simulate_bookings(info: Info, event_id: str, users: int) -> SimulationReport:
    # Imported here: the simulation pulls in its own machinery that plain API requests never need.
    from boxoffice.booking.simulate import simulate_bookings as run_simulation

    context = info.context
    parsed = parse_id(event_id, "event")
    # The simulation takes its own connections; this request's idle one goes back to the pool meanwhile.
    await context.release_connection()
    result = await run_simulation(context.database, parsed, users, max_users=context.settings.simulate_max_users)
    return SimulationReport(
        event_id=strawberry.ID(str(result.event_id)),
        bookers=result.bookers,
        confirmed=result.confirmed,
        waitlisted=result.waitlisted,
        failed=result.failed,
        seats_remaining=result.seats_remaining,
        waitlist_length=result.waitlist_length,
        duration_ms=result.duration_ms,
        bookings_per_second=result.bookings_per_second,
        overbooked=result.overbooked,
    )
