import { ConnectionError } from '../errors.js';

/**
 * How a request may be repeated after a failure whose outcome is unknown, as the spec's
 * `x-onceonly-retry` says: `safe` (repeating has the effect of sending once), `replay` (safe
 * because every attempt carries the same `X-Request-Id`), `never` (repeat only what the server
 * certainly did not process).
 */
export type RetryMode = 'safe' | 'replay' | 'never';

export interface RetryPolicy {
  /** The wait before the first retry; each further retry doubles it. */
  initialDelayMs: number;
  /** The longest wait the doubling reaches. */
  maxDelayMs: number;
  /** The longest `Retry-After` honoured; a server asking for more gets its error back at once. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
};

// 408, 429 and 503 say the server did not act on the request, so any request may be repeated.
// 500, 502 and 504 leave it open whether the server (or the one behind a gateway) acted, so
// only requests that are safe to repeat are.
const NOT_PROCESSED = new Set([408, 429, 503]);
const MAYBE_PROCESSED = new Set([500, 502, 504]);

export function isRetryableStatus(status: number, mode: RetryMode): boolean {
  return NOT_PROCESSED.has(status) || (mode !== 'never' && MAYBE_PROCESSED.has(status));
}

/** True when a failed attempt may have been acted on by the server. */
export function mayHaveBeenProcessed(failure: { status: number } | ConnectionError): boolean {
  if (failure instanceof ConnectionError) return !certainlyNotSent(failure);
  return !NOT_PROCESSED.has(failure.status);
}

/** Whether a connection failure may be retried for a request of this mode. */
export function isRetryableConnectionError(error: ConnectionError, mode: RetryMode): boolean {
  return mode !== 'never' || certainlyNotSent(error);
}

// Node's fetch reports these when no connection was made, so nothing reached the server.
// Other runtimes give no such detail; there, any connection failure counts as maybe sent.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function certainlyNotSent(error: unknown): boolean {
  for (let cause = error, depth = 0; cause && depth < 5; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_SENT_CODES.has(code)) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The wait before repeating a failed attempt (number `attempt`, from 1), or `null` when the
 * failure must not be repeated: not retryable for this request's mode, or a `Retry-After`
 * beyond the ceiling. A server asking for a longer wait than the ceiling gets its answer back
 * at once, rather than a call that hangs for minutes (`RateLimitError.retryAfterMs` says how
 * long). Without `Retry-After`, the backoff applies.
 */
export function nextDelayMs(
  failure: { status: number } | ConnectionError,
  retryAfterMs: number | null,
  mode: RetryMode,
  attempt: number,
  policy: RetryPolicy,
): number | null {
  const retryable =
    failure instanceof ConnectionError
      ? isRetryableConnectionError(failure, mode)
      : isRetryableStatus(failure.status, mode);
  if (!retryable) return null;
  if (retryAfterMs === null) return backoffDelayMs(attempt, policy);
  return retryAfterMs > policy.maxRetryAfterMs ? null : retryAfterMs;
}

/**
 * The wait before retry number `retry` (1 for the first): exponential, capped, and reduced by
 * a random 0-25% so that clients failing together do not retry together.
 */
export function backoffDelayMs(retry: number, policy: RetryPolicy, random = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (retry - 1));
  return Math.round(exponential * (1 - 0.25 * random()));
}

/**
 * `Retry-After` in milliseconds: delta-seconds (fractions accepted) or an HTTP date. `null`
 * when absent or anything else, and the caller falls back to backoff.
 */
export function parseRetryAfterMs(value: string | null, now = Date.now()): number | null {
  const text = value?.trim();
  if (!text) return null;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = parseHttpDate(text, now);
  return date === null ? null : Math.max(0, date - now);
}

// RFC 9110, 5.6.7: besides the IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the obsolete
// RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`) forms.
const RFC_850 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*day, (\d\d)-(\w{3})-(\d\d) (\S{8}) GMT$/;
const ASCTIME = /^(\w{3}) (\w{3}) ([ \d]\d) (\S{8}) (\d{4})$/;

/**
 * An HTTP date in milliseconds since the epoch, or `null` when `text` is none. Each form is
 * rewritten as an IMF-fixdate, which is what `toUTCString` writes: a date counts only when it
 * reads back the same. `Date.parse` alone takes almost anything for some date ("a 1" is in
 * 2001), which would tell a client to retry at once.
 */
export function parseHttpDate(text: string, now: number): number | null {
  const rfc850 = RFC_850.exec(text);
  const asctime = rfc850 ? null : ASCTIME.exec(text);
  let fixdate = text;
  if (rfc850) {
    // A two-digit year more than 50 years ahead is one of the past century.
    const thisYear = new Date(now).getUTCFullYear();
    let year = thisYear - (thisYear % 100) + Number(rfc850[4]);
    if (year > thisYear + 50) year -= 100;
    fixdate = `${rfc850[1]}, ${rfc850[2]} ${rfc850[3]} ${year} ${rfc850[5]} GMT`;
  } else if (asctime) {
    const day = (asctime[3] as string).replace(' ', '0');
    fixdate = `${asctime[1]}, ${day} ${asctime[2]} ${asctime[5]} ${asctime[4]} GMT`;
  }
  const ms = Date.parse(fixdate);
  return new Date(ms).toUTCString() === fixdate ? ms : null;
}
