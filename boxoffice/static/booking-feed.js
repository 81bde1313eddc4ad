// Follows the signed-in person's bookings for the whole visit: one myBookingUpdates subscription,
// shared by every page, and the one place that notices a promotion off the waitlist, an offer, or its expiry.
import { graphql } from './api.js';
import { isSignedIn, onSessionChange } from './auth.js';
import { formatDeadline, plural } from './format.js';
import { announce } from './notices.js';
import { MY_BOOKING_STATUSES, MY_BOOKING_UPDATES } from './queries.js';
import { live } from './realtime.js';

const knownStatus = new Map(); // booking id -> last status we saw
const listeners = new Set();
let stopSubscription = null;

/**
 * Every booking the app sees passes through here, whichever way it arrived (a page load, a
 * mutation answer, a subscription). Seeing WAITLISTED then CONFIRMED for one booking is a promotion;
 * WAITLISTED then OFFERED an offer to answer; OFFERED then EXPIRED an offer that ran out.
 */
export function observeBooking(booking, eventTitle = booking?.event?.title) {
  if (!booking?.id) return;
  const previous = knownStatus.get(booking.id);
  knownStatus.set(booking.id, booking.status);
  if (previous && previous !== 'CANCELLED' && booking.status === 'CANCELLED'
      && booking.cancellationReason === 'EVENT_CANCELLED') {
    const what = eventTitle ? ` “${eventTitle}”` : ' this event';
    announce(`The organizer cancelled${what}; your booking is cancelled.`, { tone: 'warning', sticky: true });
    return;
  }
  const what = eventTitle ? ` for “${eventTitle}”` : '';
  if (previous === 'WAITLISTED' && booking.status === 'OFFERED') {
    announce(`Seats are offered to you${what}: accept by ${formatDeadline(booking.offerExpiresAt)} on the event page or in My bookings.`, {
      tone: 'success',
      sticky: true,
    });
    return;
  }
  if (previous === 'OFFERED' && booking.status === 'EXPIRED') {
    announce(`Your offer${what} expired; the seats went to the next person in line.`, { tone: 'warning', sticky: true });
    return;
  }
  if (previous === 'WAITLISTED' && booking.status === 'CONFIRMED') {
    const verb = booking.quantity === 1 ? 'is' : 'are';
    announce(`Good news: you are off the waiting list! Your ${plural(booking.quantity, 'ticket')}${what} ${verb} confirmed.`, {
      tone: 'success',
      sticky: true,
    });
  }
}

/** Pages listen here instead of opening their own myBookingUpdates subscription. */
export function onMyBookingUpdate(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function follow() {
  stopSubscription?.();
  stopSubscription = null;
  knownStatus.clear();
  if (!isSignedIn()) return;
  stopSubscription = live.subscribe(MY_BOOKING_UPDATES, {}, {
    next(data) {
      const booking = data?.myBookingUpdates;
      if (!booking) return;
      observeBooking(booking);
      for (const listener of listeners) listener(booking);
    },
    resumed() {
      seedStatuses();
    },
    error() {
      // Pages still refresh on event updates; the notice just may come from there instead.
    },
  });
  seedStatuses();
}

// Knowing who is already waiting lets a promotion be recognised even before any page loaded it.
async function seedStatuses() {
  try {
    const data = await graphql(MY_BOOKING_STATUSES);
    for (const booking of data.myBookings) if (!knownStatus.has(booking.id)) knownStatus.set(booking.id, booking.status);
  } catch {
    // Best effort: without the seed, pages still feed observeBooking as they load.
  }
}

export function startBookingFeed() {
  onSessionChange(follow);
  follow();
}
