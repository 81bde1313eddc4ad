// Every booking of the signed-in person, with its state, place in line, open offers and history, kept live.
import { graphql, newIdempotencyKey } from '../api.js';
import { observeBooking, onMyBookingUpdate } from '../booking-feed.js';
import { h, replace } from '../dom.js';
import { formatDateTime, formatDeadline, plural } from '../format.js';
import { historyDetails } from '../history.js';
import { announce } from '../notices.js';
import { offerCard } from '../offer.js';
import { CANCEL_BOOKING, EVENT_UPDATES, MY_BOOKINGS } from '../queries.js';
import { live } from '../realtime.js';
import { confirmingButton, errorBox, loading, pageHeading, statusBadge, whileBusy } from '../ui.js';
import { MAX_FOLLOWED } from '../visible-live.js';

const REFRESH_DEBOUNCE_MS = 150;
// After an offer's time is up, look again a little later (the server's sweeper expires it within seconds),
// a few times at most: a person's clock running ahead of the server's must not turn into polling.
const STALE_RECHECK_MS = 2_500;
const STALE_RECHECKS = 3;
const ENDED = new Set(['CANCELLED', 'EXPIRED']);
// Offers wait for an answer, so they come first.
const ORDER = { OFFERED: 0, CONFIRMED: 1, WAITLISTED: 1 };

export function renderMyBookings(outlet) {
  const errors = errorBox();
  const body = h('div', {}, loading('Loading your bookings…'));
  outlet.append(pageHeading('My bookings'), errors, body);

  let left = false;
  let refreshTimer = null;
  const eventStops = new Map(); // event id -> stop; we follow events where we wait in line
  const stopFeed = onMyBookingUpdate(() => refreshSoon());
  const openHistories = new Set(); // booking ids whose history the person unfolded, kept across redraws
  const rechecks = new Map(); // booking id -> rechecks asked after its offer's time was up
  const recheckTimers = new Set();

  function recheck(bookingId) {
    const done = rechecks.get(bookingId) ?? 0;
    if (done >= STALE_RECHECKS) return;
    rechecks.set(bookingId, done + 1);
    const timer = setTimeout(() => {
      recheckTimers.delete(timer);
      refreshSoon();
    }, STALE_RECHECK_MS);
    recheckTimers.add(timer);
  }

  async function load() {
    const data = await graphql(MY_BOOKINGS);
    if (left) return;
    const bookings = data.myBookings;
    for (const booking of bookings) observeBooking(booking);
    const active = bookings.filter((b) => !ENDED.has(b.status)).sort((a, b) => ORDER[a.status] - ORDER[b.status]);
    const past = bookings.filter((b) => ENDED.has(b.status));
    replace(
      body,
      bookings.length === 0
        ? h('p', { class: 'empty' }, 'You have no bookings yet. ', h('a', { href: '#/' }, 'Find an event'))
        : null,
      active.length ? section('Active', active) : null,
      past.length ? section('Ended', past) : null,
    );
    // Only places in line need event updates (every change of a booking's own status comes on the booking feed),
    // and the server runs a bounded number of subscriptions per connection.
    followEvents(active.filter((b) => b.status === 'WAITLISTED').slice(0, MAX_FOLLOWED).map((b) => b.event.id));
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
    const history = historyDetails(booking.history, { open: openHistories.has(booking.id) });
    history?.addEventListener('toggle', () => {
      if (history.open) openHistories.add(booking.id);
      else openHistories.delete(booking.id);
    });
    const state = booking.status === 'OFFERED'
      ? [itemErrors, ...offerCard({
        booking,
        errors: itemErrors,
        onAccepted: async (confirmed) => {
          observeBooking(confirmed, booking.event.title);
          announce(`Offer accepted: your ${plural(booking.quantity, 'ticket')} for “${booking.event.title}” ${booking.quantity === 1 ? 'is' : 'are'} confirmed.`, { tone: 'success' });
          await load();
        },
        onDeclined: async (declined) => {
          observeBooking(declined, booking.event.title);
          announce(`You declined the offer for “${booking.event.title}”; the seats go to the next person in line.`);
          await load();
        },
        onStale: () => recheck(booking.id),
      })]
      : [
        h('p', { class: 'booking-state' }, statusBadge(booking.status), ` ${plural(booking.quantity, 'ticket')}`, place ? ', ' : '', place),
        booking.status === 'CANCELLED' ? cancellationNote(booking) : null,
        booking.status === 'EXPIRED' ? expiryNote(booking) : null,
        itemErrors,
        ENDED.has(booking.status) ? null : cancelButton(booking, itemErrors),
      ];
    return h('li', { class: 'card booking-item', 'data-booking-id': booking.id, 'data-testid': 'booking' },
      h('h3', {}, h('a', { href: `#/events/${encodeURIComponent(booking.event.id)}` }, booking.event.title)),
      h('p', { class: 'event-meta' }, h('time', { datetime: booking.event.startsAt }, formatDateTime(booking.event.startsAt)), ' · ', booking.event.venue),
      ...state,
      history,
    );
  }

  function cancelButton(booking, itemErrors) {
    return confirmingButton({
      label: booking.status === 'CONFIRMED' ? 'Cancel booking' : 'Leave the waiting list',
      question: booking.status === 'CONFIRMED' ? 'Give up these seats?' : 'Leave the waiting list and lose your place?',
      confirmLabel: booking.status === 'CONFIRMED' ? 'Yes, cancel my booking' : 'Yes, leave the list',
      errors: itemErrors,
      onConfirm: async () => {
        // A fresh key per click; the automatic retry after a lost answer reuses it.
        const data = await graphql(CANCEL_BOOKING, { id: booking.id, idempotencyKey: newIdempotencyKey() }, { retry: true });
        observeBooking(data.cancelBooking, booking.event.title);
        announce(`Cancelled your booking for “${booking.event.title}”.`);
        await load();
      },
    });
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
    for (const timer of recheckTimers) clearTimeout(timer);
    stopFeed();
    for (const stop of eventStops.values()) stop();
  };
}

/** An offer that ran out unanswered. */
function expiryNote(booking) {
  const when = booking.offerExpiresAt ? ` at ${formatDeadline(booking.offerExpiresAt)}` : '';
  return h('p', { class: 'booking-notice', 'data-testid': 'offer-expired' },
    `The offer ran out${when} without an answer; the seats went to the next person in line.`);
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
