import type { Ai } from './ai.js';
import {
  AbortError,
  ApiError,
  ConnectionError,
  InvalidInputError,
  OnceOnlyError,
  RateLimitError,
} from './errors.js';
import { Deadline } from './internal/deadline.js';
import type { Log } from './internal/log.js';
import { isRetryableStatus } from './internal/retry.js';
import { sleep } from './internal/sleep.js';
import {
  checkKnownKeys,
  checkObject,
  checkSignal,
  checkTimeoutMs,
  optional,
} from './internal/validate.js';
import type { AiResult, LeaseState, LeaseStatus, LeaseStatusValue } from './types.js';

export interface WaitOptions {
  /** The overall deadline in milliseconds, status calls included. Default 60000. */
  timeoutMs?: number | undefined;
  /** The first wait between two status calls, and the shortest, in milliseconds. Default 500. */
  pollIntervalMs?: number | undefined;
  /** The longest wait between two status calls, in milliseconds. Default 5000. */
  maxPollIntervalMs?: number | undefined;
  /** Cancels the wait, including a status call in flight. */
  signal?: AbortSignal | undefined;
  /**
   * Called with every status read, e.g. to show progress. A promise it returns is awaited, but
   * no longer than the deadline and `signal` allow. What it throws (or rejects with) rejects the
   * wait as it is.
   */
  onStatus?: ((status: LeaseStatus) => unknown) | undefined;
}

/**
 * The deadline passed: the work on the key did not end in time (it may still end later), or it
 * ended but reading its result did not finish in time (`endedAs` says how it ended; read the
 * result with `ai.result(key)`).
 */
export class WaitTimeoutError extends OnceOnlyError {
  override name = 'WaitTimeoutError';

  constructor(
    readonly key: string,
    readonly timeoutMs: number,
    /** The last status read, or `null` when none arrived in time. */
    readonly lastStatus: LeaseStatus | null,
    /** The terminal status the work ended with, or `null` when it had not ended. */
    readonly endedAs: LeaseStatusValue | null = null,
  ) {
    const what = endedAs
      ? `ended ${endedAs}, but reading its result did not finish`
      : 'did not end';
    const last = !endedAs && lastStatus ? `; last status ${lastStatus.status}` : '';
    super(`The work on key ${key} ${what} within ${timeoutMs} ms${last}.`);
  }
}

/** Statuses after which the work on a key does not change any more. */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set([
  'completed',
  'failed',
  'cancelled',
  'expired',
]);

const DEFAULTS = { timeoutMs: 60_000, pollIntervalMs: 500, maxPollIntervalMs: 5_000 };

export const WAIT_OPTION_KEYS = [
  'timeoutMs',
  'pollIntervalMs',
  'maxPollIntervalMs',
  'signal',
  'onStatus',
] as const satisfies readonly (keyof WaitOptions)[];

/** Wait options, checked, with their defaults filled in. */
export interface WaitSettings {
  timeoutMs: number;
  minIntervalMs: number;
  maxIntervalMs: number;
  signal: AbortSignal | undefined;
  onStatus: ((status: LeaseStatus) => unknown) | undefined;
}

/**
 * Checks wait options (and refuses keys that are neither theirs nor in `extraKeys`), so that a
 * bad option is refused before any request.
 */
export function checkWaitOptions(
  options: WaitOptions,
  extraKeys: readonly string[] = [],
): WaitSettings {
  checkKnownKeys('options', checkObject('options', options), [...WAIT_OPTION_KEYS, ...extraKeys]);
  const signal = optional('options.signal', options.signal, checkSignal);
  const { onStatus } = options;
  if (onStatus !== undefined && typeof onStatus !== 'function') {
    throw new InvalidInputError('onStatus', 'must be a function');
  }
  const timeoutMs = checkTimeoutMs('timeoutMs', options.timeoutMs ?? DEFAULTS.timeoutMs);
  const minIntervalMs = checkTimeoutMs(
    'pollIntervalMs',
    options.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
  );
  const maxIntervalMs = checkTimeoutMs(
    'maxPollIntervalMs',
    options.maxPollIntervalMs ?? Math.max(DEFAULTS.maxPollIntervalMs, minIntervalMs),
  );
  if (maxIntervalMs < minIntervalMs) {
    throw new InvalidInputError('maxPollIntervalMs', 'must not be below pollIntervalMs');
  }
  return { timeoutMs, minIntervalMs, maxIntervalMs, signal, onStatus };
}

/**
 * Polls the key's status until a terminal one and returns its result. With `start`, first
 * starts the work (a keyed run) under the same deadline. A status or result read that fails for
 * a passing reason (no connection, a timeout, 408, 429, 5xx) is logged and tried again after
 * the next pause, until the deadline; any other failure rejects at once.
 */
export async function waitForResult(
  ai: Ai,
  log: Log,
  key: string,
  options: WaitOptions,
  start?: (signal: AbortSignal) => PromiseLike<LeaseState>,
  extraKeys: readonly string[] = [],
): Promise<AiResult> {
  const {
    timeoutMs,
    minIntervalMs: min,
    maxIntervalMs: max,
    ...rest
  } = checkWaitOptions(options, extraKeys);
  const deadline = new Deadline(timeoutMs, rest.signal);
  const { signal } = deadline;
  let lastStatus: LeaseStatus | null = null;
  let endedAs: LeaseStatusValue | null = null;

  // The server's hint wins within the bounds; without one, the pause doubles each time.
  let interval = min;
  const pause = (hintMs: number | null) => {
    const ms = Math.min(max, Math.max(min, hintMs ?? interval));
    interval = Math.min(max, interval * 2);
    return sleep(ms, signal);
  };
  const read = async <T>(what: string, call: () => PromiseLike<T>): Promise<T> => {
    for (;;) {
      try {
        return await call();
      } catch (error) {
        if (signal.aborted || !isPassingFailure(error)) throw error;
        log.warn(`reading the ${what} of key ${key} failed (${error.message}); polling on`);
        await pause(error instanceof RateLimitError ? error.retryAfterMs : null);
      }
    }
  };

  // What onStatus throws is marked, to reach the caller as it is. A synchronous throw rejects
  // at once, so it wins the race below even against a deadline that passed while it ran.
  const report = async (status: LeaseStatus) => {
    try {
      await rest.onStatus?.(status);
    } catch (error) {
      throw new OnStatusFailure(error);
    }
  };
  // Rejects once the wait is cancelled or out of time: an onStatus that never settles cannot
  // hold the wait, and one that rejects later is ignored (the race handles its rejection).
  const cancelled = new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(new AbortError({ cause: signal.reason })));
  });
  cancelled.catch(() => {});

  try {
    if (start) {
      const { status } = await start(signal);
      if (TERMINAL_STATUSES.has(status)) endedAs = status;
    }
    while (!endedAs) {
      const status = await read('status', () => ai.status(key, { signal }));
      lastStatus = status;
      await Promise.race([report(status), cancelled]);
      const hint = status.retry_after_sec;
      if (TERMINAL_STATUSES.has(status.status)) endedAs = status.status;
      else await pause(typeof hint === 'number' && hint >= 0 ? hint * 1000 : null);
    }
    return await read('result', () => ai.result(key, { signal }));
  } catch (error) {
    if (error instanceof OnStatusFailure) throw error.error;
    if (deadline.expired) throw new WaitTimeoutError(key, timeoutMs, lastStatus, endedAs);
    throw error;
  } finally {
    deadline.dispose();
  }
}

/**
 * A failure that a later read may not meet: the ones the transport retries a read after (no
 * connection, a timeout, 408, 429, 500, 502, 503, 504).
 */
function isPassingFailure(error: unknown): error is Error {
  if (error instanceof ConnectionError) return true;
  return error instanceof ApiError && isRetryableStatus(error.status, 'safe');
}

/** What `onStatus` threw: it reaches the caller as it is, not as a timeout or an abort. */
class OnStatusFailure {
  constructor(readonly error: unknown) {}
}
