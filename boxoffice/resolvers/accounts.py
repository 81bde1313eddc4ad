"""Accounts: sign-up, sign-in, the caller, and the admin's user management."""

from __future__ import annotations

from typing import Annotated

import strawberry

from boxoffice.auth import service
from boxoffice.auth.service import MAX_EMAIL, MAX_NAME, MAX_PASSWORD, MIN_PASSWORD
from boxoffice.booking.synthetic import purge_synthetic_users
from boxoffice.db.models import User
from boxoffice.resolvers.ids import parse_id
from boxoffice.schema.enums import Role
from boxoffice.schema.types import (
    AccountDeletion,
    AfterArgument,
    AuthPayload,
    EmailArgument,
    Info,
    PageInfo,
    PageSizeArgument,
    PasswordArgument,
    PurgeReport,
    UserConnection,
    UserEdge,
    UserType,
)
from boxoffice.users import accounts
from boxoffice.users.queries import list_users


async def me(info: Info) -> UserType | None:
    user = await info.context.current_user()
    return UserType.from_model(user) if user else None


async def register(
    info: Info,
    email: Annotated[
        str,
        strawberry.argument(description=f"A valid email address, at most {MAX_EMAIL} characters, not yet registered"),
    ],
    password: PasswordArgument,
    name: Annotated[str, strawberry.argument(description=f"How others see them, 1..{MAX_NAME} characters")],
) -> AuthPayload:
    context = info.context
    registration = service.Registration(email=email, password=password, name=name)
    user = await context.call(
        service.register,
        registration,
        bcrypt_rounds=context.settings.bcrypt_rounds,
        throttle=context.throttle,
        client=context.client_address,
    )
    return _signed_in(user, info)


async def login(info: Info, email: EmailArgument, password: PasswordArgument) -> AuthPayload:
    context = info.context
    user = await context.call(
        service.login,
        email,
        password,
        throttle=context.throttle,
        client=context.client_address,
        bcrypt_rounds=context.settings.bcrypt_rounds,
    )
    return _signed_in(user, info)


async def set_user_role(
    info: Info,
    user_id: Annotated[strawberry.ID, strawberry.argument(description="The user whose role changes")],
    role: Annotated[Role, strawberry.argument(description="Their new role")],
) -> UserType:
    context = info.context
    user = await context.call(service.set_user_role, await context.actor(), parse_id(user_id, "user"), role)
    return UserType.from_model(user)


async def users(info: Info, first: PageSizeArgument = 50, after: AfterArgument = None) -> UserConnection:
    context = info.context
    page = await context.call(
        list_users, await context.actor(), first=first, after=after, max_page_size=context.settings.max_page_size
    )
    edges = [UserEdge(cursor=str(user.id), node=UserType.from_model(user)) for user in page.users]
    end_cursor = edges[-1].cursor if edges else None
    page_info = PageInfo(
        has_next_page=page.has_next_page,
        end_cursor=end_cursor,
        has_previous_page=after is not None,
        start_cursor=edges[0].cursor if edges else None,
    )
    return UserConnection(edges=edges, page_info=page_info)


def _signed_in(user: User, info: Info) -> AuthPayload:
    issued = info.context.tokens.issue(user.id, version=user.token_version)
    # The payload's user is the caller, whether or not the request carried a token: their own email is shown.
    return AuthPayload(
        token=issued.token, expires_at=issued.expires_at, user=UserType.from_model(user, shown_always=True)
    )


async def change_name(
    info: Info,
    name: Annotated[str, strawberry.argument(description=f"How others see them, 1..{MAX_NAME} characters")],
) -> UserType:
    context = info.context
    return UserType.from_model(await context.call(accounts.change_name, await context.actor(), name))


async def change_password(
    info: Info,
    current_password: Annotated[str, strawberry.argument(description="The password they sign in with now")],
    new_password: Annotated[
        str, strawberry.argument(description=f"The new password, {MIN_PASSWORD}..{MAX_PASSWORD} characters")
    ],
) -> AuthPayload:
    """A fresh token for this session: every token issued before, this one's included, stops working."""
    context = info.context
    changed = await context.call(
        accounts.change_password,
        await context.actor(),
        current_password,
        new_password,
        throttle=context.throttle,
        bcrypt_rounds=context.settings.bcrypt_rounds,
    )
    return _signed_in(changed, info)


async def delete_account(
    info: Info, password: Annotated[str, strawberry.argument(description="Their current password, to confirm")]
) -> AccountDeletion:
    context = info.context
    deleted = await context.call(
        accounts.delete_account,
        await context.actor(),
        password,
        throttle=context.throttle,
        bcrypt_rounds=context.settings.bcrypt_rounds,
    )
    return AccountDeletion(cancelled_bookings=deleted.cancelled_bookings, promoted=deleted.promoted)


async def set_user_active(
    info: Info,
    user_id: Annotated[strawberry.ID, strawberry.argument(description="The user to deactivate or reactivate")],
    active: Annotated[bool, strawberry.argument(description="false deactivates, true reactivates")],
) -> UserType:
    context = info.context
    user = await context.call(accounts.set_user_active, await context.actor(), parse_id(user_id, "user"), active)
    return UserType.from_model(user)


async def purge_synthetic(info: Info) -> PurgeReport:
    context = info.context
    result = await context.call(purge_synthetic_users, await context.actor())
    return PurgeReport(
        users=result.users,
        events=result.events,
        bookings=result.bookings,
        seats_freed=result.seats_freed,
        promoted=result.promoted,
        promoted_booking_ids=result.promoted_booking_ids,
    )
