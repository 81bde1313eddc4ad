// Live updates for the items of a long list that are on screen: the server runs at most 20
// operations on one connection (BOXOFFICE_WS_MAX_OPERATIONS), so a page of 50 events cannot follow them all.

// Leaves room within the server's 20 for the booking feed and whatever else the app follows meanwhile.
export const MAX_FOLLOWED = 16;

/**
 * A set of list items, each followed (subscribed) only while it is on screen, at most `max` at once (the first
 * to come into view first; a screen showing more than that follows the rest once others scroll away).
 */
export function visibleFollower({ max = MAX_FOLLOWED } = {}) {
  const items = new Map(); // element -> { subscribe: () => stop, stop: (() => void) | null }
  const visible = new Set(); // elements on screen, in the order they came into view

  function rebalance() {
    let followed = 0;
    for (const [element, item] of items) {
      if (item.stop && !visible.has(element)) {
        item.stop();
        item.stop = null;
      }
      if (item.stop) followed += 1;
    }
    for (const element of visible) {
      if (followed >= max) break;
      const item = items.get(element);
      if (item && !item.stop) {
        item.stop = item.subscribe();
        followed += 1;
      }
    }
  }

  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting) visible.add(entry.target);
      else visible.delete(entry.target);
    }
    rebalance();
  });

  return {
    /** Follows `element` with subscribe(), which starts a subscription and returns its stop function. */
    add(element, subscribe) {
      items.set(element, { subscribe, stop: null });
      observer.observe(element);
    },
    /** Stops following everything: a new list, or the page is left. */
    clear() {
      observer.disconnect();
      for (const item of items.values()) item.stop?.();
      items.clear();
      visible.clear();
    },
  };
}
