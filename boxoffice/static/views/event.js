// One event: details, live availability, and the caller's own booking (book, wait, cancel).
import { ApiError, graphql, newIdempotencyKey } from '../api.js';
import { isSignedIn } from '../auth.js';
import { observeBooking, onMyBookingUpdate } from '../booking-feed.js';
import { serverNow } from '../clock.js';
import { h, replace } from '../dom.js';
import { durationWords, formatDateTime, formatDeadline, plural } from '../format.js';
import { announce } from '../notices.js';
import { BOOK_EVENT, CANCEL_BOOKING, EVENT_PAGE, EVENT_UPDATES, MY_BOOKING_FOR_EVENT } from '../queries.js';
import { live } from '../realtime.js';
import { offerCard, offerPolicyText } from '../offer.js';
import { link } from '../router.js';
import {
  confirmingButton, errorBox, field, loading, pageHeading, showNotFound, statusBadge, whileBusy,
} from '../ui.js';
import { availabilityText, offeredText, waitlistText } from './events.js';

const MAX_QUANTITY = 10;
const REFRESH_DEBOUNCE_MS = 150;
// After an offer's time is up, ask once more a little later: the server's sweeper expires it within seconds.
const STALE_RECHECK_MS = 2_500;
const ENDED = new Set(['CANCELLED', 'EXPIRED']);

// Event ids are positive 32-bit integers; anything else in "#/events/<id>" cannot name an event.
const MAX_EVENT_ID = 2 ** 31 - 1;
const isEventId = (id) => /^[1-9][0-9]{0,9}$/.test(id) && Number(id) <= MAX_EVENT_ID;

function showEventNotFound(outlet) {
  showNotFound(outlet, { heading: 'Event not found', message: 'This event does not exist, or it is not published.' });
}

export function renderEvent(outlet, { id }) {
  if (!isEventId(id)) {
    showEventNotFound(outlet);
    return undefined;
  }
  const heading = pageHeading('Event');
  const errors = errorBox();
  const body = h('div', {}, loading('Loading the event…'));
  outlet.append(h('p', { class: 'breadcrumb' }, h('a', { href: '#/' }, '← All events')), heading, errors, body);

  let event = null;
  let left = false;
  let lostBooking = false; // the person held a booking here when the organizer cancelled the event
  let expiredOffer = null; // the person's offer here ran out (shown until they book again)
  const offeredIds = new Set(); // bookings we showed as offers, so news of their expiry is recognised
  let refreshTimer = null;
  const stops = [];

  // Availability and my booking are separate nodes so live updates never steal focus from the form.
  const availability = h('dl', { class: 'stats', 'data-testid': 'availability' });
  const policyNote = h('p', { class: 'hint', 'data-testid': 'waitlist-policy' });
  const bookingPanel = h('section', { class: 'card booking', 'aria-labelledby': 'booking-title', 'data-testid': 'my-booking' });
  const bookingErrors = errorBox();

  async function load() {
    let data;
    try {
      data = await graphql(EVENT_PAGE, { id });
    } catch (error) {
      if (left) return;
      if (error instanceof ApiError && (error.code === 'NOT_FOUND' || error.code === 'BAD_USER_INPUT')) {
        showEventNotFound(outlet);
        return;
      }
      // The error box says what went wrong; instead of the spinner, a way to try again.
      replace(body, h('button', { type: 'button', class: 'button', onClick: retry }, 'Try again'));
      throw error;
    }
    if (left) return;
    event = data.event;
    if (!event) {
      showEventNotFound(outlet);
      return;
    }
    heading.textContent = event.title;
    document.title = `${event.title} · Boxoffice`;
    if (event.myBooking) observeBooking(event.myBooking, event.title);
    replace(
      body,
      h('div', { class: 'event-detail' },
        h('section', { class: 'card', 'aria-label': 'About this event' },
          h('p', { class: 'event-meta' },
            h('time', { datetime: event.startsAt }, formatDateTime(event.startsAt)), ' · ', event.venue),
          h('p', { class: 'event-meta' }, `Organised by ${event.organizer?.name ?? 'an organiser'}`),
          event.status !== 'PUBLISHED' ? h('p', {}, statusBadge(event.status)) : null,
          event.description ? h('p', { class: 'event-description' }, event.description) : null,
          availability,
          policyNote,
        ),
        bookingPanel,
      ),
    );
    drawAvailability();
    drawBooking();
    follow();
  }

  function drawAvailability() {
    const offers = event.waitlistPolicy === 'OFFER' || event.offeredSeats > 0;
    replace(
      availability,
      h('div', {}, h('dt', {}, 'Seats'), h('dd', { 'data-testid': 'seats' }, availabilityText(event))),
      offers ? h('div', {}, h('dt', {}, 'Held by offers'), h('dd', { 'data-testid': 'offered-seats' }, offeredText(event))) : null,
      h('div', {}, h('dt', {}, 'Capacity'), h('dd', {}, String(event.capacity))),
      h('div', {}, h('dt', {}, 'Waiting list'), h('dd', { 'data-testid': 'waitlist' }, waitlistText(event))),
    );
    policyNote.textContent = event.waitlistPolicy === 'OFFER'
      ? `Waiting list: when seats free up, the next person in line gets an offer to accept within ${durationWords(event.offerMinutes)}.`
      : 'Waiting list: when seats free up, the next person in line gets them at once.';
  }

  function drawBooking() {
    const title = h('h2', { id: 'booking-title' }, 'Your booking');
    const booking = event.myBooking;
    if (!isSignedIn()) {
      replace(bookingPanel, title, h('p', {}, h('a', { href: link('/signin', { next: `/events/${id}` }) }, 'Sign in'), ' to book seats.'));
      return;
    }
    if (booking) {
      replace(bookingPanel, title, bookingErrors, ...bookingState(booking));
      return;
    }
    const expiredNote = expiredOffer
      ? h('p', { class: 'booking-notice', 'data-testid': 'offer-expired' },
        `Your offer expired at ${formatDeadline(expiredOffer.offerExpiresAt)}; the seats went to the next person in line.`)
      : null;
    if (event.status === 'CANCELLED') {
      replace(bookingPanel, title, h('p', { class: 'booking-notice', 'data-testid': 'cancellation-note' }, lostBooking
        ? 'The organizer cancelled this event; your booking is cancelled.'
        : 'The organizer cancelled this event.'));
      return;
    }
    if (event.status !== 'PUBLISHED') {
      replace(bookingPanel, title, h('p', {}, 'This event is not open for booking.'));
      return;
    }
    replace(bookingPanel, title, expiredNote, bookingErrors, bookingForm());
  }

  function bookingState(booking) {
    const tickets = plural(booking.quantity, 'ticket');
    if (booking.status === 'OFFERED') {
      offeredIds.add(booking.id);
      return offerCard({
        booking,
        errors: bookingErrors,
        onAccepted: (confirmed) => {
          observeBooking(confirmed, event.title);
          applySnapshot(confirmed.event);
          announce(`Offer accepted: your ${tickets} ${booking.quantity === 1 ? 'is' : 'are'} confirmed.`, { tone: 'success' });
          applyMyBooking(confirmed);
        },
        onDeclined: (declined) => {
          observeBooking(declined, event.title);
          applySnapshot(declined.event);
          event.myBooking = null;
          announce('You declined the offer; the seats go to the next person in line.');
          drawBooking();
          bookingPanel.querySelector('button, input')?.focus();
        },
        onStale: () => {
          refreshMyBookingSoon();
          setTimeout(refreshMyBookingSoon, STALE_RECHECK_MS);
        },
      });
    }
    if (booking.status === 'CONFIRMED') {
      return [
        h('p', { class: 'booking-state' }, statusBadge('CONFIRMED'), ` ${tickets}. ${booking.quantity === 1 ? 'Your seat is' : 'Your seats are'} held.`),
        cancelButton(booking, 'Cancel booking', 'Give up your seats? Someone on the waiting list may get them.', 'Yes, cancel my booking'),
      ];
    }
    return [
      h('p', { class: 'booking-state' }, statusBadge('WAITLISTED'), ` ${tickets}, `,
        h('strong', { 'data-testid': 'waitlist-position' }, `place ${booking.waitlistPosition ?? '?'} in line`), '.'),
      h('p', { class: 'hint' }, event.waitlistPolicy === 'OFFER'
        ? `Your place moves up as people ahead of you leave. When seats free up for you, we will offer them here; you will have ${durationWords(event.offerMinutes)} to accept.`
        : 'Your place moves up as people ahead of you leave. We will tell you here when you get seats.'),
      cancelButton(booking, 'Leave the waiting list', 'Leave the waiting list and lose your place?', 'Yes, leave the list'),
    ];
  }

  function cancelButton(booking, label, question, confirmLabel) {
    return confirmingButton({
      label,
      question,
      confirmLabel,
      errors: bookingErrors,
      onConfirm: async () => {
        // A fresh key per click; the automatic retry after a lost answer reuses it.
        const data = await graphql(CANCEL_BOOKING, { id: booking.id, idempotencyKey: newIdempotencyKey() }, { retry: true });
        observeBooking(data.cancelBooking, event.title);
        applySnapshot(data.cancelBooking.event);
        event.myBooking = null;
        announce(booking.status === 'CONFIRMED' ? 'Your booking is cancelled.' : 'You left the waiting list.');
        drawBooking();
        bookingPanel.querySelector('button, input')?.focus();
      },
    });
  }

  function bookingForm() {
    const quantity = h('input', { type: 'number', name: 'quantity', min: 1, max: MAX_QUANTITY, step: 1, value: 1, required: true, inputmode: 'numeric' });
    const submit = h('button', { type: 'submit', class: 'button button--primary' });
    const explain = h('p', { class: 'hint', id: 'booking-explain' });
    const form = h('form', { class: 'form form--inline' }, field(`Tickets (1 to ${MAX_QUANTITY})`, quantity), submit, explain);
    const describe = () => {
      const wanted = Number(quantity.value) || 1;
      const fits = wanted <= event.seatsRemaining && event.waitlistLength === 0;
      submit.textContent = fits ? 'Book' : 'Join the waiting list';
      explain.textContent = fits
        ? 'Seats are confirmed straight away.'
        : ['Not enough free seats for everyone waiting: you will join the end of the waiting list.', offerPolicyText(event)]
          .filter(Boolean).join(' ');
    };
    quantity.addEventListener('input', describe);
    form.addEventListener('submit', (submitEvent) => {
      submitEvent.preventDefault();
      whileBusy(form, async () => {
        const wanted = Number(quantity.value);
        if (!Number.isInteger(wanted) || wanted < 1 || wanted > MAX_QUANTITY) {
          throw new ApiError(`Choose between 1 and ${MAX_QUANTITY} tickets.`, 'BAD_USER_INPUT');
        }
        // A fresh key per click; the automatic retry after a lost answer reuses it, so it books once.
        const data = await graphql(BOOK_EVENT, { eventId: id, quantity: wanted, idempotencyKey: newIdempotencyKey() }, { retry: true });
        const booking = data.bookEvent;
        expiredOffer = null;
        observeBooking(booking, event.title);
        applySnapshot(booking.event);
        announce(booking.status === 'CONFIRMED'
          ? `Booked: ${plural(booking.quantity, 'ticket')} confirmed.`
          : 'You joined the waiting list. Your place in line is shown below and moves up as others leave.');
        // A live update may have drawn this booking already (and the person may be acting on it): redraw on change only.
        applyMyBooking(booking);
      }, bookingErrors);
    });
    describe();
    return form;
  }

  function applySnapshot(snapshot) {
    if (!snapshot || !event) return;
    // Only availability comes from snapshots; the booking has its own path (applyMyBooking).
    const { id: _id, myBooking: _myBooking, ...changes } = snapshot;
    Object.assign(event, changes);
    drawAvailability();
    // Keep the Book/Join label honest while the person is choosing.
    bookingPanel.querySelector('input[name="quantity"]')?.dispatchEvent(new Event('input'));
  }

  function applyMyBooking(booking) {
    const previous = event.myBooking;
    const ended = booking && ENDED.has(booking.status);
    // An offer shown here ran out: say so, unless the person has booked again since.
    if (booking?.status === 'EXPIRED' && (offeredIds.has(booking.id) || previous?.id === booking.id)
        && (!previous || previous.id === booking.id)) {
      if (expiredOffer?.id === booking.id && !previous) return; // already told
      expiredOffer = booking;
      event.myBooking = null;
      drawBooking();
      return;
    }
    // News about an older, already ended booking says nothing about the current one.
    if (ended && previous && previous.id !== booking.id) return;
    const active = booking && !ended ? booking : null;
    if (booking?.status === 'CANCELLED' && booking.cancellationReason === 'EVENT_CANCELLED') lostBooking = true;
    if (previous && !active && event.status === 'CANCELLED') lostBooking = true;
    // An offer gone from the server after its time ran out expired, even if that news has not arrived yet.
    if (previous?.status === 'OFFERED' && !booking && Date.parse(previous.offerExpiresAt) <= serverNow()) {
      expiredOffer = { ...previous, status: 'EXPIRED' };
    }
    const same = previous?.id === active?.id && previous?.status === active?.status
      && previous?.waitlistPosition === active?.waitlistPosition && previous?.quantity === active?.quantity
      && previous?.offerExpiresAt === active?.offerExpiresAt;
    event.myBooking = active;
    if (active) observeBooking(active, event.title);
    // Redraw only on change, so an open "are you sure?" is not thrown away by an unrelated update.
    if (!same) drawBooking();
  }

  // Positions move when anyone ahead leaves, which only shows up as an event update; ask again then.
  function refreshMyBookingSoon() {
    if (!isSignedIn()) return;
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(async () => {
      try {
        const data = await graphql(MY_BOOKING_FOR_EVENT, { id });
        if (left || !data.event) return;
        const { myBooking, ...snapshot } = data.event;
        applySnapshot(snapshot);
        applyMyBooking(myBooking);
      } catch {
        // The next update will try again; the page keeps showing the last known state.
      }
    }, REFRESH_DEBOUNCE_MS);
  }

  function follow() {
    stops.push(live.subscribe(EVENT_UPDATES, { eventId: id }, {
      next(data) {
        if (!data?.eventUpdates) return;
        const held = event.myBooking;
        const wasCancelled = event.status === 'CANCELLED';
        applySnapshot(data.eventUpdates);
        if (!wasCancelled && event.status === 'CANCELLED') {
          // Every booking went with the event; say so at once rather than after a round trip.
          if (held) applyMyBooking({ ...held, status: 'CANCELLED', cancellationReason: 'EVENT_CANCELLED' });
          else drawBooking();
        } else if (event.myBooking) refreshMyBookingSoon();
      },
      resumed: refreshMyBookingSoon,
    }));
    stops.push(onMyBookingUpdate((booking) => {
      if (booking.event?.id === event.id) applyMyBooking(booking);
    }));
  }

  function retry() {
    replace(body, loading('Loading the event…'));
    whileBusy([], load, errors);
  }

  whileBusy([], load, errors);

  return () => {
    left = true;
    clearTimeout(refreshTimer);
    for (const stop of stops) stop();
    document.title = 'Boxoffice';
  };
}
