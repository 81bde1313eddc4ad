// A small client for the graphql-transport-ws protocol: one socket, many subscriptions,
// reconnecting with backoff and resubscribing after a drop.

const PROTOCOL = 'graphql-transport-ws';
const IDLE_CLOSE_MS = 5_000; // keep the socket briefly so page changes do not churn connections
const MAX_BACKOFF_MS = 10_000;

export function createLiveClient({ url, connectionParams }) {
  const active = new Map(); // id -> { payload, sink }
  const statusListeners = new Set();
  let socket = null;
  let acknowledged = false;
  let nextId = 1;
  let attempts = 0;
  let reconnectTimer = null;
  let idleTimer = null;
  let status = 'idle';

  function setStatus(next) {
    if (next === status) return;
    status = next;
    for (const listener of statusListeners) listener(status);
  }

  function send(message) {
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function connect() {
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    acknowledged = false;
    setStatus(attempts === 0 ? 'connecting' : 'reconnecting');
    const ws = new WebSocket(url, PROTOCOL);
    socket = ws;
    ws.addEventListener('open', () => {
      send({ type: 'connection_init', payload: connectionParams() });
    });
    ws.addEventListener('message', (event) => {
      if (ws === socket) receive(event.data);
    });
    ws.addEventListener('close', () => {
      if (ws !== socket) return; // an old socket we replaced on purpose
      socket = null;
      acknowledged = false;
      if (active.size > 0) scheduleReconnect();
      else setStatus('idle');
    });
  }

  function scheduleReconnect() {
    if (reconnectTimer) return;
    setStatus('reconnecting');
    attempts += 1;
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(attempts, 5)) * (0.75 + Math.random() / 2);
    reconnectTimer = setTimeout(connect, delay);
  }

  function receive(raw) {
    let message;
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    const entry = active.get(message.id);
    switch (message.type) {
      case 'connection_ack': {
        acknowledged = true;
        const resumed = attempts > 0;
        attempts = 0;
        setStatus('live');
        for (const [id, subscription] of active) {
          send({ id, type: 'subscribe', payload: subscription.payload });
          // Updates sent while we were away are lost; let the page fetch afresh.
          if (resumed) subscription.sink.resumed?.();
        }
        break;
      }
      case 'ping':
        send({ type: 'pong', payload: message.payload });
        break;
      case 'next':
        if (!entry) break;
        if (message.payload?.errors?.length) entry.sink.error?.(message.payload.errors);
        else entry.sink.next(message.payload?.data);
        break;
      case 'error':
        if (!entry) break;
        active.delete(message.id);
        // The socket is fine but the server refused this subscription: say live updates are partial.
        setStatus('degraded');
        console.warn('Live update refused by the server:', message.payload);
        entry.sink.error?.(message.payload);
        break;
      case 'complete':
        if (!entry) break;
        active.delete(message.id);
        entry.sink.complete?.();
        break;
      default:
        break;
    }
  }

  function closeWhenIdle() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      if (active.size > 0) return;
      clearTimeout(reconnectTimer);
      reconnectTimer = null;
      const ws = socket;
      socket = null;
      ws?.close(1000, 'idle');
      setStatus('idle');
    }, IDLE_CLOSE_MS);
  }

  /**
   * Starts a subscription. sink: { next(data), error?(errors), complete?(), resumed?() }.
   * Returns a function that stops it.
   */
  function subscribe(query, variables, sink) {
    const id = String(nextId++);
    const payload = { query, variables };
    active.set(id, { payload, sink });
    clearTimeout(idleTimer);
    if (!socket && !reconnectTimer) connect();
    else if (acknowledged) send({ id, type: 'subscribe', payload });
    return () => {
      if (!active.delete(id)) return;
      if (acknowledged) send({ id, type: 'complete' });
      if (active.size === 0) closeWhenIdle();
    };
  }

  /** Reconnects with fresh connection params, e.g. after signing in or out. */
  function restart() {
    const ws = socket;
    socket = null;
    acknowledged = false;
    ws?.close(1000, 'restart');
    attempts = 0;
    if (active.size > 0) connect();
    else {
      clearTimeout(reconnectTimer);
      reconnectTimer = null;
      setStatus('idle');
    }
  }

  function onStatus(listener) {
    statusListeners.add(listener);
    listener(status);
    return () => statusListeners.delete(listener);
  }

  return { subscribe, restart, onStatus };
}
