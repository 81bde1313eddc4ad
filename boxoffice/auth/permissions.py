"""Who may call what: the role ladder and the Strawberry permission classes that enforce it.

Permissions are checked in order, and `requires()` always puts IsAuthenticated first, so a signed-out
caller hears UNAUTHENTICATED and a signed-in one without the rights hears FORBIDDEN.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphql import OperationType
from strawberry.permission import BasePermission, PermissionExtension

from boxoffice.db.models import Role, User
from boxoffice.errors import Forbidden, Unauthenticated

if TYPE_CHECKING:
    from strawberry.types import Info

    from boxoffice.api.context import Context

_LADDER = {Role.AUDIENCE: 0, Role.ORGANIZER: 1, Role.ADMIN: 2}


def has_role(user: User | None, role: Role) -> bool:
    """True when `user` stands at `role` or above on the ladder AUDIENCE < ORGANIZER < ADMIN."""
    if user is None:
        return False
    return _LADDER[user.role] >= _LADDER[role]


def is_admin(user: User | None) -> bool:
    return has_role(user, Role.ADMIN)


def manages(user: User | None, organizer_id: int) -> bool:
    """Whether `user` may manage an event organized by `organizer_id`: its organizer or an admin."""
    if user is None:
        return False
    return is_admin(user) or (has_role(user, Role.ORGANIZER) and user.id == organizer_id)


async def _caller(info: Info[Context, Any]) -> User | None:
    return await info.context.current_user()


class IsAuthenticated(BasePermission):
    message = "Sign in first: this needs a valid token (`Authorization: Bearer <token>`)"

    async def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        if info.path.prev is None and info.operation.operation == OperationType.MUTATION:
            # A root mutation: read the account again, so an earlier mutation in the same document (a demotion,
            # say) already applies. IsAuthenticated comes first in every `requires`, so the others see it too.
            info.context.forget_user()
        return await _caller(info) is not None

    def on_unauthorized(self) -> None:
        raise Unauthenticated(self.message or "")


class _RoleAtLeast(BasePermission):
    role: Role

    async def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        return has_role(await _caller(info), self.role)

    def on_unauthorized(self) -> None:
        raise Forbidden(self.message or "")


class IsOrganizer(_RoleAtLeast):
    role = Role.ORGANIZER
    message = "Only organizers and admins can do this"


class IsAdmin(_RoleAtLeast):
    role = Role.ADMIN
    message = "Only admins can do this"


class ManagesEvent(BasePermission):
    """On a field of Event: only that event's organizer or an admin."""

    message = "Only this event's organizer or an admin can see this"

    async def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        return manages(await _caller(info), source.organizer_id)

    def on_unauthorized(self) -> None:
        raise Forbidden(self.message or "")


def requires(*permissions: BasePermission) -> PermissionExtension:
    """A field extension: signed in first, then every given permission."""
    return PermissionExtension(permissions=[IsAuthenticated(), *permissions])
