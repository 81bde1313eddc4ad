// Sign in, register, and one-click demo logins.
import { graphql } from '../api.js';
import { start as startSession } from '../auth.js';
import { h } from '../dom.js';
import { LOGIN, REGISTER } from '../queries.js';
import { link } from '../router.js';
import { errorBox, field, pageHeading, whileBusy } from '../ui.js';

const DEMO_ACCOUNTS = [
  { name: 'Admin', email: 'admin@example.com', password: 'admin123', role: 'admin' },
  { name: 'Organizer', email: 'organizer@example.com', password: 'organizer123', role: 'organizer' },
  { name: 'Alice', email: 'alice@example.com', password: 'alice123', role: 'audience' },
  { name: 'Bob', email: 'bob@example.com', password: 'bob123', role: 'audience' },
];
// The contract has no "is the demo loaded?" query, so we offer the buttons and, if one of them is
// refused as UNAUTHENTICATED, hide them for the rest of the visit and say why.
const DEMO_MISSING_KEY = 'boxoffice.demoMissing';

function afterSignIn(query) {
  const next = query.get('next');
  location.hash = next?.startsWith('/') ? next : '/';
}

export function renderSignIn(outlet, _params, query) {
  const errors = errorBox();
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true, maxlength: 254 });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true, maxlength: 128 });
  const form = h(
    'form',
    { class: 'card form', 'aria-labelledby': 'signin-title' },
    h('h2', { id: 'signin-title' }, 'Sign in with your account'),
    errors,
    field('Email', email),
    field('Password', password),
    h('div', { class: 'button-row' }, h('button', { type: 'submit', class: 'button button--primary' }, 'Sign in')),
    h('p', {}, 'New here? ', h('a', { href: link('/register', Object.fromEntries(query)) }, 'Create an account')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(form, async () => {
      const data = await graphql(LOGIN, { email: email.value.trim(), password: password.value });
      startSession(data.login);
      afterSignIn(query);
    }, errors);
  });

  outlet.append(pageHeading('Sign in'), h('div', { class: 'columns' }, form, demoLogins(query)));
}

function demoLogins(query) {
  const errors = errorBox();
  const section = h('section', { class: 'card', 'aria-labelledby': 'demo-title' });
  if (sessionStorage.getItem(DEMO_MISSING_KEY)) {
    section.append(
      h('h2', { id: 'demo-title' }, 'Demo accounts'),
      h('p', {}, 'This server was started without the demo data, so the demo accounts are not available.'),
    );
    return section;
  }
  const buttons = DEMO_ACCOUNTS.map((account) =>
    h('button', { type: 'button', class: 'button demo-login', 'data-email': account.email },
      `Sign in as ${account.name}`, h('span', { class: 'demo-login__role' }, ` (${account.role})`)),
  );
  buttons.forEach((button, i) => {
    const account = DEMO_ACCOUNTS[i];
    button.addEventListener('click', () =>
      whileBusy(buttons, async () => {
        try {
          const data = await graphql(LOGIN, { email: account.email, password: account.password });
          startSession(data.login);
          afterSignIn(query);
        } catch (error) {
          if (error.code === 'UNAUTHENTICATED') {
            sessionStorage.setItem(DEMO_MISSING_KEY, '1');
            section.replaceWith(demoLogins(query));
          }
          throw error;
        }
      }, errors),
    );
  });
  section.append(
    h('h2', { id: 'demo-title' }, 'Try a demo account'),
    h('p', {}, 'One click signs you in as one of the people from the demo data.'),
    errors,
    h('div', { class: 'demo-logins' }, buttons),
  );
  return section;
}

export function renderRegister(outlet, _params, query) {
  const errors = errorBox();
  const name = h('input', { type: 'text', name: 'name', autocomplete: 'name', required: true, maxlength: 100 });
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'email', required: true, maxlength: 254 });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'new-password', required: true, minlength: 8, maxlength: 128 });
  const form = h(
    'form',
    { class: 'card form', 'aria-labelledby': 'register-title' },
    h('h2', { id: 'register-title' }, 'Your details'),
    errors,
    field('Name', name),
    field('Email', email),
    field('Password', password),
    h('div', { class: 'button-row' }, h('button', { type: 'submit', class: 'button button--primary' }, 'Create account')),
    h('p', {}, 'Already have an account? ', h('a', { href: link('/signin', Object.fromEntries(query)) }, 'Sign in')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(form, async () => {
      const data = await graphql(REGISTER, { name: name.value.trim(), email: email.value.trim(), password: password.value });
      startSession(data.register);
      afterSignIn(query);
    }, errors);
  });
  outlet.append(pageHeading('Create an account'), form);
}
