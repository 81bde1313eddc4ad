// The server's clock as this page best knows it: offers run out by the database's clock, and a person's device
// may be minutes off. Every API answer's Date header (whole seconds) corrects the estimate.

// Below this the difference is within what a Date header's whole seconds and the trip's time can tell apart.
const NOISE_MS = 1_500;
// A slower answer says too little about when the server wrote its header.
const MAX_TRIP_MS = 2_000;

let offsetMs = 0; // server clock minus this device's clock

/** Records an answer's Date header; `sentAt` and `receivedAt` (Date.now()) bracket when the server wrote it. */
export function noteServerDate(header, sentAt, receivedAt) {
  const stamped = Date.parse(header ?? '');
  if (Number.isNaN(stamped) || receivedAt - sentAt > MAX_TRIP_MS) return;
  // The header truncates to the second: the server's moment lies within it, and within the trip.
  const estimate = stamped + 500 - (sentAt + receivedAt) / 2;
  offsetMs = Math.abs(estimate) > NOISE_MS ? estimate : 0;
}

/** Now, by the server's clock (milliseconds since the epoch). */
export function serverNow() {
  return Date.now() + offsetMs;
}
