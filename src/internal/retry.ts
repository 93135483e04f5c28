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

const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';
// RFC 9110, 5.6.7: the IMF-fixdate, and the obsolete RFC 850 and asctime forms. Only these:
// `Date.parse` reads almost anything as some date ("a 1" is in 2001), which would mean "retry
// now" to a server that sent junk.
const IMF_FIXDATE =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d) (\w{3}) (\d{4}) (\d\d):(\d\d):(\d\d) GMT$/;
const RFC_850 =
  /^(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, (\d\d)-(\w{3})-(\d\d) (\d\d):(\d\d):(\d\d) GMT$/;
const ASCTIME = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\w{3}) ([ \d]\d) (\d\d):(\d\d):(\d\d) (\d{4})$/;

/** An HTTP date in milliseconds since the epoch, or `null` when `text` is not one. */
export function parseHttpDate(text: string, now: number): number | null {
  const fixed = IMF_FIXDATE.exec(text) ?? RFC_850.exec(text);
  const asctime = fixed ? null : ASCTIME.exec(text);
  const parts = fixed
    ? fixed.slice(1)
    : asctime && [asctime[2], asctime[1], asctime[6], asctime[3], asctime[4], asctime[5]];
  if (!parts) return null;

  const [dayText, monthName, yearText, ...clock] = parts as string[];
  const [hour = 0, minute = 0, second = 0] = clock.map(Number);
  const day = Number(dayText);
  const monthIndex = MONTHS.indexOf(monthName as string);
  if (monthIndex % 3 !== 0 || hour > 23 || minute > 59 || second > 59) return null;

  let year = Number(yearText);
  if (yearText?.length === 2) {
    // A two-digit year more than 50 years ahead is one of the past century.
    const thisYear = new Date(now).getUTCFullYear();
    year += thisYear - (thisYear % 100);
    if (year > thisYear + 50) year -= 100;
  }
  const ms = Date.UTC(year, monthIndex / 3, day, hour, minute, second);
  // `Date.UTC` rolls 31 Feb over into March: such a day is not a date.
  return new Date(ms).getUTCDate() === day ? ms : null;
}
