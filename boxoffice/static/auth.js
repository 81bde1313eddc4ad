// The signed-in session: token, its expiry and the user, kept in localStorage across reloads.

const STORAGE_KEY = 'boxoffice.session';
const ROLE_LADDER = ['AUDIENCE', 'ORGANIZER', 'ADMIN'];
// setTimeout overflows above 2^31-1 ms (about 24 days); longer sessions re-arm the timer.
const MAX_TIMER_MS = 2 ** 31 - 1;

const listeners = new Set();
let current = readStored();
let expiryTimer = null;

function readStored() {
  try {
    const stored = JSON.parse(localStorage.getItem(STORAGE_KEY));
    if (!stored?.token || !stored.expiresAt || !stored.user) return null;
    if (Date.parse(stored.expiresAt) <= Date.now()) {
      localStorage.removeItem(STORAGE_KEY);
      return null;
    }
    return stored;
  } catch {
    return null;
  }
}

function write(next, reason) {
  current = next;
  if (next) localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  else localStorage.removeItem(STORAGE_KEY);
  armExpiryTimer();
  for (const listener of listeners) listener(current, reason);
}

function armExpiryTimer() {
  clearTimeout(expiryTimer);
  if (!current) return;
  const remaining = Date.parse(current.expiresAt) - Date.now();
  expiryTimer = setTimeout(() => {
    if (Date.parse(current?.expiresAt) <= Date.now()) end('Your session has expired. Please sign in again.');
    else armExpiryTimer();
  }, Math.min(Math.max(remaining, 0), MAX_TIMER_MS));
}

export function token() {
  return current?.token ?? null;
}

export function currentUser() {
  return current?.user ?? null;
}

export function isSignedIn() {
  return current !== null;
}

/** Roles form a ladder: an ADMIN may do all an ORGANIZER may, and so on. */
export function hasRole(role) {
  const user = currentUser();
  return !!user && ROLE_LADDER.indexOf(user.role) >= ROLE_LADDER.indexOf(role);
}

/** Starts a session from an AuthPayload {token expiresAt user}. */
export function start({ token, expiresAt, user }) {
  write({ token, expiresAt, user }, 'signed-in');
}

/** Keeps the stored user fresh (e.g. an admin changed our role). */
export function updateUser(user) {
  if (!current) return;
  const changed = JSON.stringify(current.user) !== JSON.stringify(user);
  if (changed) write({ ...current, user }, 'user-changed');
}

/** Drops the session; `reason` is shown to the person when it was not their choice. */
export function end(reason = null) {
  if (current) write(null, reason);
}

export function onSessionChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

// Another tab signing in or out should not leave this one holding a stale token.
window.addEventListener('storage', (event) => {
  if (event.key !== STORAGE_KEY) return;
  const next = readStored();
  if (JSON.stringify(next) !== JSON.stringify(current)) write(next, null);
});

armExpiryTimer();
