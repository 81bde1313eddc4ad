// An open offer (an OFFERED booking): its seats, a live countdown to offerExpiresAt, Accept and Decline.
// Shared by the event page and My bookings; the views decide what happens after.
import { graphql, newIdempotencyKey } from './api.js';
import { countdown } from './countdown.js';
import { h, replace } from './dom.js';
import { durationWords, formatDeadline, plural } from './format.js';
import { ACCEPT_OFFER, CANCEL_BOOKING } from './queries.js';
import { confirmingButton, statusBadge, whileBusy } from './ui.js';

/**
 * Nodes for an OFFERED booking. onAccepted(booking) / onDeclined(booking) get the server's answer;
 * onStale() runs when what is shown may be out of date (time is up, or the server refused the answer),
 * so the view can ask the server again. Failures go to `errors` (an errorBox).
 */
export function offerCard({ booking, errors, onAccepted, onDeclined, onStale }) {
  const tickets = plural(booking.quantity, 'ticket');
  const accept = h('button', { type: 'button', class: 'button button--primary' }, 'Accept');
  const deadline = h('p', { class: 'offer__deadline', 'data-testid': 'offer-deadline' },
    'Accept within ', h('strong', {}, countdown(booking.offerExpiresAt, { onZero: timeUp, testId: 'offer-countdown' })),
    ` (by ${formatDeadline(booking.offerExpiresAt)}), or the seats go to the next person in line.`);

  function timeUp() {
    if (!deadline.isConnected) return;
    // The server's clock decides; until it says EXPIRED this is what the person's own clock says.
    replace(deadline, 'Time is up: this offer has run out.');
    accept.disabled = true;
    onStale();
  }

  accept.addEventListener('click', () => whileBusy([accept], async () => {
    let data;
    try {
      data = await graphql(ACCEPT_OFFER, { bookingId: booking.id });
    } catch (error) {
      onStale(); // e.g. CONFLICT: the time ran out, or the offer was already answered elsewhere
      throw error;
    }
    onAccepted(data.acceptOffer);
  }, errors));

  const decline = confirmingButton({
    label: 'Decline',
    question: `Decline the offer? ${booking.quantity === 1 ? 'The seat goes' : 'The seats go'} to the next person in line.`,
    confirmLabel: 'Yes, decline',
    errors,
    onConfirm: async () => {
      let data;
      try {
        // A fresh key per click; the automatic retry after a lost answer reuses it.
        data = await graphql(CANCEL_BOOKING, { id: booking.id, idempotencyKey: newIdempotencyKey() }, { retry: true });
      } catch (error) {
        onStale(); // e.g. CONFLICT: the offer ran out or was answered elsewhere meanwhile
        throw error;
      }
      onDeclined(data.cancelBooking);
    },
  });

  return [
    h('p', { class: 'booking-state' }, statusBadge('OFFERED'), ` ${tickets}: `,
      h('strong', {}, booking.quantity === 1 ? 'a seat is held for you.' : 'seats are held for you.')),
    deadline,
    h('div', { class: 'button-row offer__actions' }, accept, decline),
  ];
}

/** What people joining the line of an OFFER event should know; null under AUTO_CONFIRM. */
export function offerPolicyText(event) {
  if (event.waitlistPolicy !== 'OFFER') return null;
  return `If seats free up you will get an offer you must accept within ${durationWords(event.offerMinutes)}; `
    + 'unanswered, the seats go to the next person in line.';
}
