// The signed-in person's own account: their name, their password, and deleting the account.
import { ApiError, graphql } from '../api.js';
import { currentUser, end as endSession, start as startSession, updateUser } from '../auth.js';
import { h } from '../dom.js';
import { ROLE_LABELS } from '../format.js';
import { announce } from '../notices.js';
import { CHANGE_NAME, CHANGE_PASSWORD, DELETE_ACCOUNT } from '../queries.js';
import { confirmingButton, errorBox, field, pageHeading, whileBusy } from '../ui.js';

// The server's limits (auth/service.py).
const MAX_NAME = 100;
const MIN_PASSWORD = 8;
const MAX_PASSWORD = 128;

export function renderAccount(outlet) {
  const user = currentUser();
  outlet.append(
    pageHeading('Your account'),
    h('p', { class: 'lead' }, `Signed in as ${user.email} (${ROLE_LABELS[user.role] ?? user.role}).`),
    h('div', { class: 'columns' }, nameSection(user), passwordSection()),
    deleteSection(),
  );
}

function nameSection(user) {
  const errors = errorBox();
  const name = h('input', { type: 'text', name: 'name', autocomplete: 'name', required: true, maxlength: MAX_NAME, value: user.name });
  const form = h('form', { class: 'form' }, errors, field('Name', name),
    h('div', { class: 'button-row' }, h('button', { type: 'submit', class: 'button button--primary' }, 'Save name')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(form, async () => {
      if (!name.value.trim()) throw new ApiError('Name must not be empty.', 'BAD_USER_INPUT', [], 'name');
      const data = await graphql(CHANGE_NAME, { name: name.value });
      updateUser(data.changeName);
      name.value = data.changeName.name;
      announce(`Your name is now ${data.changeName.name}.`, { tone: 'success' });
    }, errors);
  });
  return h('section', { class: 'card', 'aria-labelledby': 'name-title' }, h('h2', { id: 'name-title' }, 'Name'), form);
}

function passwordSection() {
  const errors = errorBox();
  const current = h('input', { type: 'password', name: 'currentPassword', autocomplete: 'current-password', required: true, maxlength: MAX_PASSWORD });
  const next = h('input', { type: 'password', name: 'newPassword', autocomplete: 'new-password', required: true, minlength: MIN_PASSWORD, maxlength: MAX_PASSWORD });
  const form = h('form', { class: 'form' }, errors,
    field('Current password', current),
    field('New password', next, `${MIN_PASSWORD} to ${MAX_PASSWORD} characters. Your other devices will be signed out.`),
    h('div', { class: 'button-row' }, h('button', { type: 'submit', class: 'button button--primary' }, 'Change password')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(form, async () => {
      if (next.value.length < MIN_PASSWORD) {
        throw new ApiError(`New password must be at least ${MIN_PASSWORD} characters.`, 'BAD_USER_INPUT', [], 'newPassword');
      }
      const data = await graphql(CHANGE_PASSWORD, { currentPassword: current.value, newPassword: next.value });
      // Every earlier token, this page's included, stopped working; carry on with the fresh one.
      startSession(data.changePassword);
      form.reset();
      announce('Your password is changed. Other devices have been signed out.', { tone: 'success' });
    }, errors);
  });
  return h('section', { class: 'card', 'aria-labelledby': 'password-title' }, h('h2', { id: 'password-title' }, 'Password'), form);
}

function deleteSection() {
  const errors = errorBox();
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true, maxlength: MAX_PASSWORD });
  const form = h('form', { class: 'form' }, errors, field('Password', password, 'Needed to delete the account.'));
  form.addEventListener('submit', (event) => event.preventDefault());
  form.append(confirmingButton({
    label: 'Delete my account',
    question: 'Delete your account? Your bookings are cancelled and your seats go to the people waiting. This cannot be undone.',
    confirmLabel: 'Yes, delete my account',
    errors,
    onConfirm: async () => {
      if (!password.value) throw new ApiError('Password: enter it to delete your account.', 'BAD_USER_INPUT', [], 'password');
      const data = await graphql(DELETE_ACCOUNT, { password: password.value });
      const cancelled = data.deleteAccount.cancelledBookings;
      endSession();
      announce(`Your account is deleted${cancelled ? ` and ${cancelled} booking${cancelled === 1 ? ' was' : 's were'} cancelled` : ''}.`, { sticky: true });
      location.hash = '/';
    },
  }));
  return h('section', { class: 'card danger-zone', 'aria-labelledby': 'delete-title' },
    h('h2', { id: 'delete-title' }, 'Delete account'), form);
}
