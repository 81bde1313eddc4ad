"""live updates: NOTIFY triggers on events and bookings

Every change to what a subscriber sees (an event's counters, capacity, status or text, or a booking's
status or place in line) announces the event's id on the channel `boxoffice_events`. pg_notify is
transactional: the announcement is delivered at COMMIT and dropped on ROLLBACK, so nothing is announced
that did not happen. PostgreSQL folds identical (channel, payload) pairs within one transaction into one
message, so a booking, which touches both tables, costs one notification whatever the number of triggers.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Kept in step with boxoffice/live/channels.py.
CHANNEL = "boxoffice_events"

# Row level on events: writers update one event at a time, and the WHEN clause is evaluated without
# entering PL/pgSQL, so an update that changes nothing visible (updated_at only) costs nothing.
_EVENT_FUNCTION = f"""
CREATE FUNCTION boxoffice_notify_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', NEW.id::text);
    RETURN NULL;
END
$$
"""

_EVENT_TRIGGER = """
CREATE TRIGGER boxoffice_events_notify
AFTER UPDATE ON events
FOR EACH ROW
WHEN (
    OLD.seats_remaining IS DISTINCT FROM NEW.seats_remaining
    OR OLD.waitlist_count IS DISTINCT FROM NEW.waitlist_count
    OR OLD.capacity IS DISTINCT FROM NEW.capacity
    OR OLD.status IS DISTINCT FROM NEW.status
    OR OLD.title IS DISTINCT FROM NEW.title
    OR OLD.description IS DISTINCT FROM NEW.description
    OR OLD.venue IS DISTINCT FROM NEW.venue
    OR OLD.starts_at IS DISTINCT FROM NEW.starts_at
)
EXECUTE FUNCTION boxoffice_notify_event()
"""

# Statement level on bookings, over the transition table: cancelling an event updates thousands of
# bookings in one statement, and this sends one notification per event touched, not one per row.
_BOOKING_FUNCTION = f"""
CREATE FUNCTION boxoffice_notify_bookings() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed_event bigint;
BEGIN
    FOR changed_event IN SELECT DISTINCT event_id FROM changed_bookings LOOP
        PERFORM pg_notify('{CHANNEL}', changed_event::text);
    END LOOP;
    RETURN NULL;
END
$$
"""

# A trigger with transition tables may name one event only, hence three triggers on one function.
_BOOKING_TRIGGERS = [
    """
    CREATE TRIGGER boxoffice_bookings_notify_insert
    AFTER INSERT ON bookings
    REFERENCING NEW TABLE AS changed_bookings
    FOR EACH STATEMENT EXECUTE FUNCTION boxoffice_notify_bookings()
    """,
    """
    CREATE TRIGGER boxoffice_bookings_notify_update
    AFTER UPDATE ON bookings
    REFERENCING NEW TABLE AS changed_bookings
    FOR EACH STATEMENT EXECUTE FUNCTION boxoffice_notify_bookings()
    """,
    """
    CREATE TRIGGER boxoffice_bookings_notify_delete
    AFTER DELETE ON bookings
    REFERENCING OLD TABLE AS changed_bookings
    FOR EACH STATEMENT EXECUTE FUNCTION boxoffice_notify_bookings()
    """,
]


def upgrade() -> None:
    op.execute(_EVENT_FUNCTION)
    op.execute(_EVENT_TRIGGER)
    op.execute(_BOOKING_FUNCTION)
    for trigger in _BOOKING_TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    for name in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS boxoffice_bookings_notify_{name} ON bookings")
    op.execute("DROP FUNCTION IF EXISTS boxoffice_notify_bookings()")
    op.execute("DROP TRIGGER IF EXISTS boxoffice_events_notify ON events")
    op.execute("DROP FUNCTION IF EXISTS boxoffice_notify_event()")
