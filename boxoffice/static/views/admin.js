// Admin tools: a booking simulation with its report and chart, and changing people's roles.
import { ApiError, graphql, isMissingField } from '../api.js';
import { currentUser, updateUser } from '../auth.js';
import { barChart } from '../chart.js';
import { h, replace } from '../dom.js';
import { ROLE_LABELS, formatDateTime, plural } from '../format.js';
import { announce } from '../notices.js';
import { MANAGED_EVENTS, PURGE_SYNTHETIC, SET_USER_ACTIVE, SET_USER_ROLE, SIMULATE_BOOKINGS, USERS } from '../queries.js';
import { confirmingButton, errorBox, field, pageHeading, whileBusy } from '../ui.js';

const DEFAULT_BOOKERS = 200;

const MAX_BOOKERS = 20000; // BOXOFFICE_SIMULATE_MAX_USERS' default; the server says so if it is lower

export function renderAdmin(outlet) {
  const simulation = simulationSection();
  const roles = rolesSection();
  const purge = purgeSection(() => simulation.load());
  // People get the full width: a row holds a role control and an active switch.
  outlet.append(pageHeading('Admin'),
    h('div', { class: 'columns columns--wide-first' }, simulation.element, purge),
    h('div', { class: 'admin-people' }, roles.element));
  simulation.load();
  roles.load();
}

function purgeSection(onPurged) {
  const errors = errorBox();
  const report = h('div', { 'data-testid': 'purge-report', 'aria-live': 'polite' });
  const button = confirmingButton({
    label: 'Purge synthetic users',
    question: 'Delete every synthetic user and their bookings? Their seats go to the real people waiting, in line order.',
    confirmLabel: 'Yes, purge them',
    errors,
    onConfirm: async () => {
      report.replaceChildren();
      const data = await graphql(PURGE_SYNTHETIC);
      replace(report, purgeReport(data.purgeSyntheticUsers));
      announce('Synthetic users purged.', { tone: 'success' });
      await onPurged();
    },
  });
  return h('section', { class: 'card', 'aria-labelledby': 'purge-title' },
    h('h2', { id: 'purge-title' }, 'Synthetic users'),
    h('p', {}, 'Simulations leave synthetic bookers behind. Purging them frees their seats and moves the real people waiting behind them up, as ',
      h('code', {}, 'boxoffice purge-synthetic'), ' does.'),
    errors, button, report);
}

function purgeReport(result) {
  const promoted = result.promotedBookings;
  return [
    h('h3', {}, 'Purge report'),
    h('dl', { class: 'stats stats--report' }, [
      ['Synthetic users removed', result.users],
      ['Bookings removed', result.bookings],
      ['Events touched', result.events],
      ['Seats freed', result.seatsFreed],
      ['People promoted', result.promoted],
    ].map(([label, value]) => h('div', {}, h('dt', {}, label), h('dd', {}, String(value))))),
    promoted.length
      ? h('ul', { class: 'promoted-list', 'aria-label': 'Promoted' }, promoted.map((b) => h('li', {},
        `${b.user.name} (${b.user.email}): ${plural(b.quantity, 'ticket')} confirmed for “${b.event.title}”`)))
      : h('p', { class: 'hint' }, 'Nobody was waiting behind them, so nobody was promoted.'),
  ];
}

function simulationSection() {
  const errors = errorBox();
  const eventSelect = h('select', { name: 'eventId', required: true }, h('option', { value: '' }, 'Loading events…'));
  const bookers = h('input', { type: 'number', name: 'users', min: 1, max: MAX_BOOKERS, step: 1, required: true, value: DEFAULT_BOOKERS, inputmode: 'numeric' });
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
      if (!Number.isInteger(users) || users < 1 || users > MAX_BOOKERS) {
        throw new ApiError(`Bookers must be a whole number between 1 and ${MAX_BOOKERS.toLocaleString('en')}.`, 'BAD_USER_INPUT', [], 'users');
      }
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
  const who = h('input', { type: 'text', name: 'user', required: true, autocomplete: 'off', list: 'known-users', maxlength: 254 });
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
    // A success line from an earlier change must not stand next to this attempt's failure.
    result.textContent = '';
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
      replace(userList, usersTable(knownUsers, { onChanged: load, errors, result }));
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

/** People with a role control and an active switch per row; rows become cards on a phone. */
function usersTable(users, { onChanged, errors, result }) {
  const me = currentUser();
  const row = (user) => {
    const role = h('select', { name: `role-${user.id}`, 'aria-label': `Role of ${user.name}` },
      Object.entries(ROLE_LABELS).map(([value, label]) => h('option', { value }, label)));
    role.value = user.role;
    role.addEventListener('change', () => act([role, ...rowButtons()], async () => {
      const data = await graphql(SET_USER_ROLE, { userId: user.id, role: role.value });
      const changed = data.setUserRole;
      done(`${changed.name} (${changed.email}) is now ${ROLE_LABELS[changed.role] ?? changed.role}.`, changed);
    }, () => { role.value = user.role; }));
    const active = user.active !== false;
    const toggle = h('button', { type: 'button', class: active ? 'button button--danger-outline' : 'button' },
      active ? 'Deactivate' : 'Reactivate');
    toggle.setAttribute('aria-label', `${active ? 'Deactivate' : 'Reactivate'} ${user.name}`);
    if (user.id === me?.id) toggle.disabled = true;
    toggle.addEventListener('click', () => act([role, toggle], async () => {
      const data = await graphql(SET_USER_ACTIVE, { userId: user.id, active: !active });
      const changed = data.setUserActive;
      done(`${changed.name} (${changed.email}) is ${changed.active ? 'active again' : 'deactivated: they cannot sign in'}.`, changed);
    }));
    const tr = h('tr', { 'data-user-id': user.id },
      h('td', { 'data-label': 'Name' }, user.name),
      h('td', { 'data-label': 'Email' }, user.email),
      h('td', { 'data-label': 'Role' }, role),
      h('td', { 'data-label': 'Status' }, h('span', { class: 'cell-group' },
        h('span', { class: active ? 'badge badge--confirmed' : 'badge badge--cancelled' }, active ? 'Active' : 'Deactivated'), ' ', toggle)),
      h('td', { 'data-label': 'ID' }, h('code', {}, user.id)));
    const rowButtons = () => [...tr.querySelectorAll('button')];
    return tr;
  };
  const act = async (controls, work, undo = () => {}) => {
    result.textContent = '';
    await whileBusy(controls, async () => {
      try {
        await work();
      } catch (error) {
        undo();
        throw error;
      }
    }, errors);
  };
  const done = async (text, user) => {
    result.textContent = text;
    announce(text, { tone: 'success' });
    if (user.id === me?.id) updateUser({ id: user.id, email: user.email, name: user.name, role: user.role });
    await onChanged();
  };
  return h('div', { class: 'table-scroll people-table', tabindex: '0', role: 'region', 'aria-label': 'People' },
    h('table', {},
      h('caption', {}, `People (${users.length})`),
      h('thead', {}, h('tr', {}, ['Name', 'Email', 'Role', 'Status', 'ID'].map((text) => h('th', { scope: 'col' }, text)))),
      h('tbody', {}, users.map(row))));
}
