// Boots the GraphiQL playground served at GET /graphql from the vendored React, ReactDOM and GraphiQL
// (boxoffice/static/vendor/): no CDN, no inline script, so it works offline and under a strict CSP.
(function boot() {
  'use strict';
  const mount = document.getElementById('graphiql');
  if (typeof window.GraphiQL !== 'function' || typeof window.React !== 'object' || typeof window.ReactDOM !== 'object') {
    mount.textContent = 'The playground could not load its scripts from this server (/vendor/). '
      + 'POST your queries to /graphql instead.';
    return;
  }

  const endpoint = new URL(location.pathname, location.origin);
  const subscriptionUrl = new URL(endpoint);
  subscriptionUrl.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';

  // Queries and mutations go over HTTP POST; subscriptions over WebSocket (graphql-transport-ws), where the
  // Headers tab's JSON is sent as the connection_init payload, so {"Authorization": "Bearer <token>"} works on both.
  const fetcher = window.GraphiQL.createFetcher({ url: endpoint.href, subscriptionUrl: subscriptionUrl.href });

  const WELCOME = `# Boxoffice GraphQL playground: everything runs on this server, no internet needed.
#
# 1. Sign in (demo logins when the server seeded its demo data:
#    alice@example.com / alice123, organizer@example.com / organizer123, admin@example.com / admin123):
#
#      mutation { login(email: "alice@example.com", password: "alice123") { token user { name role } } }
#
# 2. Put the token in the Headers tab below:  {"Authorization": "Bearer <token>"}
#
# 3. Find an event (the query below) and book it:
#
#      mutation { bookEvent(eventId: "1") { id status waitlistPosition } }
#
# 4. Watch it live; subscriptions run over WebSocket and carry the Headers tab along:
#
#      subscription { eventUpdates(eventId: "1") { title seatsRemaining waitlistLength } }
#
# Ctrl-Enter runs the operation, Ctrl-Space completes, the book icon on the left opens the docs.

{
  events {
    edges {
      node { id title startsAt seatsRemaining waitlistLength }
    }
  }
}
`;

  const root = window.ReactDOM.createRoot(mount);
  root.render(window.React.createElement(window.GraphiQL, {
    fetcher,
    defaultQuery: WELCOME,
    defaultEditorToolsVisibility: 'headers',
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
  }));
}());
