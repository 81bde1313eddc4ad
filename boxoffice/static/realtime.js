// The app's one live connection, authenticated as whoever is signed in right now.
import { onSessionChange, token } from './auth.js';
import { createLiveClient } from './live.js';

const scheme = location.protocol === 'https:' ? 'wss' : 'ws';

export const live = createLiveClient({
  url: `${scheme}://${location.host}/graphql`,
  connectionParams: () => (token() ? { Authorization: `Bearer ${token()}` } : {}),
});

// The server decides what we may see at connection_init, so a new identity needs a new socket.
onSessionChange(() => live.restart());
