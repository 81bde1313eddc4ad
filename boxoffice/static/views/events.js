// The public list of published events, with seats and waitlist kept live per visible event.
import { graphql } from '../api.js';
import { h, replace } from '../dom.js';
import { formatDateTime, plural } from '../format.js';
import { EVENT_UPDATES, PUBLISHED_EVENTS } from '../queries.js';
import { live } from '../realtime.js';
import { errorBox, field, loading, pageHeading, whileBusy } from '../ui.js';
import { visibleFollower } from '../visible-live.js';

export function availabilityText(event) {
  if (event.status === 'CANCELLED') return 'Cancelled';
  if (event.seatsRemaining > 0) return `${event.seatsRemaining} of ${event.capacity} seats left`;
  return event.waitlistLength > 0 ? 'Sold out' : 'Sold out: join the waiting list';
}

/** Seats held for people in line who have an offer to accept (OFFER policy). */
export function offeredText(event) {
  const held = event.offeredSeats ?? 0;
  return held > 0 ? plural(held, 'seat') : 'None';
}

/** Each waiting booking is one person (one active booking per person and event). */
export function peopleWaiting(count) {
  return `${count.toLocaleString('en')} ${count === 1 ? 'person' : 'people'}`;
}

export function waitlistText(event) {
  return event.waitlistLength > 0 ? `${peopleWaiting(event.waitlistLength)} waiting` : 'Nobody waiting';
}

export function renderEvents(outlet) {
  const errors = errorBox();
  const list = h('ul', { class: 'event-grid', 'aria-label': 'Published events' });
  const search = h('input', { type: 'search', name: 'search', maxlength: 100, autocomplete: 'off', placeholder: 'Title or venue' });
  const searchForm = h('form', { class: 'form form--inline', role: 'search' },
    field('Search events', search),
    h('button', { type: 'submit', class: 'button' }, 'Search'));
  let query = '';
  const more = h('div', { class: 'button-row' });
  const status = h('div', {}, loading('Loading events…'));
  const following = visibleFollower(); // the cards on screen, live
  let left = false;

  outlet.append(
    pageHeading('Upcoming events'),
    h('p', { class: 'lead' }, 'Seats and waiting lists update live.'),
    searchForm,
    errors,
    status,
    list,
    more,
  );

  // A new search starts a new list: answers to an older list's requests (a slow first load, say) are dropped.
  let listGeneration = 0;

  async function loadPage(after = null) {
    const generation = after ? listGeneration : ++listGeneration;
    const data = await graphql(PUBLISHED_EVENTS, { after, search: query || null });
    if (left || generation !== listGeneration) return;
    const { edges, pageInfo } = data.events;
    status.replaceChildren();
    if (!after && edges.length === 0) {
      status.append(h('p', { class: 'empty' }, query
        ? `No events match “${query}”.`
        : 'No events are on sale right now. Check back soon.'));
    }
    for (const { node } of edges) list.append(eventCard(node));
    replace(more);
    if (pageInfo.hasNextPage) {
      const button = h('button', { type: 'button', class: 'button' }, 'Show more events');
      button.addEventListener('click', () => whileBusy(button, () => loadPage(pageInfo.endCursor), errors));
      more.append(button);
    }
  }

  function eventCard(event) {
    const seats = h('span', { class: 'event-card__seats', 'data-testid': 'seats' }, availabilityText(event));
    const waiting = h('span', { class: 'event-card__waitlist', 'data-testid': 'waitlist' }, waitlistText(event));
    const card = h(
      'li',
      { class: 'card event-card', 'data-event-id': event.id },
      h('h2', { class: 'event-card__title' }, h('a', { href: `#/events/${encodeURIComponent(event.id)}` }, event.title)),
      h('p', { class: 'event-card__when' }, h('time', { datetime: event.startsAt }, formatDateTime(event.startsAt))),
      h('p', { class: 'event-card__venue' }, event.venue),
      h('p', { class: 'event-card__availability' }, seats, h('span', { 'aria-hidden': 'true' }, ' · '), waiting),
    );
    const apply = (snapshot) => {
      Object.assign(event, snapshot);
      seats.textContent = availabilityText(event);
      waiting.textContent = waitlistText(event);
      card.classList.toggle('event-card--sold-out', event.seatsRemaining === 0);
    };
    apply({});
    // Each new subscription answers with the event as it is now, so a card scrolled back into view is fresh.
    following.add(card, () => live.subscribe(EVENT_UPDATES, { eventId: event.id }, {
      next: (data) => data?.eventUpdates && apply(data.eventUpdates),
    }));
    return card;
  }

  searchForm.addEventListener('submit', (submitEvent) => {
    submitEvent.preventDefault();
    query = search.value.trim();
    following.clear();
    list.replaceChildren();
    whileBusy(searchForm, () => loadPage(), errors);
  });

  whileBusy([], () => loadPage(), errors).then(() => status.querySelector('.loading') && status.replaceChildren());

  return () => {
    left = true;
    following.clear();
  };
}
