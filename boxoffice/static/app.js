// Boots the app: the header for whoever is signed in, the routes, and the live booking feed.
import { graphql } from './api.js';
import { currentUser, end as endSession, hasRole, isSignedIn, onSessionChange, updateUser } from './auth.js';
import { startBookingFeed } from './booking-feed.js';
import { h, replace } from './dom.js';
import { ROLE_LABELS } from './format.js';
import { announce, clearNotices } from './notices.js';
import { ME } from './queries.js';
import { live } from './realtime.js';
import { createRouter, link } from './router.js';
import { pageHeading, showNotFound } from './ui.js';
import { renderAccount } from './views/account.js';
import { renderAdmin } from './views/admin.js';
import { renderEvent } from './views/event.js';
import { renderEvents } from './views/events.js';
import { renderMyBookings } from './views/my-bookings.js';
import { renderOrganizer } from './views/organizer.js';
import { renderRegister, renderSignIn } from './views/signin.js';

const nav = document.getElementById('site-nav');
const account = document.getElementById('account');
const outlet = document.getElementById('main');
const liveStatus = document.getElementById('live-status');

/** Wraps a view so it only renders for people with the role; others get a way forward instead. */
function requires(role, render) {
  return (target, params, query) => {
    if (!isSignedIn()) {
      location.replace(link('/signin', { next: router.current().path }));
      return undefined;
    }
    if (!hasRole(role)) {
      target.append(pageHeading('Not available'),
        h('p', {}, `This page is for ${ROLE_LABELS[role].toLowerCase()}s. You are signed in as ${currentUser().email}.`),
        h('p', {}, h('a', { href: '#/' }, 'Back to the events')));
      return undefined;
    }
    return render(target, params, query);
  };
}

const NAV_ITEMS = [
  { path: '/', label: 'Events', visible: () => true },
  { path: '/bookings', label: 'My bookings', visible: () => isSignedIn() },
  { path: '/organizer', label: 'Organizer', visible: () => hasRole('ORGANIZER') },
  { path: '/admin', label: 'Admin', visible: () => hasRole('ADMIN') },
  { path: '/account', label: 'Account', visible: () => isSignedIn() },
];

const router = createRouter({
  outlet,
  routes: [
    { path: '/', render: renderEvents },
    { path: '/events/:id', render: renderEvent },
    { path: '/signin', render: renderSignIn },
    { path: '/register', render: renderRegister },
    { path: '/bookings', render: requires('AUDIENCE', renderMyBookings) },
    { path: '/organizer', render: requires('ORGANIZER', renderOrganizer) },
    { path: '/admin', render: requires('ADMIN', renderAdmin) },
    { path: '/account', render: requires('AUDIENCE', renderAccount) },
  ],
  notFound: (target) => showNotFound(target),
});

function drawHeader() {
  const here = router.current().path;
  replace(nav, h('ul', {}, NAV_ITEMS.filter((item) => item.visible()).map((item) => {
    const current = item.path === '/' ? here === '/' || here.startsWith('/events/') : here.startsWith(item.path);
    return h('li', {}, h('a', { href: `#${item.path}`, 'aria-current': current ? 'page' : null }, item.label));
  })));
  const user = currentUser();
  if (!user) {
    const onAuthPage = here === '/signin' || here === '/register';
    replace(account, h('a', { class: 'button button--primary', href: onAuthPage ? '#/signin' : link('/signin', { next: here }) }, 'Sign in'));
    return;
  }
  replace(account,
    h('span', { class: 'account__who', 'data-testid': 'signed-in-as' },
      user.name, h('span', { class: 'account__role' }, ` · ${ROLE_LABELS[user.role] ?? user.role}`)),
    h('button', { type: 'button', class: 'button button--quiet', onClick: signOut }, 'Sign out'));
}

function signOut() {
  endSession();
  clearNotices();
  announce('You are signed out.');
  location.hash = '/';
}

// The stored role may be stale (an admin may have changed it); the server's word wins.
async function refreshMe() {
  if (!isSignedIn()) return;
  try {
    const { me } = await graphql(ME);
    if (me) updateUser(me);
    else endSession('Your session has ended. Please sign in again.');
  } catch {
    // Offline or a server hiccup: keep the stored session; requests will tell the person.
  }
}

onSessionChange((_session, reason) => {
  drawHeader();
  if (reason && reason !== 'signed-in' && reason !== 'user-changed') {
    announce(reason, { tone: 'warning', sticky: true });
  }
  // Pages depend on who is looking; sign-in navigates by itself.
  if (reason !== 'signed-in') router.render({ focus: false });
});

window.addEventListener('hashchange', drawHeader);

live.onStatus((status) => {
  liveStatus.dataset.state = status;
  liveStatus.textContent = {
    idle: 'Live updates: idle',
    connecting: 'Live updates: connecting…',
    live: 'Live updates: on',
    reconnecting: 'Live updates: reconnecting…',
    degraded: 'Live updates: not available from this server',
  }[status];
});

drawHeader();
router.render();
startBookingFeed();
refreshMe();

// A role changed by an admin shows without a reload: look again when the person comes back to the tab,
// and now and then while it stays open.
const ME_REFRESH_MS = 30_000;
window.addEventListener('focus', refreshMe);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') refreshMe();
});
setInterval(() => {
  if (document.visibilityState === 'visible') refreshMe();
}, ME_REFRESH_MS);
