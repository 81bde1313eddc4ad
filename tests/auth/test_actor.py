"""The Actor's rules (API.md "Roles"), one per test, without a database: they are pure functions of the Actor."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from boxoffice.auth.actor import Actor
from boxoffice.db.models import EventStatus, Role

OWNER, OTHER = 1, 2


@dataclass(frozen=True)
class _Event:
    organizer_id: int
    status: EventStatus


@dataclass(frozen=True)
class _Booking:
    user_id: int


DRAFT = _Event(OWNER, EventStatus.DRAFT)
PUBLISHED = _Event(OWNER, EventStatus.PUBLISHED)
CANCELLED = _Event(OWNER, EventStatus.CANCELLED)


@pytest.mark.parametrize("event", [PUBLISHED, CANCELLED])
def test_anyone_even_signed_out_sees_an_event_that_is_not_a_draft(event: _Event) -> None:
    assert Actor.anonymous().may_see(event)


def test_a_signed_out_caller_does_not_see_a_draft() -> None:
    assert not Actor.anonymous().may_see(DRAFT)


def test_another_organizer_does_not_see_a_draft() -> None:
    assert not Actor.user(OTHER, Role.ORGANIZER).may_see(DRAFT)


def test_its_organizer_and_admins_see_a_draft() -> None:
    assert Actor.user(OWNER, Role.ORGANIZER).may_see(DRAFT)
    assert Actor.user(OTHER, Role.ADMIN).may_see(DRAFT)


def test_its_organizer_manages_an_event_and_another_organizer_does_not() -> None:
    assert Actor.user(OWNER, Role.ORGANIZER).may_manage(PUBLISHED)
    assert not Actor.user(OTHER, Role.ORGANIZER).may_manage(PUBLISHED)


def test_an_organizer_demoted_to_audience_no_longer_manages_their_events() -> None:
    assert not Actor.user(OWNER, Role.AUDIENCE).may_manage(PUBLISHED)


def test_an_admin_manages_every_event() -> None:
    assert Actor.user(OTHER, Role.ADMIN).may_manage(DRAFT)


def test_a_booking_is_cancelled_by_its_user_or_an_admin_only() -> None:
    booking = _Booking(user_id=OWNER)
    assert Actor.user(OWNER, Role.AUDIENCE).may_cancel(booking)
    assert Actor.user(OTHER, Role.ADMIN).may_cancel(booking)
    assert not Actor.user(OTHER, Role.ORGANIZER).may_cancel(booking)


def test_a_booking_history_is_read_by_its_user_the_event_organizer_and_admins_only() -> None:
    booker, organizer, stranger = 3, OWNER, OTHER
    booking = _Booking(user_id=booker)
    assert Actor.user(booker, Role.AUDIENCE).may_see_history(booking, PUBLISHED)
    assert Actor.user(organizer, Role.ORGANIZER).may_see_history(booking, PUBLISHED)
    assert Actor.user(stranger, Role.ADMIN).may_see_history(booking, PUBLISHED)
    assert not Actor.user(stranger, Role.ORGANIZER).may_see_history(booking, PUBLISHED)
    assert not Actor.user(stranger, Role.AUDIENCE).may_see_history(booking, PUBLISHED)
    assert not Actor.anonymous().may_see_history(booking, PUBLISHED)
    # An organizer demoted to AUDIENCE no longer manages the event, so no longer reads its bookings' histories.
    assert not Actor.user(organizer, Role.AUDIENCE).may_see_history(booking, PUBLISHED)


def test_the_role_ladder_orders_audience_organizer_admin() -> None:
    organizer = Actor.user(OWNER, Role.ORGANIZER)
    assert organizer.is_at_least(Role.AUDIENCE) and organizer.is_at_least(Role.ORGANIZER)
    assert not organizer.is_at_least(Role.ADMIN)


def test_a_signed_out_caller_stands_nowhere_on_the_ladder() -> None:
    assert not Actor.anonymous().is_at_least(Role.AUDIENCE)
    assert not Actor.anonymous().signed_in


def test_the_system_acts_on_every_event_but_is_no_signed_in_user() -> None:
    system = Actor.system()
    assert system.may_manage(DRAFT) and system.may_see(DRAFT)
    assert not system.signed_in


def test_an_email_is_shown_to_its_owner_admins_and_the_organizer_of_an_event_they_booked() -> None:
    assert Actor.user(OWNER, Role.AUDIENCE).may_see_email(OWNER)
    assert Actor.user(OTHER, Role.ADMIN).may_see_email(OWNER)
    assert Actor.user(OTHER, Role.ORGANIZER).may_see_email(OWNER, organizer_of_their_event=OTHER)
    assert not Actor.user(OTHER, Role.ORGANIZER).may_see_email(OWNER)
    assert not Actor.anonymous().may_see_email(OWNER)
