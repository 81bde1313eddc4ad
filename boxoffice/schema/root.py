"""The schema: its three roots, each field declared once with its resolver and who may call it, and the
extensions that shape errors and refuse abusive queries.

Arguments, their names and defaults come from the resolvers' signatures (boxoffice/resolvers); descriptions and
permission extensions (sign-in and the role ladder, boxoffice/api/permissions.py) are declared here.
"""

from __future__ import annotations

import strawberry
from strawberry.extensions import DisableIntrospection

from boxoffice.api.errors import BoxofficeSchema, ErrorCodes
from boxoffice.api.fanout import SnapshotExecutor
from boxoffice.api.freshness import FreshCaller
from boxoffice.api.input_guard import RefuseUnstorableText
from boxoffice.api.permissions import IsAdmin, IsOrganizer, requires
from boxoffice.api.validation import query_limit_extensions
from boxoffice.config import Settings
from boxoffice.resolvers import accounts, bookings, live, simulation
from boxoffice.resolvers import events as event_resolvers


@strawberry.type
class Query:
    me = strawberry.field(resolver=accounts.me, description="The signed-in caller; null when signed out")
    events = strawberry.field(
        resolver=event_resolvers.events,
        description="Events in start order, Relay-style; DRAFT ones only for their organizer and admins",
    )
    event = strawberry.field(
        resolver=event_resolvers.event,
        description="One event; null when it does not exist or the caller may not see it",
    )
    my_bookings = strawberry.field(
        resolver=bookings.my_bookings, description="The caller's bookings, newest first", extensions=[requires()]
    )
    users = strawberry.field(
        resolver=accounts.users,
        description="Real (non-synthetic) users in id order: ADMIN only",
        extensions=[requires(IsAdmin())],
    )


@strawberry.type
class Mutation:
    register = strawberry.mutation(
        resolver=accounts.register, description="Creates an AUDIENCE account and signs it in"
    )
    login = strawberry.mutation(resolver=accounts.login)
    create_event = strawberry.mutation(
        resolver=event_resolvers.create_event,
        description="ORGANIZER or ADMIN; starts as DRAFT, owned by the caller",
        extensions=[requires(IsOrganizer())],
    )
    update_event = strawberry.mutation(
        resolver=event_resolvers.update_event,
        description="Its organizer or an ADMIN",
        extensions=[requires(IsOrganizer())],
    )
    publish_event = strawberry.mutation(
        resolver=event_resolvers.publish_event,
        description="Its organizer or an ADMIN",
        extensions=[requires(IsOrganizer())],
    )
    cancel_event = strawberry.mutation(
        resolver=event_resolvers.cancel_event,
        description="Its organizer or an ADMIN; cancels every booking",
        extensions=[requires(IsOrganizer())],
    )
    book_event = strawberry.mutation(
        resolver=bookings.book_event,
        description="Any signed-in user; PUBLISHED events only",
        extensions=[requires()],
    )
    cancel_booking = strawberry.mutation(
        resolver=bookings.cancel_booking, description="The booking's user or an ADMIN", extensions=[requires()]
    )
    simulate_bookings = strawberry.mutation(
        resolver=simulation.simulate_bookings, description="ADMIN only", extensions=[requires(IsAdmin())]
    )
    set_user_role = strawberry.mutation(
        resolver=accounts.set_user_role, description="ADMIN only", extensions=[requires(IsAdmin())]
    )


@strawberry.type
class Subscription:
    event_updates = strawberry.subscription(
        resolver=live.event_updates,
        description=(
            "A new Event snapshot whenever its seats, waitlist, status or details change; the current one first"
        ),
    )
    my_booking_updates = strawberry.subscription(
        resolver=live.my_booking_updates,
        description="The caller's bookings whenever they change: promotions, new places in line, cancellations",
        extensions=[requires()],
    )


def build_schema(settings: Settings) -> BoxofficeSchema:
    return BoxofficeSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            # First, so it sees the errors of every extension after it; it shapes stream results too.
            ErrorCodes,
            # Every operation reads the caller's account afresh (a WebSocket's context outlives its operations).
            FreshCaller,
            # Factories: Strawberry builds fresh extension instances for every request. The limits' rules are
            # built once here, so repeated documents hit the parse and validation caches (api/validation.py).
            *query_limit_extensions(settings),
            # After ValidationCache, whose result it adds to: NUL and unpaired surrogates never reach a resolver.
            RefuseUnstorableText,
            # Off by default in production (BOXOFFICE_INTROSPECTION): the schema is not a map for strangers.
            *([] if settings.introspection_enabled else [DisableIntrospection]),
        ],
        # Strawberry's executor with a fresh field memo per subscription event: graphql-core's grows forever.
        execution_context_class=SnapshotExecutor,
    )
