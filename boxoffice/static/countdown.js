// Live countdowns to a deadline (an offer's offerExpiresAt), by the server's clock: one shared ticker redraws every
// countdown on the page.
import { serverNow } from './clock.js';
import { h } from './dom.js';
import { timeLeftText } from './format.js';

const TICK_MS = 1_000;
// A countdown built but never put on the page (a view redrawn before it showed) is dropped after this many ticks.
const UNSEEN_TICKS = 5;

const running = new Set();
let ticker = null;

function draw(entry) {
  const left = entry.end - serverNow();
  if (left > 0) {
    entry.element.textContent = timeLeftText(left);
    return;
  }
  entry.element.textContent = timeLeftText(0);
  running.delete(entry);
  // Later, not now: a countdown already past when built must not redraw its view while that view builds it.
  if (entry.onZero) setTimeout(entry.onZero, 0);
}

function tick() {
  for (const entry of running) {
    if (entry.element.isConnected) entry.seen = true;
    else if (entry.seen || ++entry.unseen > UNSEEN_TICKS) {
      running.delete(entry);
      continue;
    }
    draw(entry);
  }
  if (running.size === 0) {
    clearInterval(ticker);
    ticker = null;
  }
}

/**
 * A <time> showing how long is left until `deadline` (ISO 8601), updated each second while it is on the page;
 * onZero runs once when the time is up. Not a live region: a screen reader reads it when the person gets there.
 */
export function countdown(deadline, { onZero = null, testId = 'countdown' } = {}) {
  const element = h('time', { class: 'countdown', role: 'timer', datetime: deadline, 'data-testid': testId });
  const end = Date.parse(deadline);
  const entry = { element, end: Number.isNaN(end) ? 0 : end, onZero, seen: false, unseen: 0 };
  running.add(entry);
  draw(entry);
  if (running.size > 0 && !ticker) ticker = setInterval(tick, TICK_MS);
  return element;
}
