"""The admin's booking rush simulation."""

from __future__ import annotations

from typing import Annotated

import strawberry

from boxoffice.booking.simulate import simulate_bookings as run_simulation
from boxoffice.resolvers.ids import parse_id
from boxoffice.schema.types import Info, SimulationReport


async def simulate_bookings(
    info: Info,
    event_id: Annotated[strawberry.ID, strawberry.argument(description="The PUBLISHED event to rush")],
    users: Annotated[
        int,
        strawberry.argument(
            description="How many synthetic bookers, 1..BOXOFFICE_SIMULATE_MAX_USERS (20,000 by default)"
        ),
    ],
) -> SimulationReport:
    context = info.context
    parsed = parse_id(event_id, "event")
    # The simulation takes its own connections; this request's idle one goes back to the pool meanwhile.
    await context.release_connection()
    actor = await context.actor()
    result = await run_simulation(context.database, actor, parsed, users, max_users=context.settings.simulate_max_users)
    return SimulationReport.from_result(result)
