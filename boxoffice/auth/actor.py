"""Who is acting, and what they may do: the caller's rights as one small value, free of any framework.

The API layer builds one Actor per operation from the caller's account as read for that operation, and passes
it to every service that acts for a caller; the services check it (under the event's row lock where a lock is
taken). Internal callers say who they are: `Actor.system()` for the simulation, the purge and the seed, which act
on every event; never a default argument.

The rules are those of the public contract (API.md):

- Roles form a ladder, AUDIENCE < ORGANIZER < ADMIN; each can do all the roles below it can.
- Anyone, even signed out, sees PUBLISHED and CANCELLED events; a DRAFT only its organizer and ADMINs.
- An event is managed (edited, published, cancelled, its bookings listed) by its organizer and ADMINs.
- A booking is cancelled by its user and ADMINs; its history is read by its user and those who manage its event.
- An email address is shown to its owner, to ADMINs, and to the organizer of an event the person booked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from boxoffice.db.models import EventStatus, Role

LADDER: dict[Role, int] = {Role.AUDIENCE: 0, Role.ORGANIZER: 1, Role.ADMIN: 2}


def at_least(role: Role, wanted: Role) -> bool:
    """True when `role` stands at `wanted` or above on the ladder AUDIENCE < ORGANIZER < ADMIN."""
    return LADDER[role] >= LADDER[wanted]


class OwnedEvent(Protocol):
    """What the rules need of an event: a model row, a locked row or an API object alike."""

    @property
    def organizer_id(self) -> int: ...

    @property
    def status(self) -> EventStatus: ...


class OwnedBooking(Protocol):
    @property
    def user_id(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Actor:
    """The caller of one operation: a signed-in user with a role, a signed-out caller, or the system itself."""

    user_id: int | None
    role: Role | None
    is_system: bool = False

    @classmethod
    def user(cls, user_id: int, role: Role) -> Actor:
        return cls(user_id, role)

    @classmethod
    def anonymous(cls) -> Actor:
        """A signed-out caller: sees what is public, may do nothing else."""
        return cls(None, None)

    @classmethod
    def system(cls) -> Actor:
        """Boxoffice itself (simulation, purge, seed, maintenance): acts on every event, as an ADMIN would."""
        return cls(None, Role.ADMIN, is_system=True)

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    def is_at_least(self, role: Role) -> bool:
        return self.role is not None and at_least(self.role, role)

    @property
    def is_admin(self) -> bool:
        return self.is_at_least(Role.ADMIN)

    def is_user(self, user_id: int) -> bool:
        return self.user_id is not None and self.user_id == user_id

    def may_see(self, event: OwnedEvent) -> bool:
        return event.status != EventStatus.DRAFT or self.is_admin or self.is_user(event.organizer_id)

    def may_manage(self, event: OwnedEvent) -> bool:
        return self.is_admin or (self.is_at_least(Role.ORGANIZER) and self.is_user(event.organizer_id))

    def may_cancel(self, booking: OwnedBooking) -> bool:
        return self.is_admin or self.is_user(booking.user_id)

    def may_see_history(self, booking: OwnedBooking, event: OwnedEvent) -> bool:
        """A booking's history: its user, and whoever manages its event (the organizer, ADMINs)."""
        return self.is_user(booking.user_id) or self.may_manage(event)

    def may_see_email(self, user_id: int, *, organizer_of_their_event: int | None = None) -> bool:
        """A user's email: shown to themself, to ADMINs, and to the organizer of an event they booked (pass that
        event's organizer as `organizer_of_their_event` when the user is seen as one of its bookers)."""
        return (
            self.is_admin
            or self.is_user(user_id)
            or (organizer_of_their_event is not None and self.is_user(organizer_of_their_event))
        )
