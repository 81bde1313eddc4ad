"""The schema: its three roots, each field declared once with its resolver and who may call it, and the
extensions that shape errors and refuse abusive queries.

Arguments, their names and defaults come from the resolvers' signatures (boxoffice/resolvers); descriptions and
permission extensions (sign-in and the role ladder, boxoffice/api/permissions.py) are declared here.
"""

from __future__ import annotations

from functools import partial

import strawberry
from strawberry.extensions import DisableIntrospection

from boxoffice.api.errors import BoxofficeSchema, ErrorCodes
from boxoffice.api.fanout import SnapshotExecutor
from boxoffice.api.freshness import FreshCaller
from boxoffice.api.input_guard import RefuseUnstorableText
from boxoffice.api.permissions import IsAdmin, IsOrganizer, requires, requires_token
from boxoffice.api.prepared import PreparedDocuments, RememberValidDocuments
from boxoffice.api.validation import CACHED_DOCUMENTS, query_limit_extensions
from boxoffice.config import Settings
from boxoffice.resolvers import accounts, bookings, live, simulation
from boxoffice.resolvers import events as event_resolvers


@strawberry.type(
    description="What can be read. Signed out, the PUBLISHED and CANCELLED events; with `Authorization: Bearer "
    "<token>`, also what the caller's role allows."
)
class Query:
    me = strawberry.field(resolver=accounts.me, description="The signed-in caller; null when signed out")
    events = strawberry.field(
        resolver=event_resolvers.events,
        description="Events in start order, a page at a time (Relay-style). Everyone sees PUBLISHED and CANCELLED "
        "events, DRAFTs only their organizer and ADMINs. `organizerId` keeps one organizer's events, `search` those "
        "whose title or venue contains it, `orderBy` picks soonest or latest first. Errors: BAD_USER_INPUT (`first` "
        "out of range, `after` not a cursor of this list, `search` over 100 characters, a bad `organizerId`).",
    )
    event = strawberry.field(
        resolver=event_resolvers.event,
        description="One event; null (no error) when it does not exist or the caller may not see it. Errors: "
        "BAD_USER_INPUT (an id that is not a positive integer).",
    )
    my_bookings = strawberry.field(
        resolver=bookings.my_bookings,
        description="The caller's bookings on every event, newest first, cancelled ones included. Signed in only "
        "(UNAUTHENTICATED otherwise).",
        extensions=[requires()],
    )
    users = strawberry.field(
        resolver=accounts.users,
        description="Real (non-synthetic) users in id order, a page at a time: ADMIN only (FORBIDDEN otherwise). "
        "Errors: BAD_USER_INPUT (`first` out of range, `after` not a cursor of this list).",
        extensions=[requires(IsAdmin())],
    )


@strawberry.type(
    description="What can be changed. Failures are GraphQL errors with `extensions.code` (UNAUTHENTICATED, "
    "FORBIDDEN, BAD_USER_INPUT, NOT_FOUND, CONFLICT, RATE_LIMITED, INTERNAL_SERVER_ERROR) and a message a person can "
    "act on; a refused mutation changes nothing. Ids that are not positive integers answer BAD_USER_INPUT."
)
class Mutation:
    register = strawberry.mutation(
        resolver=accounts.register,
        description="Creates an AUDIENCE account and signs it in; anyone may. Errors: BAD_USER_INPUT (malformed "
        "email, password or name out of bounds), CONFLICT (the email is already registered), RATE_LIMITED (too "
        "many sign-ups from this client; the message says how long to wait).",
    )
    login = strawberry.mutation(
        resolver=accounts.login,
        description="Signs in; send the token as `Authorization: Bearer <token>`. Errors: UNAUTHENTICATED (wrong "
        "email or password, or a deactivated account), RATE_LIMITED (too many failed sign-ins for this email from "
        "this client, or from this client across emails; the message says how long to wait).",
    )
    create_event = strawberry.mutation(
        resolver=event_resolvers.create_event,
        description="Creates an event as a DRAFT owned by the caller: ORGANIZER or ADMIN. Errors: UNAUTHENTICATED, "
        "FORBIDDEN (AUDIENCE), BAD_USER_INPUT (a field out of bounds; startsAt past or without a time zone; "
        "offerMinutes out of 1..10080).",
        extensions=[requires(IsOrganizer())],
    )
    update_event = strawberry.mutation(
        resolver=event_resolvers.update_event,
        description="Changes an event's details; raising capacity promotes (or offers, under OFFER) from the "
        "waiting list, and switching waitlistPolicy from OFFER to AUTO_CONFIRM confirms the open offers. Its "
        "organizer or an ADMIN. Errors: UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, BAD_USER_INPUT (out of bounds, "
        "capacity below the confirmed and offered seats, offerMinutes out of 1..10080), CONFLICT (the event is "
        "cancelled).",
        extensions=[requires(IsOrganizer())],
    )
    publish_event = strawberry.mutation(
        resolver=event_resolvers.publish_event,
        description="Publishes a DRAFT: visible to everyone and open for booking. Its organizer or an ADMIN. "
        "Errors: UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT (the event is cancelled).",
        extensions=[requires(IsOrganizer())],
    )
    cancel_event = strawberry.mutation(
        resolver=event_resolvers.cancel_event,
        description="Cancels the event and every active booking on it, in one transaction. Its organizer or an "
        "ADMIN. Errors: UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT (already cancelled).",
        extensions=[requires(IsOrganizer())],
    )
    book_event = strawberry.mutation(
        resolver=bookings.book_event,
        description="Books seats under the event's row lock: CONFIRMED when they are free and nobody waits, else "
        "WAITLISTED at the end of the line (first come, first served). Any signed-in user, on a PUBLISHED event "
        "that has not started. With `idempotencyKey`, a retry answers the first call's booking instead of booking "
        "again, even when the retries race. Errors: UNAUTHENTICATED, NOT_FOUND, BAD_USER_INPUT (quantity out of "
        "range; a key out of 1..128 characters or already used with other arguments), CONFLICT (an active booking "
        "on this event already; the event is not published, cancelled or started).",
        extensions=[requires_token()],
    )
    cancel_booking = strawberry.mutation(
        resolver=bookings.cancel_booking,
        description="Cancels a booking. A CONFIRMED one frees its seats and promotes (or offers them) from the head "
        "of the waiting list in the same transaction; a WAITLISTED one leaves the line and everyone behind moves "
        "up; an OFFERED one declines the offer, and its seats go to the next in line. The booking's user or an "
        "ADMIN. With `idempotencyKey`, a retry answers the first call's booking instead of a CONFLICT. Errors: "
        "UNAUTHENTICATED, NOT_FOUND (also for someone else's booking), BAD_USER_INPUT (a key out of 1..128 "
        "characters or already used with other arguments), CONFLICT (already cancelled, or EXPIRED).",
        extensions=[requires()],
    )
    accept_offer = strawberry.mutation(
        resolver=bookings.accept_offer,
        description="Accepts an open offer: the OFFERED booking becomes CONFIRMED and keeps the seats held for it. "
        "Only the booking's user. An offer whose offerExpiresAt has passed is never confirmed: it becomes EXPIRED, "
        "its seats go to the next in line, and the answer is CONFLICT. Errors: UNAUTHENTICATED, FORBIDDEN (an ADMIN "
        "or the event's organizer: only the booker accepts), NOT_FOUND (no such booking, or someone else's), "
        "CONFLICT (the booking is not OFFERED, or its deadline has passed).",
        extensions=[requires()],
    )
    simulate_bookings = strawberry.mutation(
        resolver=simulation.simulate_bookings,
        description="A rush: creates `users` synthetic AUDIENCE users who each book one seat of the event at once, "
        "through the same code as bookEvent, then re-checks the invariants and reports (`boxoffice simulate` "
        "does the same). ADMIN only. Errors: UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, BAD_USER_INPUT (users out of "
        "range), CONFLICT (the event is not open for booking).",
        extensions=[requires(IsAdmin())],
    )
    set_user_role = strawberry.mutation(
        resolver=accounts.set_user_role,
        description="Changes a user's role. ADMIN only. Errors: UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT "
        "(demoting the last ADMIN).",
        extensions=[requires(IsAdmin())],
    )
    change_name = strawberry.mutation(
        resolver=accounts.change_name,
        description="The signed-in user's new display name (1..100 characters)",
        extensions=[requires()],
    )
    change_password = strawberry.mutation(
        resolver=accounts.change_password,
        description=(
            "The signed-in user's new password (8..128 characters); the current one is required (a wrong one is "
            "BAD_USER_INPUT). Every token issued before stops working; the answer carries a fresh one"
        ),
        extensions=[requires()],
    )
    delete_account = strawberry.mutation(
        resolver=accounts.delete_account,
        description=(
            "Deletes the signed-in user's account (their password required). Active bookings are cancelled in "
            "the same transaction and the people waiting behind move up. CONFLICT for an account that "
            "organizes events or is the last admin"
        ),
        extensions=[requires()],
    )
    set_user_active = strawberry.mutation(
        resolver=accounts.set_user_active,
        description=(
            "ADMIN only: deactivate (cannot sign in, tokens refused; bookings kept) or reactivate an account. "
            "Admins cannot deactivate themselves (CONFLICT)"
        ),
        extensions=[requires(IsAdmin())],
    )
    purge_synthetic_users = strawberry.mutation(
        resolver=accounts.purge_synthetic,
        description=(
            "ADMIN only: deletes the synthetic users of past simulations and their bookings, like "
            "`boxoffice purge-synthetic`; freed seats go to the real users waiting, in line order"
        ),
        extensions=[requires(IsAdmin())],
    )


@strawberry.type(
    description="Live updates, over WebSocket only (graphql-transport-ws on /graphql; over HTTP they answer "
    'BAD_USER_INPUT). Sign in with the connection_init payload {"Authorization": "Bearer <token>"}.'
)
class Subscription:
    event_updates = strawberry.subscription(
        resolver=live.event_updates,
        description="The event's snapshot now, then a new one whenever its seats (free, or held by offers), waiting "
        "list, status, waitlist policy or details change (bursts coalesced to about ten a second; the last state "
        "always arrives). Anyone who may see the "
        "event. Errors: NOT_FOUND, BAD_USER_INPUT (a bad id).",
    )
    my_booking_updates = strawberry.subscription(
        resolver=live.my_booking_updates,
        description="The caller's bookings whenever they change: confirmations, promotions from the waiting list, "
        "offers (OFFERED, with offerExpiresAt) and what became of them (CONFIRMED, EXPIRED, CANCELLED), new places "
        "in line, cancellations. Signed in only (UNAUTHENTICATED otherwise).",
        extensions=[requires()],
    )


def build_schema(settings: Settings) -> BoxofficeSchema:
    prepared = PreparedDocuments(CACHED_DOCUMENTS)
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
            # Right after ValidationCache: a document that validated is executed without this pipeline next time.
            partial(RememberValidDocuments, prepared),
            # After ValidationCache, whose result it adds to: NUL and unpaired surrogates never reach a resolver.
            RefuseUnstorableText,
            # Off by default in production (BOXOFFICE_INTROSPECTION): the schema is not a map for strangers.
            *([] if settings.introspection_enabled else [DisableIntrospection]),
        ],
        # Strawberry's executor with a fresh field memo per subscription event: graphql-core's grows forever.
        execution_context_class=SnapshotExecutor,
        prepared=prepared,
    )
