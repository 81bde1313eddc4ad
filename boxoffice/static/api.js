// GraphQL over HTTP POST. Every failure becomes an ApiError whose message a person can read.
import { end as endSession, token } from './auth.js';
import { noteServerDate } from './clock.js';

const ENDPOINT = '/graphql';

export class ApiError extends Error {
  /** `field`: the input the failure is about (the server's extensions.field), when it says so. */
  constructor(message, code, errors = [], field = null) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.errors = errors;
    this.field = field ?? errors.find((e) => e.extensions?.field)?.extensions.field ?? null;
  }
}

// graphql-core's own wording, which a person should never have to read.
const RAW_GRAPHQL = /^(Cannot query field|Variable '\$|Int cannot represent|Float cannot represent|String cannot represent|Syntax Error|Unknown argument|Field '|Expected value of type|Argument ')/i;

/** Turns a GraphQL error into words for a person; the server's message is meant for them. */
export function describeGraphQLError(error) {
  const message = (error?.message ?? '').trim();
  if (/^Cannot query field/i.test(message)) return 'This server does not offer that feature yet.';
  if (RAW_GRAPHQL.test(message)) return 'Some of what you entered is not valid. Check the form and try again.';
  return message || 'Something went wrong. Please try again.';
}

// A request that may be sent twice waits this long for an answer before it counts as lost.
const RETRYABLE_TIMEOUT_MS = 30_000;
const RETRY_DELAY_MS = 500;

/**
 * A fresh key for one click on a booking or cancel button; the request's automatic retry sends it again,
 * so the server acts once. randomUUID needs a secure context (https or localhost); elsewhere, 128 random bits.
 */
export function newIdempotencyKey() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * fetch, and for a request safe to repeat (`retry`), once more with the very same body after a lost answer.
 * Answers [response, when the answered attempt was sent].
 */
async function send(init, retry) {
  const attempt = async () => {
    const sentAt = Date.now();
    const response = await fetch(ENDPOINT, retry ? { ...init, signal: AbortSignal.timeout(RETRYABLE_TIMEOUT_MS) } : init);
    return [response, sentAt];
  };
  try {
    return await attempt();
  } catch (error) {
    // TypeError: the connection failed or dropped; TimeoutError: no answer in time. Either way the server may
    // or may not have acted, which only a request carrying its idempotency key may safely find out by asking again.
    if (!retry || !(error instanceof TypeError || error?.name === 'TimeoutError')) throw error;
  }
  await new Promise((resolve) => { setTimeout(resolve, RETRY_DELAY_MS); });
  return attempt();
}

/**
 * POST a GraphQL document. `retry: true` marks a request that is safe to send twice (a query, or a mutation
 * carrying an idempotencyKey): after a network failure or timeout it is sent once more, unchanged.
 */
export async function graphql(query, variables = {}, { retry = false } = {}) {
  const sentToken = token();
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (sentToken) headers.Authorization = `Bearer ${sentToken}`;

  let response;
  let sentAt;
  try {
    [response, sentAt] = await send({ method: 'POST', headers, body: JSON.stringify({ query, variables }) }, retry);
  } catch {
    throw new ApiError('Could not reach the server. Check your connection and try again.', 'NETWORK');
  }
  noteServerDate(response.headers.get('Date'), sentAt, Date.now());

  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The server sent an unexpected answer (HTTP ${response.status}). Please try again.`, 'BAD_RESPONSE');
  }

  if (body.errors?.length) {
    const [first] = body.errors;
    const code = first.extensions?.code ?? 'ERROR';
    // A rejected token means the session is over; a failed sign-in without a token is not.
    if (code === 'UNAUTHENTICATED' && sentToken && sentToken === token()) {
      endSession('Your session has ended. Please sign in again.');
    }
    throw new ApiError(describeGraphQLError(first), code, body.errors);
  }
  if (!response.ok || !body.data) {
    throw new ApiError(`The server could not answer (HTTP ${response.status}). Please try again.`, 'HTTP');
  }
  return body.data;
}

/** The plain-words message for anything a request may throw. */
export function messageOf(error) {
  if (error instanceof ApiError) return error.message;
  return 'Something went wrong in this page. Please reload and try again.';
}

/** True when the server's schema lacks a field we asked for (an optional feature is missing). */
export function isMissingField(error) {
  return error instanceof ApiError && error.errors.some((e) => /^Cannot query field/i.test(e.message ?? ''));
}
