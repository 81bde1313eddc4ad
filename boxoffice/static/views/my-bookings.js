// Every booking of the signed-in person, with its state and place in line, kept live.
import { graphql } from '../api.js';
import { observeBooking, onMyBookingUpdate } from '../booking-feed.js';
import { h, replace } from '../dom.js';
import { formatDateTime, plural } from '../format.js';
import { announce } from '../notices.js';
import { CANCEL_BOOKING, EVENT_UPDATES, MY_BOOKINGS } from '../queries.js';
import { live } from '../realtime.js';
import { confirmingButton, errorBox, loading, pageHeading, statusBadge, whileBusy } from '../ui.js';

const REFRESH_DEBOUNCE_MS = 150;

export function renderMyBookings(outlet) {
  const errors = errorBox();
  const body = h('div', {}, loading('Loading your bookings…'));
  outlet.append(pageHeading('My bookings'), errors, body);

  let left = false;
  let refreshTimer = null;
  const eventStops = new Map(); // event id -> stop; we follow events where we hold an active booking
  const stopFeed = onMyBookingUpdate(() => refreshSoon());

  async function load() {
    const data = await graphql(MY_BOOKINGS);
    if (left) return;
    const bookings = data.myBookings;
    for (const booking of bookings) observeBooking(booking);
    const active = bookings.filter((b) => b.status !== 'CANCELLED');
    const past = bookings.filter((b) => b.status === 'CANCELLED');
    replace(
      body,
      bookings.length === 0
        ? h('p', { class: 'empty' }, 'You have no bookings yet. ', h('a', { href: '#/' }, 'Find an event'))
        : null,
      active.length ? section('Active', active) : null,
      past.length ? section('Cancelled', past) : null,
    );
    followEvents(active.map((b) => b.event.id));
  }

  function section(title, bookings) {
    return h('section', { class: 'booking-list' },
      h('h2', {}, `${title} (${bookings.length})`),
      h('ul', { class: 'stack' }, bookings.map(bookingItem)));
  }

  function bookingItem(booking) {
    const itemErrors = errorBox();
    const place = booking.status === 'WAITLISTED'
      ? h('strong', { 'data-testid': 'waitlist-position' }, `place ${booking.waitlistPosition ?? '?'} in line`)
      : null;
    return h('li', { class: 'card booking-item', 'data-booking-id': booking.id, 'data-testid': 'booking' },
      h('h3', {}, h('a', { href: `#/events/${encodeURIComponent(booking.event.id)}` }, booking.event.title)),
      h('p', { class: 'event-meta' }, h('time', { datetime: booking.event.startsAt }, formatDateTime(booking.event.startsAt)), ' · ', booking.event.venue),
      h('p', { class: 'booking-state' }, statusBadge(booking.status), ` ${plural(booking.quantity, 'ticket')}`, place ? ', ' : '', place),
      booking.status === 'CANCELLED' ? cancellationNote(booking) : null,
      itemErrors,
      booking.status === 'CANCELLED' ? null : confirmingButton({
        label: booking.status === 'CONFIRMED' ? 'Cancel booking' : 'Leave the waiting list',
        question: booking.status === 'CONFIRMED' ? 'Give up these seats?' : 'Leave the waiting list and lose your place?',
        confirmLabel: booking.status === 'CONFIRMED' ? 'Yes, cancel my booking' : 'Yes, leave the list',
        errors: itemErrors,
        onConfirm: async () => {
          const data = await graphql(CANCEL_BOOKING, { id: booking.id });
          observeBooking(data.cancelBooking, booking.event.title);
          announce(`Cancelled your booking for “${booking.event.title}”.`);
          await load();
        },
      }),
    );
  }

  // Places in line move when others leave, which arrives as an event update, not a booking update.
  function followEvents(eventIds) {
    const wanted = new Set(eventIds);
    for (const [eventId, stop] of eventStops) {
      if (!wanted.has(eventId)) {
        stop();
        eventStops.delete(eventId);
      }
    }
    for (const eventId of wanted) {
      if (eventStops.has(eventId)) continue;
      eventStops.set(eventId, live.subscribe(EVENT_UPDATES, { eventId }, { next: refreshSoon, resumed: refreshSoon }));
    }
  }

  function refreshSoon() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => {
      // Keep a half-finished "are you sure?" intact; the next update will refresh.
      if (!left && !body.querySelector('.confirm__question')) load().catch(() => {});
    }, REFRESH_DEBOUNCE_MS);
  }

  whileBusy([], load, errors);

  return () => {
    left = true;
    clearTimeout(refreshTimer);
    stopFeed();
    for (const stop of eventStops.values()) stop();
  };
}

/** Why a cancelled booking ended, when it was not the person's own doing. */
export function cancellationNote(booking) {
  if (booking.cancellationReason === 'EVENT_CANCELLED') {
    return h('p', { class: 'booking-notice', 'data-testid': 'cancellation-note' },
      'The organizer cancelled this event; your booking is cancelled.');
  }
  if (booking.cancellationReason === 'ADMIN') {
    return h('p', { class: 'booking-notice', 'data-testid': 'cancellation-note' }, 'An admin cancelled this booking.');
  }
  return null;
}
