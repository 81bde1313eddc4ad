"""The NOTIFY channel the triggers of migration 0002 announce on, and what its payload means."""

from __future__ import annotations

# Kept in step with boxoffice/db/migrations/versions/0002_live_notify_triggers.py.
EVENTS_CHANNEL = "boxoffice_events"


def parse_event_id(payload: str) -> int | None:
    """The event id a notification names; None for anything else (ignored rather than trusted)."""
    cleaned = payload.strip()
    if not cleaned.isascii() or not cleaned.isdigit():
        return None
    return int(cleaned)
