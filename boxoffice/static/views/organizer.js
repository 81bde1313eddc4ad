// The organizer console: create, edit, publish and cancel events, and see who booked.
import { graphql } from '../api.js';
import { currentUser, hasRole } from '../auth.js';
import { h, replace } from '../dom.js';
import { formatDateTime, plural } from '../format.js';
import { announce } from '../notices.js';
import { CANCEL_EVENT, CREATE_EVENT, EVENT_ATTENDEES, MANAGED_EVENTS, PUBLISH_EVENT, UPDATE_EVENT } from '../queries.js';
import { confirmingButton, errorBox, loading, pageHeading, statusBadge, whileBusy } from '../ui.js';
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
    const data = await graphql(MANAGED_EVENTS);
    if (left) return;
    const me = data.me ?? currentUser();
    const mine = (connection) => connection.edges.map((edge) => edge.node)
      .filter((event) => isAdmin || event.organizer?.id === me?.id);
    replace(eventsArea, GROUPS.map(({ key, title, empty }) => {
      const events = mine(data[key]);
      return h('section', { class: 'managed-group', 'aria-labelledby': `group-${key}` },
        h('h2', { id: `group-${key}` }, `${title} (${events.length})`),
        events.length === 0 ? h('p', { class: 'empty' }, empty) : h('ul', { class: 'stack' }, events.map(managedEvent)),
        data[key].pageInfo.hasNextPage ? h('p', { class: 'hint' }, 'Showing the first 50.') : null);
    }));
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
          `${event.seatsRemaining} of ${event.capacity} seats left · ${plural(event.waitlistLength, 'booking')} waiting`,
          isAdmin && event.organizer ? ` · organised by ${event.organizer.name}` : ''),
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
      await whileBusy(toggle, async () => {
        const data = await graphql(EVENT_ATTENDEES, { id: event.id });
        replace(attendees, attendeeTables(data.event));
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

function attendeeTables(event) {
  const confirmed = event?.confirmed ?? [];
  const waitlisted = [...(event?.waitlisted ?? [])].sort((a, b) => (a.waitlistPosition ?? 0) - (b.waitlistPosition ?? 0));
  const seats = confirmed.reduce((sum, booking) => sum + booking.quantity, 0);
  return [
    table(`Confirmed: ${plural(confirmed.length, 'booking')}, ${plural(seats, 'seat')}`,
      ['Name', 'Email', 'Tickets', 'Confirmed at'],
      confirmed.map((b) => [b.user.name, b.user.email, String(b.quantity), b.confirmedAt ? formatDateTime(b.confirmedAt) : '—']),
      'Nobody has confirmed seats yet.'),
    table(`Waiting list: ${plural(waitlisted.length, 'booking')}`,
      ['Place', 'Name', 'Email', 'Tickets'],
      waitlisted.map((b) => [String(b.waitlistPosition ?? '?'), b.user.name, b.user.email, String(b.quantity)]),
      'Nobody is waiting.'),
  ];
}

function table(caption, headings, rows, emptyText) {
  if (rows.length === 0) return h('p', { class: 'empty' }, `${caption}. ${emptyText}`);
  return h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': caption },
    h('table', {},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, headings.map((text) => h('th', { scope: 'col' }, text)))),
      h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((text) => h('td', {}, text)))))));
}
