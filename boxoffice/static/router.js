// A tiny location.hash router: "#/events/42" -> the view registered for "/events/:id".

/**
 * routes: [{ path: '/events/:id', render(outlet, params, query) -> cleanup? }]
 * A view may return a function; it runs when the person leaves the page (to stop subscriptions).
 */
export function createRouter({ routes, outlet, notFound }) {
  const compiled = routes.map((route) => ({ ...route, ...compile(route.path) }));
  let cleanup = null;

  function current() {
    const hash = location.hash;
    // "#main" (the skip link) and friends are in-page anchors, not routes.
    const raw = hash.startsWith('#/') ? hash.slice(1) : '/';
    const [path, search = ''] = raw.split('?');
    return { path: path || '/', query: new URLSearchParams(search) };
  }

  function render({ focus = true } = {}) {
    const { path, query } = current();
    try {
      cleanup?.();
    } catch (error) {
      console.error('Leaving the page failed', error);
    }
    cleanup = null;
    let params = {};
    const route = compiled.find((candidate) => {
      const match = candidate.pattern.exec(path);
      if (!match) return false;
      try {
        params = Object.fromEntries(candidate.names.map((name, i) => [name, decodeURIComponent(match[i + 1])]));
      } catch {
        return false; // "#/events/%E0" is no address of ours: not found
      }
      return true;
    });
    outlet.replaceChildren();
    const result = (route ?? { render: notFound }).render(outlet, params, query);
    cleanup = typeof result === 'function' ? result : null;
    if (focus) focusHeading();
    return route;
  }

  // Moving focus to the new h1 tells screen-reader users the page changed.
  function focusHeading() {
    requestAnimationFrame(() => {
      const heading = outlet.querySelector('[data-page-heading]');
      if (heading && !outlet.contains(document.activeElement)) heading.focus({ preventScroll: false });
    });
  }

  window.addEventListener('hashchange', () => {
    if (location.hash === '' || location.hash.startsWith('#/')) render();
  });

  return {
    render,
    current,
    go(path) {
      if (location.hash === `#${path}`) render();
      else location.hash = path;
    },
  };
}

function compile(path) {
  const names = [];
  const source = path.replace(/:([A-Za-z]+)/g, (_, name) => {
    names.push(name);
    return '([^/]+)';
  });
  return { pattern: new RegExp(`^${source}/?$`), names };
}

/** Builds "#/signin?next=/events/3" style links. */
export function link(path, query = {}) {
  const search = new URLSearchParams(query).toString();
  return `#${path}${search ? `?${search}` : ''}`;
}
