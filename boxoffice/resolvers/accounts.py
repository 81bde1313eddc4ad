"""Accounts: sign-up, sign-in, the caller, and the admin's user management."""

from __future__ import annotations

import strawberry

from boxoffice.auth import service
from boxoffice.resolvers.ids import parse_id
from boxoffice.schema.enums import Role
from boxoffice.schema.types import AuthPayload, Info, PageInfo, UserConnection, UserEdge, UserType
from boxoffice.users.queries import list_users


async def me(info: Info) -> UserType | None:
    user = await info.context.current_user()
    return UserType.from_model(user) if user else None


async def register(info: Info, email: str, password: str, name: str) -> AuthPayload:
    context = info.context
    registration = service.Registration(email=email, password=password, name=name)
    user = await context.call(
        service.register,
        registration,
        bcrypt_rounds=context.settings.bcrypt_rounds,
        throttle=context.throttle,
        client=context.client_address,
    )
    issued = context.tokens.issue(user.id)
    return AuthPayload(
        token=issued.token, expires_at=issued.expires_at, user=UserType.from_model(user, shown_always=True)
    )


async def login(info: Info, email: str, password: str) -> AuthPayload:
    context = info.context
    user = await context.call(
        service.login,
        email,
        password,
        throttle=context.throttle,
        client=context.client_address,
        bcrypt_rounds=context.settings.bcrypt_rounds,
    )
    issued = context.tokens.issue(user.id)
    return AuthPayload(
        token=issued.token, expires_at=issued.expires_at, user=UserType.from_model(user, shown_always=True)
    )


async def set_user_role(info: Info, user_id: strawberry.ID, role: Role) -> UserType:
    context = info.context
    user = await context.call(service.set_user_role, await context.actor(), parse_id(user_id, "user"), role)
    return UserType.from_model(user)


async def users(info: Info, first: int = 50, after: str | None = None) -> UserConnection:
    context = info.context
    page = await context.call(
        list_users, await context.actor(), first=first, after=after, max_page_size=context.settings.max_page_size
    )
    edges = [UserEdge(cursor=str(user.id), node=UserType.from_model(user)) for user in page.users]
    end_cursor = edges[-1].cursor if edges else None
    return UserConnection(edges=edges, page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=end_cursor))
