// The organizer console: create, edit, publish and cancel events, and see who booked.
import { ApiError, graphql } from '../api.js';
import { currentUser, hasRole } from '../auth.js';
import { h, replace } from '../dom.js';
import { durationWords, formatDateTime, plural, statusLabel } from '../format.js';
import { historyDetails } from '../history.js';
import { announce } from '../notices.js';
import {
  CANCEL_EVENT, CONSOLE_ALL_EVENTS, CONSOLE_EVENTS, CREATE_EVENT, EVENT_BOOKINGS_PAGE, PUBLISH_EVENT, UPDATE_EVENT,
} from '../queries.js';
import { confirmingButton, errorBox, field, loading, pageHeading, statusBadge, whileBusy } from '../ui.js';
import { peopleWaiting } from './events.js';
import { eventForm } from './event-form.js';

const GROUPS = [
  { key: 'drafts', title: 'Drafts', empty: 'No drafts.' },
  { key: 'published', title: 'Published', empty: 'No published events.' },
  { key: 'cancelled', title: 'Cancelled', empty: 'No cancelled events.' },
];

export function renderOrganizer(outlet) {
  const errors = errorBox();
  const eventsArea = h('div', {}, loading('Loading your events…'));
  const isAdmin = hasRole('ADMIN');
  let left = false;

  const createForm = eventForm({
    heading: null,
    submitLabel: 'Create draft',
    onSubmit: async (input) => {
      const data = await graphql(CREATE_EVENT, { input });
      announce(`Created “${data.createEvent.title}” as a draft. Publish it when it is ready.`, { tone: 'success' });
      createForm.reset();
      await load();
    },
  });

  outlet.append(
    pageHeading('Organizer console'),
    h('p', { class: 'lead' }, isAdmin
      ? 'As an admin you can manage every event.'
      : 'Create events, publish them when ready, and see who is coming.'),
    h('section', { class: 'card', 'aria-labelledby': 'create-title' },
      h('h2', { id: 'create-title' }, 'Create an event'),
      h('p', { class: 'hint' }, 'New events start as drafts that only you can see.'),
      createForm),
    errors,
    eventsArea,
  );

  async function load() {
    const me = currentUser();
    // Your own events first; an admin then sees everyone else's.
    const [own, all] = await Promise.all([
      graphql(CONSOLE_EVENTS, { me: me.id }),
      isAdmin ? graphql(CONSOLE_ALL_EVENTS) : null,
    ]);
    if (left) return;
    const mineId = own.me?.id ?? me.id;
    const groups = (data, heading, filter, prefix) => GROUPS.map(({ key, title, empty }) => {
      const events = data[key].edges.map((edge) => edge.node).filter(filter);
      return h('section', { class: 'managed-group', 'aria-labelledby': `${prefix}-${key}` },
        h('h2', { id: `${prefix}-${key}` }, `${heading ? `${heading}: ` : ''}${title} (${events.length})`),
        events.length === 0 ? h('p', { class: 'empty' }, empty) : h('ul', { class: 'stack' }, events.map(managedEvent)),
        data[key].pageInfo.hasNextPage ? h('p', { class: 'hint' }, 'Showing the first 50.') : null);
    });
    replace(eventsArea,
      groups(own, null, () => true, 'group'),
      all ? groups(all, 'Other organizers', (event) => event.organizer?.id !== mineId, 'others') : null);
  }

  function managedEvent(event) {
    const itemErrors = errorBox();
    const item = h('li', { class: 'card managed-event', 'data-event-id': event.id });
    const attendees = h('div', { class: 'attendees' });

    const draw = () => {
      const actions = h('div', { class: 'button-row' });
      if (event.status !== 'CANCELLED') {
        actions.append(h('button', { type: 'button', class: 'button', onClick: edit }, 'Edit'));
      }
      if (event.status === 'DRAFT') {
        const publish = h('button', { type: 'button', class: 'button button--primary' }, 'Publish');
        publish.addEventListener('click', () => whileBusy([...actions.querySelectorAll('button')], async () => {
          const data = await graphql(PUBLISH_EVENT, { id: event.id });
          announce(`“${data.publishEvent.title}” is published and open for booking.`, { tone: 'success' });
          await load();
        }, itemErrors));
        actions.append(publish);
      }
      const toggle = h('button', { type: 'button', class: 'button', 'aria-expanded': 'false' }, 'Show bookings');
      toggle.addEventListener('click', () => toggleAttendees(toggle));
      if (event.status !== 'DRAFT') actions.append(toggle);
      if (event.status !== 'CANCELLED') {
        actions.append(confirmingButton({
          label: 'Cancel event',
          question: `Cancel “${event.title}”? Every booking is cancelled too. This cannot be undone.`,
          confirmLabel: 'Yes, cancel the event',
          errors: itemErrors,
          onConfirm: async () => {
            await graphql(CANCEL_EVENT, { id: event.id });
            announce(`“${event.title}” is cancelled.`);
            await load();
          },
        }));
      }
      replace(item,
        h('div', { class: 'managed-event__head' },
          h('h3', {}, event.status === 'PUBLISHED' ? h('a', { href: `#/events/${encodeURIComponent(event.id)}` }, event.title) : event.title),
          statusBadge(event.status)),
        h('p', { class: 'event-meta' }, h('time', { datetime: event.startsAt }, formatDateTime(event.startsAt)), ' · ', event.venue),
        h('p', { class: 'event-meta' },
          `${event.seatsRemaining} of ${event.capacity} seats left · `
            + (event.offeredSeats ? `${plural(event.offeredSeats, 'seat')} held by offers · ` : '')
            + (event.waitlistLength ? `${peopleWaiting(event.waitlistLength)} waiting` : 'nobody waiting'),
          isAdmin && event.organizer ? ` · organised by ${event.organizer.name}` : ''),
        h('p', { class: 'event-meta', 'data-testid': 'waitlist-policy' }, event.waitlistPolicy === 'OFFER'
          ? `Freed seats are offered to the next in line, with ${durationWords(event.offerMinutes)} to accept`
          : 'Freed seats go to the next in line at once'),
        itemErrors,
        actions,
        attendees);
    };

    const edit = () => {
      const form = eventForm({
        initial: event,
        heading: `Edit “${event.title}”`,
        submitLabel: 'Save changes',
        onCancel: () => {
          draw();
          item.querySelector('button')?.focus();
        },
        onSubmit: async (input) => {
          const data = await graphql(UPDATE_EVENT, { id: event.id, input });
          Object.assign(event, data.updateEvent);
          announce(`Saved “${event.title}”.`, { tone: 'success' });
          draw();
        },
      });
      replace(item, form);
      form.querySelector('input')?.focus();
    };

    const toggleAttendees = async (toggle) => {
      if (toggle.getAttribute('aria-expanded') === 'true') {
        toggle.setAttribute('aria-expanded', 'false');
        toggle.textContent = 'Show bookings';
        attendees.replaceChildren();
        return;
      }
      const panel = bookingsPanel(event, itemErrors);
      await whileBusy(toggle, async () => {
        await panel.load();
        replace(attendees, panel.element);
        toggle.setAttribute('aria-expanded', 'true');
        toggle.textContent = 'Hide bookings';
      }, itemErrors);
    };

    draw();
    return item;
  }

  whileBusy([], load, errors);
  return () => {
    left = true;
  };
}

const PAGE_SIZE = 50;
const FILTERS = [
  { status: 'CONFIRMED', label: 'Confirmed', count: (c) => c.confirmed },
  { status: 'WAITLISTED', label: 'Waiting list', count: (c) => c.waitlisted },
  { status: 'OFFERED', label: 'Offered', count: (c) => c.offered },
  { status: 'EXPIRED', label: 'Expired offers', count: (c) => c.expired },
  { status: 'CANCELLED', label: 'Cancelled', count: (c) => c.cancelled },
  { status: '', label: 'All', count: (c) => c.confirmed + c.waitlisted + c.offered + c.expired + c.cancelled },
];
const number = (n) => n.toLocaleString('en');

/** "Confirmed: 3 people, 4 tickets · Offers open: 1 person for 2 tickets · Waiting list: 2 people for 3 tickets · Cancelled: 1" */
export function countsText(c) {
  const people = (n) => `${number(n)} ${n === 1 ? 'person' : 'people'}`;
  const tickets = (n) => `${number(n)} ${n === 1 ? 'ticket' : 'tickets'}`;
  const confirmed = c.confirmed
    ? `Confirmed: ${people(c.confirmed)}, ${tickets(c.confirmedTickets)}`
    : 'Nobody has confirmed seats yet';
  const waiting = c.waitlisted
    ? `Waiting list: ${people(c.waitlisted)} waiting for ${tickets(c.waitlistedTickets)}`
    : 'Nobody is waiting';
  const offered = c.offered ? `Offers open: ${people(c.offered)} for ${tickets(c.offeredTickets)}` : null;
  const expired = c.expired ? `Offers run out: ${number(c.expired)}` : null;
  return [confirmed, offered, waiting, expired, c.cancelled ? `Cancelled: ${number(c.cancelled)}` : null]
    .filter(Boolean).join(' · ');
}

/** An event's bookings, PAGE_SIZE at a time, filtered by status, with counts: never the whole list at once. */
function bookingsPanel(event, errors) {
  const summary = h('p', { class: 'booking-counts', 'data-testid': 'booking-counts' });
  const filter = h('select', { name: 'status' });
  const rows = h('div', { class: 'bookings-page' });
  const position = h('p', { class: 'hint', 'aria-live': 'polite', 'data-testid': 'page-position' });
  const previous = h('button', { type: 'button', class: 'button' }, `Previous ${PAGE_SIZE}`);
  const next = h('button', { type: 'button', class: 'button' }, `Next ${PAGE_SIZE}`);
  const element = h('div', { class: 'bookings-panel' },
    summary,
    h('div', { class: 'form form--inline' }, field('Show', filter)),
    rows,
    h('div', { class: 'button-row pager' }, previous, next, position));
  let status = 'CONFIRMED';
  let offset = 0; // how many bookings come before this page
  let page = null;

  async function load(cursor = {}) {
    const data = await graphql(EVENT_BOOKINGS_PAGE, { id: event.id, status: status || null, ...cursor });
    page = data.event?.bookingsPage;
    if (!page) throw new ApiError('This event’s bookings are not available to you.', 'NOT_FOUND');
    draw();
  }

  function draw() {
    const { counts, edges, pageInfo, totalCount } = page;
    summary.textContent = countsText(counts);
    replace(filter, FILTERS.map((f) => h('option', { value: f.status }, `${f.label} (${number(f.count(counts))})`)));
    filter.value = status;
    const bookings = edges.map((edge) => edge.node);
    const label = FILTERS.find((f) => f.status === status).label;
    const shown = bookings.length ? `${number(offset + 1)}–${number(offset + bookings.length)}` : '0';
    position.textContent = `Showing ${shown} of ${number(totalCount)}`;
    replace(rows, bookingsTable(status, `${label}: ${shown} of ${number(totalCount)}`, bookings));
    previous.disabled = !pageInfo.hasPreviousPage;
    next.disabled = !pageInfo.hasNextPage;
  }

  filter.addEventListener('change', () => {
    status = filter.value;
    offset = 0;
    whileBusy([previous, next], () => load({ first: PAGE_SIZE }), errors);
  });
  next.addEventListener('click', () => whileBusy([previous, next], async () => {
    const before = offset + page.edges.length;
    await load({ first: PAGE_SIZE, after: page.pageInfo.endCursor });
    offset = before;
    draw();
  }, errors));
  previous.addEventListener('click', () => whileBusy([previous, next], async () => {
    await load({ last: PAGE_SIZE, before: page.pageInfo.startCursor });
    offset = Math.max(0, offset - page.edges.length);
    draw();
  }, errors));

  return { element, load: () => load({ first: PAGE_SIZE }) };
}

function bookingsTable(status, caption, bookings) {
  const who = (b) => [b.user.name, b.user.email];
  const at = (iso) => (iso ? formatDateTime(iso) : '—');
  const columns = {
    CONFIRMED: [['Name', 'Email', 'Tickets', 'Confirmed at'], (b) => [...who(b), String(b.quantity), at(b.confirmedAt)]],
    WAITLISTED: [['Place', 'Name', 'Email', 'Tickets'],
      (b) => [String(b.waitlistPosition ?? '?'), ...who(b), String(b.quantity)]],
    OFFERED: [['Name', 'Email', 'Tickets', 'Offer ends'], (b) => [...who(b), String(b.quantity), at(b.offerExpiresAt)]],
    EXPIRED: [['Name', 'Email', 'Tickets', 'Offer ran out'], (b) => [...who(b), String(b.quantity), at(b.offerExpiresAt)]],
    CANCELLED: [['Name', 'Email', 'Tickets', 'Cancelled at'], (b) => [...who(b), String(b.quantity), at(b.cancelledAt)]],
    '': [['Name', 'Email', 'Tickets', 'Status'], (b) => [...who(b), String(b.quantity), statusLabel(b.status)]],
  }[status];
  const empty = {
    CONFIRMED: 'Nobody has confirmed seats yet.',
    WAITLISTED: 'Nobody is waiting.',
    OFFERED: 'No open offers.',
    EXPIRED: 'No offer has run out.',
    CANCELLED: 'No cancelled bookings.',
    '': 'No bookings yet.',
  }[status];
  // Every row ends with the booking's history, folded: why the seats went where they went.
  const rows = bookings.map((b) => [...columns[1](b), historyDetails(b.history) ?? '—']);
  return table(caption, [...columns[0], 'History'], rows, empty);
}

function table(caption, headings, rows, emptyText) {
  if (rows.length === 0) return h('p', { class: 'empty' }, `${caption}. ${emptyText}`);
  return h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': caption },
    h('table', {},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, headings.map((text) => h('th', { scope: 'col' }, text)))),
      h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((cell) => h('td', {}, cell)))))));
}
