// Admin tools: a booking simulation with its report and chart, and changing people's roles.
import { ApiError, graphql, isMissingField } from '../api.js';
import { currentUser, updateUser } from '../auth.js';
import { barChart } from '../chart.js';
import { h, replace } from '../dom.js';
import { ROLE_LABELS, formatDateTime } from '../format.js';
import { announce } from '../notices.js';
import { MANAGED_EVENTS, SET_USER_ROLE, SIMULATE_BOOKINGS, USERS } from '../queries.js';
import { errorBox, field, pageHeading, whileBusy } from '../ui.js';

const DEFAULT_BOOKERS = 200;

export function renderAdmin(outlet) {
  const simulation = simulationSection();
  const roles = rolesSection();
  outlet.append(pageHeading('Admin'), h('div', { class: 'columns columns--wide-first' }, simulation.element, roles.element));
  simulation.load();
  roles.load();
}

function simulationSection() {
  const errors = errorBox();
  const eventSelect = h('select', { name: 'eventId', required: true }, h('option', { value: '' }, 'Loading events…'));
  const bookers = h('input', { type: 'number', name: 'users', min: 1, step: 1, required: true, value: DEFAULT_BOOKERS, inputmode: 'numeric' });
  const progress = h('p', { class: 'hint', 'aria-live': 'polite' });
  const report = h('div', { class: 'simulation-report', 'data-testid': 'simulation-report' });
  const titles = new Map(); // event id -> title, for labelling the report
  const form = h('form', { class: 'form' },
    errors,
    field('Event', eventSelect, 'Bookers are added to this event for real, like any other booking.'),
    field('Bookers', bookers, 'Each booker is a new synthetic user booking one seat at the same moment.'),
    h('div', { class: 'button-row' }, h('button', { type: 'submit', class: 'button button--primary' }, 'Run simulation')),
    progress);
  const element = h('section', { class: 'card', 'aria-labelledby': 'simulation-title' },
    h('h2', { id: 'simulation-title' }, 'Booking simulation'),
    h('p', {}, 'Many people booking the same event at once: check that nobody gets a seat that is not there.'),
    form, report);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(form, async () => {
      const users = Number(bookers.value);
      if (!eventSelect.value) throw new ApiError('Choose an event to simulate against.', 'BAD_USER_INPUT');
      if (!Number.isInteger(users) || users < 1) throw new ApiError('Bookers must be a whole number of at least 1.', 'BAD_USER_INPUT');
      progress.textContent = `Running ${users} bookers at once…`;
      try {
        const data = await graphql(SIMULATE_BOOKINGS, { eventId: eventSelect.value, users });
        replace(report, simulationReport(data.simulateBookings, titles.get(eventSelect.value) ?? 'The event'));
        progress.textContent = 'Simulation finished.';
        await load(eventSelect.value); // seats left changed
      } catch (error) {
        progress.textContent = '';
        throw error;
      }
    }, errors);
  });

  async function load(selected = eventSelect.value) {
    try {
      const data = await graphql(MANAGED_EVENTS);
      const events = data.published.edges.map((edge) => edge.node);
      for (const e of events) titles.set(e.id, e.title);
      replace(eventSelect,
        h('option', { value: '' }, events.length ? 'Choose an event' : 'No published events'),
        events.map((e) => h('option', { value: e.id }, `${e.title} (${e.seatsRemaining}/${e.capacity} left, ${e.waitlistLength} waiting)`)));
      eventSelect.value = events.some((e) => e.id === selected) ? selected : '';
    } catch (error) {
      errors.show(error);
    }
  }

  return { element, load };
}

function simulationReport(result, eventLabel) {
  const rows = [
    ['Bookers', result.bookers],
    ['Confirmed', result.confirmed],
    ['Waitlisted', result.waitlisted],
    ['Failed', result.failed],
    ['Seats remaining after', result.seatsRemaining],
    ['Waiting list after', result.waitlistLength],
    ['Duration', `${result.durationMs.toFixed(0)} ms`],
    ['Bookings per second', result.bookingsPerSecond.toFixed(1)],
  ];
  return [
    h('h3', {}, 'Report'),
    h('p', {}, `${eventLabel}, run at ${formatDateTime(new Date().toISOString())}.`),
    h('p', { class: result.overbooked ? 'verdict verdict--bad' : 'verdict verdict--good', 'data-testid': 'overbooked' },
      result.overbooked ? 'Overbooked: more seats were confirmed than exist!' : 'Not overbooked: every confirmed seat exists.'),
    h('dl', { class: 'stats stats--report' }, rows.map(([label, value]) => h('div', {}, h('dt', {}, label), h('dd', {}, String(value))))),
    barChart([
      { label: 'Confirmed', value: result.confirmed, tone: 'confirmed' },
      { label: 'Waitlisted', value: result.waitlisted, tone: 'waitlisted' },
      { label: 'Failed', value: result.failed, tone: 'failed' },
    ], { title: `Outcome of ${result.bookers} bookers` }),
  ];
}

function rolesSection() {
  const errors = errorBox();
  const who = h('input', { type: 'text', name: 'user', required: true, autocomplete: 'off', list: 'known-users' });
  const role = h('select', { name: 'role' }, Object.entries(ROLE_LABELS).map(([value, label]) => h('option', { value }, label)));
  const result = h('p', { class: 'hint', 'aria-live': 'polite' });
  const userList = h('div', {});
  const suggestions = h('datalist', { id: 'known-users' });
  let knownUsers = null; // null: the server has no user list, so only ids work

  const whoField = field('User ID', who);
  const form = h('form', { class: 'form' },
    errors, whoField, suggestions, field('New role', role),
    h('div', { class: 'button-row' }, h('button', { type: 'submit', class: 'button button--primary' }, 'Change role')),
    result);
  const element = h('section', { class: 'card', 'aria-labelledby': 'roles-title' },
    h('h2', { id: 'roles-title' }, 'People and roles'), form, userList);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(form, async () => {
      const userId = resolveUserId(who.value.trim());
      const data = await graphql(SET_USER_ROLE, { userId, role: role.value });
      const user = data.setUserRole;
      result.textContent = `${user.name} (${user.email}) is now ${ROLE_LABELS[user.role] ?? user.role}.`;
      announce(result.textContent, { tone: 'success' });
      if (user.id === currentUser()?.id) updateUser(user);
      if (knownUsers) await load();
    }, errors);
  });

  function resolveUserId(input) {
    if (!input) throw new ApiError('Enter the user’s ID or email.', 'BAD_USER_INPUT');
    if (!input.includes('@')) return input;
    if (!knownUsers) throw new ApiError('This server cannot look people up by email. Enter their user ID instead.', 'BAD_USER_INPUT');
    const match = knownUsers.find((user) => user.email.toLowerCase() === input.toLowerCase());
    if (!match) throw new ApiError(`Nobody with the email ${input} was found.`, 'NOT_FOUND');
    return match.id;
  }

  async function load() {
    try {
      knownUsers = await allUsers();
      whoField.querySelector('label').textContent = 'User ID or email';
      replace(suggestions, knownUsers.map((user) => h('option', { value: user.email }, user.name)));
      replace(userList, usersTable(knownUsers));
    } catch (error) {
      knownUsers = null;
      if (!isMissingField(error)) errors.show(error);
      replace(userList, h('p', { class: 'hint' },
        'This server does not list users, so enter the person’s user ID.'));
    }
  }

  return { element, load };
}

const MAX_USER_PAGES = 10; // 1,000 people is plenty for a picker; beyond that, IDs still work

async function allUsers() {
  const users = [];
  let after = null;
  for (let page = 0; page < MAX_USER_PAGES; page += 1) {
    const data = await graphql(USERS, { after });
    users.push(...data.users.edges.map((edge) => edge.node));
    if (!data.users.pageInfo.hasNextPage) break;
    after = data.users.pageInfo.endCursor;
  }
  return users;
}

function usersTable(users) {
  return h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'People' },
    h('table', {},
      h('caption', {}, `People (${users.length})`),
      h('thead', {}, h('tr', {}, ['Name', 'Email', 'Role', 'ID'].map((text) => h('th', { scope: 'col' }, text)))),
      h('tbody', {}, users.map((user) => h('tr', {},
        h('td', {}, user.name), h('td', {}, user.email), h('td', {}, ROLE_LABELS[user.role] ?? user.role),
        h('td', {}, h('code', {}, user.id)))))));
}
