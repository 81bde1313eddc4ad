// Messages for the person, announced by screen readers through the page's role="status" region.
import { h } from './dom.js';

const AUTO_HIDE_MS = 6_000;

function region() {
  return document.getElementById('notices');
}

/**
 * announce('Saved') shows a short-lived notice; announce(text, {sticky: true}) stays until dismissed,
 * for news the person must not miss (like getting off the waitlist).
 */
export function announce(text, { tone = 'info', sticky = false } = {}) {
  const dismiss = () => notice.remove();
  const notice = h(
    'div',
    { class: `notice notice--${tone}` },
    h('p', {}, text),
    sticky ? h('button', { type: 'button', class: 'button button--quiet', onClick: dismiss }, 'Dismiss') : null,
  );
  region().append(notice);
  if (!sticky) setTimeout(dismiss, AUTO_HIDE_MS);
  return notice;
}

export function clearNotices() {
  region().replaceChildren();
}
