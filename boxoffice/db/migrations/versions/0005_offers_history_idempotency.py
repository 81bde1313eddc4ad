"""offers with a deadline, booking history, idempotency keys (issue 12)

- events: waitlist_policy (AUTO_CONFIRM | OFFER), offer_minutes (1..10080), offered_seats (seats held by open
  offers) and offers_due_at (the earliest open offer's deadline, NULL when none, indexed for the sweeper).
  seats_remaining now means capacity - confirmed - offered; CHECKs keep confirmed + offered <= capacity
  (ck_events_seats_within_capacity now counts offered seats too).
- bookings: statuses OFFERED and EXPIRED; offer_expires_at, set exactly while OFFERED; the one-active-booking
  index counts OFFERED as active; an index of each event's open offers by deadline.
- booking_history: append-only (a trigger refuses UPDATE); every existing booking gets one row for the status
  it has now, so "the last row's status is the booking's status" holds from the start.
- idempotency_keys: a client's key for bookEvent / cancelBooking with its arguments and the booking it made.
- The live NOTIFY trigger on events also fires on offered_seats, waitlist_policy and offer_minutes.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES = "'CONFIRMED', 'WAITLISTED', 'OFFERED', 'EXPIRED', 'CANCELLED'"
_REASONS = (
    "'BOOKED', 'WAITLISTED', 'PROMOTED', 'OFFERED', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'CANCELLED', "
    "'EVENT_CANCELLED', 'CAPACITY_CHANGED', 'PURGED'"
)

# What the events trigger of 0002 watched, and what it watches from here on.
_WATCHED_BEFORE = (
    "seats_remaining",
    "waitlist_count",
    "capacity",
    "status",
    "title",
    "description",
    "venue",
    "starts_at",
)
_WATCHED = (*_WATCHED_BEFORE, "offered_seats", "waitlist_policy", "offer_minutes")


def _event_trigger(columns: tuple[str, ...]) -> str:
    changed = "\n    OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in columns)
    return f"""
CREATE TRIGGER boxoffice_events_notify
AFTER UPDATE ON events
FOR EACH ROW
WHEN (
    {changed}
)
EXECUTE FUNCTION boxoffice_notify_event()
"""


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE events
            ADD COLUMN waitlist_policy varchar(16) NOT NULL DEFAULT 'AUTO_CONFIRM',
            ADD COLUMN offer_minutes integer NOT NULL DEFAULT 60,
            ADD COLUMN offered_seats integer NOT NULL DEFAULT 0,
            ADD COLUMN offers_due_at timestamptz,
            ADD CONSTRAINT ck_events_waitlist_policy CHECK (waitlist_policy IN ('AUTO_CONFIRM', 'OFFER')),
            ADD CONSTRAINT ck_events_offer_minutes CHECK (offer_minutes BETWEEN 1 AND 10080),
            ADD CONSTRAINT ck_events_offered_nonnegative CHECK (offered_seats >= 0),
            DROP CONSTRAINT ck_events_seats_within_capacity,
            ADD CONSTRAINT ck_events_seats_within_capacity CHECK (seats_remaining + offered_seats <= capacity),
            ADD CONSTRAINT ck_events_offers_due_at CHECK ((offered_seats = 0) = (offers_due_at IS NULL))
        """
    )
    op.execute("CREATE INDEX ix_events_offers_due_at ON events (offers_due_at) WHERE offers_due_at IS NOT NULL")

    op.execute("ALTER TABLE bookings ADD COLUMN offer_expires_at timestamptz")
    op.execute("ALTER TABLE bookings DROP CONSTRAINT ck_bookings_status")
    op.execute(f"ALTER TABLE bookings ADD CONSTRAINT ck_bookings_status CHECK (status IN ({_STATUSES}))")
    op.execute(
        "ALTER TABLE bookings ADD CONSTRAINT ck_bookings_offer_expires_at "
        "CHECK ((status = 'OFFERED') = (offer_expires_at IS NOT NULL))"
    )
    op.execute("DROP INDEX uq_bookings_active_user_event")
    op.execute(
        "CREATE UNIQUE INDEX uq_bookings_active_user_event ON bookings (user_id, event_id) "
        "WHERE status IN ('CONFIRMED', 'WAITLISTED', 'OFFERED')"
    )
    op.execute("CREATE INDEX ix_bookings_offers ON bookings (event_id, offer_expires_at) WHERE status = 'OFFERED'")

    op.execute(
        f"""
        CREATE TABLE booking_history (
            id bigserial PRIMARY KEY,
            booking_id bigint NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
            event_id bigint NOT NULL,
            at timestamptz NOT NULL DEFAULT clock_timestamp(),
            status varchar(16) NOT NULL,
            reason varchar(16) NOT NULL,
            waitlist_position integer,
            CONSTRAINT ck_booking_history_status CHECK (status IN ({_STATUSES})),
            CONSTRAINT ck_booking_history_reason CHECK (reason IN ({_REASONS})),
            CONSTRAINT ck_booking_history_position CHECK (waitlist_position IS NULL OR waitlist_position >= 1)
        )
        """
    )
    op.execute("CREATE INDEX ix_booking_history_booking ON booking_history (booking_id, id)")
    # Append-only: a row once written is never changed (deleting a booking still takes its rows with it).
    op.execute(
        """
        CREATE FUNCTION boxoffice_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'booking_history is append-only: rows cannot be updated'
                USING ERRCODE = 'restrict_violation';
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER boxoffice_history_no_update BEFORE UPDATE ON booking_history "
        "FOR EACH ROW EXECUTE FUNCTION boxoffice_history_append_only()"
    )
    # What each booking is now, as its first row (the place in line of a waiting one as it stands).
    op.execute(
        """
        INSERT INTO booking_history (booking_id, event_id, at, status, reason, waitlist_position)
        SELECT b.id, b.event_id, b.updated_at, b.status,
               CASE b.status
                    WHEN 'CONFIRMED' THEN 'BOOKED'
                    WHEN 'WAITLISTED' THEN 'WAITLISTED'
                    ELSE CASE WHEN b.cancel_reason = 'EVENT_CANCELLED' THEN 'EVENT_CANCELLED' ELSE 'CANCELLED' END
               END,
               CASE WHEN b.status = 'WAITLISTED' THEN
                    (SELECT count(*) FROM bookings w
                      WHERE w.event_id = b.event_id AND w.status = 'WAITLISTED' AND w.waitlist_seq <= b.waitlist_seq)
               END
          FROM bookings b
         ORDER BY b.id
        """
    )

    op.execute(
        """
        CREATE TABLE idempotency_keys (
            user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            key varchar(128) NOT NULL,
            operation varchar(32) NOT NULL,
            arguments text NOT NULL,
            booking_id bigint NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (user_id, key),
            CONSTRAINT ck_idempotency_keys_key CHECK (length(key) BETWEEN 1 AND 128)
        )
        """
    )
    op.execute("CREATE INDEX ix_idempotency_keys_created_at ON idempotency_keys (created_at)")

    op.execute("DROP TRIGGER boxoffice_events_notify ON events")
    op.execute(_event_trigger(_WATCHED))


def downgrade() -> None:
    op.execute("DROP TRIGGER boxoffice_events_notify ON events")
    op.execute(_event_trigger(_WATCHED_BEFORE))
    op.execute("DROP TABLE idempotency_keys")
    op.execute("DROP TABLE booking_history")
    op.execute("DROP FUNCTION boxoffice_history_append_only()")
    # The old schema has neither offers nor expiry: open and expired offers become cancellations.
    op.execute(
        "UPDATE bookings SET status = 'CANCELLED', cancelled_at = now(), offer_expires_at = NULL "
        "WHERE status IN ('OFFERED', 'EXPIRED')"
    )
    op.execute("DROP INDEX ix_bookings_offers")
    op.execute("DROP INDEX uq_bookings_active_user_event")
    op.execute(
        "CREATE UNIQUE INDEX uq_bookings_active_user_event ON bookings (user_id, event_id) "
        "WHERE status IN ('CONFIRMED', 'WAITLISTED')"
    )
    op.execute("ALTER TABLE bookings DROP CONSTRAINT ck_bookings_offer_expires_at")
    op.execute("ALTER TABLE bookings DROP CONSTRAINT ck_bookings_status")
    op.execute(
        "ALTER TABLE bookings ADD CONSTRAINT ck_bookings_status CHECK (status IN ('CONFIRMED', 'WAITLISTED', 'CANCELLED'))"
    )
    op.execute("ALTER TABLE bookings DROP COLUMN offer_expires_at")
    op.execute("DROP INDEX ix_events_offers_due_at")
    # Seats held by offers are free again.
    op.execute(
        "UPDATE events SET seats_remaining = seats_remaining + offered_seats, offered_seats = 0, offers_due_at = NULL"
    )
    op.execute(
        """
        ALTER TABLE events
            DROP CONSTRAINT ck_events_offers_due_at,
            DROP CONSTRAINT ck_events_seats_within_capacity,
            DROP CONSTRAINT ck_events_offered_nonnegative,
            DROP CONSTRAINT ck_events_offer_minutes,
            DROP CONSTRAINT ck_events_waitlist_policy,
            DROP COLUMN offers_due_at,
            DROP COLUMN offered_seats,
            DROP COLUMN offer_minutes,
            DROP COLUMN waitlist_policy,
            ADD CONSTRAINT ck_events_seats_within_capacity CHECK (seats_remaining <= capacity)
        """
    )
