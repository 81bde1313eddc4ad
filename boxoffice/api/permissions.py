"""Who may call which field, as Strawberry permission classes: signed in, and where on the role ladder.

They only check sign-in and the role ladder, from the caller's Actor; every rule about a particular event or
booking is the services' (and the Actor's). Permissions are checked in order, and `requires()` always puts
IsAuthenticated first, so a signed-out caller hears UNAUTHENTICATED and a signed-in one without the rights hears
FORBIDDEN.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphql import OperationType
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.schema_directive import Location, StrawberrySchemaDirective

from boxoffice.db.models import Role
from boxoffice.errors import Forbidden, Unauthenticated

if TYPE_CHECKING:
    from strawberry.types import Info

    from boxoffice.api.context import Context


def _directive(name: str, description: str) -> object:
    """The schema directive a permission class puts on the fields it guards, described in the schema's SDL."""

    class Directive:
        __strawberry_directive__ = StrawberrySchemaDirective(
            name, name, [Location.FIELD_DEFINITION], [], description=description
        )

    return Directive()


class IsAuthenticated(BasePermission):
    _schema_directive = _directive(
        "IsAuthenticated",
        "Signed-in callers only (a valid `Authorization: Bearer <token>`); others get UNAUTHENTICATED.",
    )
    message = "Sign in first: this needs a valid token (`Authorization: Bearer <token>`)"

    async def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        if info.path.prev is None and info.operation.operation == OperationType.MUTATION:
            # A root mutation: read the account again (api/freshness.py), so an earlier mutation in the same
            # document (a demotion, say) already applies. IsAuthenticated comes first in every `requires`, so the
            # other permissions see the fresh account too.
            info.context.forget_user()
        return (await info.context.actor()).signed_in

    def on_unauthorized(self) -> None:
        raise Unauthenticated(self.message or "")


class HoldsToken(IsAuthenticated):
    """IsAuthenticated (same directive, same answer when signed out or the token is bad) for a mutation that reads
    and checks the caller's account itself: here only the token's signature and expiry; the account is read in the
    operation's own lock statement and refused there by auth's rules (bookEvent: booking/service.py)."""

    async def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        # As IsAuthenticated does for root mutations: a resolver that still asks for the Actor reads it afresh.
        info.context.forget_user()
        return info.context.token_subject() is not None


class _RoleAtLeast(BasePermission):
    role: Role

    async def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        return (await info.context.actor()).is_at_least(self.role)

    def on_unauthorized(self) -> None:
        raise Forbidden(self.message or "")


class IsOrganizer(_RoleAtLeast):
    _schema_directive = _directive(
        "IsOrganizer", "ORGANIZERs and ADMINs only: signed out gets UNAUTHENTICATED, an AUDIENCE user FORBIDDEN."
    )
    role = Role.ORGANIZER
    message = "Only organizers and admins can do this"


class IsAdmin(_RoleAtLeast):
    _schema_directive = _directive(
        "IsAdmin", "ADMINs only: signed out gets UNAUTHENTICATED, anyone else signed in FORBIDDEN."
    )
    role = Role.ADMIN
    message = "Only admins can do this"


def requires(*permissions: BasePermission) -> PermissionExtension:
    """A field extension: signed in first, then every given permission."""
    return PermissionExtension(permissions=[IsAuthenticated(), *permissions])


def requires_token() -> PermissionExtension:
    """A field extension for a mutation that checks the caller's account itself (HoldsToken)."""
    return PermissionExtension(permissions=[HoldsToken()])
