// A booking's history (Booking.history) in words: what happened, when, and the place in line where it applies.
import { h } from './dom.js';
import { formatMoment } from './format.js';

const was = (change) => (change.waitlistPosition ? ` (was place ${change.waitlistPosition} in line)` : '');
const gotSeats = (change) => (change.status === 'OFFERED' ? 'Offered seats' : 'Seats confirmed');

const WORDS = {
  BOOKED: () => 'Booked: seats confirmed',
  WAITLISTED: (c) => (c.waitlistPosition ? `Joined the waiting list at place ${c.waitlistPosition}` : 'Joined the waiting list'),
  // From the line as seats freed up, or an open offer confirmed when the event stopped making offers.
  PROMOTED: (c) => (c.waitlistPosition ? `Seats confirmed from the waiting list${was(c)}` : 'Offer confirmed: the event no longer makes offers'),
  OFFERED: (c) => `Offered seats${was(c)}`,
  ACCEPTED: () => 'Offer accepted: seats confirmed',
  DECLINED: () => 'Offer declined',
  EXPIRED: () => 'Offer expired unanswered; the seats went to the next in line',
  CANCELLED: () => 'Cancelled',
  EVENT_CANCELLED: () => 'Cancelled with the event',
  CAPACITY_CHANGED: (c) => `${gotSeats(c)}: the event got more seats${was(c)}`,
  PURGED: (c) => `${gotSeats(c)}: simulated bookings ahead were removed${was(c)}`,
};

/** One change in words, e.g. "Joined the waiting list at place 3". */
export function changeWords(change) {
  return WORDS[change.reason]?.(change) ?? `${change.reason} (${change.status})`;
}

/** A collapsible history, oldest first; `open` keeps it unfolded across a redraw. */
export function historyDetails(history, { open = false } = {}) {
  if (!history?.length) return null;
  return h('details', { class: 'history', 'data-testid': 'booking-history', open },
    h('summary', {}, 'History'),
    h('ol', { class: 'history__list' }, history.map((change) => h('li', {},
      h('time', { datetime: change.at }, formatMoment(change.at)), ' ', changeWords(change)))));
}
