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
    super(
      endedAs
        ? `The work on key ${key} ended ${endedAs}, but reading its result did not finish ` +
            `within ${timeoutMs} ms.`
        : `The work on key ${key} did not end within ${timeoutMs} ms` +
            `${lastStatus ? `; last status ${lastStatus.status}` : ''}.`,
    );
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
  const onStatus = optional('onStatus', options.onStatus, (field, value) => {
    if (typeof value !== 'function') throw new InvalidInputError(field, 'must be a function');
    return value as (status: LeaseStatus) => unknown;
  });
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
 * a passing reason (no connection, a timeout, 408, 429, 5xx) is logged and tried again at the
 * next poll until the deadline; any other failure rejects at once.
 */
export async function waitForResult(
  ai: Ai,
  log: Log,
  key: string,
  options: WaitOptions,
  start?: (signal: AbortSignal) => PromiseLike<LeaseState>,
  extraKeys: readonly string[] = [],
): Promise<AiResult> {
  const settings = checkWaitOptions(options, extraKeys);
  const deadline = new Deadline(settings.timeoutMs, settings.signal);
  const { signal } = deadline;
  const pace = new Pace(settings.minIntervalMs, settings.maxIntervalMs);
  // A read that failed for a passing reason is tried again after the next pause.
  const pauseAfter = async (read: string, error: unknown): Promise<void> => {
    if (signal.aborted || !isPassingFailure(error)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    log.warn(
      `reading the ${read} of key ${key} failed (${reason}); trying again until the deadline`,
    );
    await pace.wait(error instanceof RateLimitError ? error.retryAfterMs : null, signal);
  };
  let lastStatus: LeaseStatus | null = null;
  let endedAs: LeaseStatusValue | null = null;

  try {
    if (start) {
      const state = await start(signal);
      if (TERMINAL_STATUSES.has(state.status)) endedAs = state.status;
    }

    while (endedAs === null) {
      let status: LeaseStatus;
      try {
        status = await ai.status(key, { signal });
      } catch (error) {
        await pauseAfter('status', error);
        continue;
      }
      lastStatus = status;
      await report(settings.onStatus, status, signal);
      if (TERMINAL_STATUSES.has(status.status)) endedAs = status.status;
      else await pace.wait(hintMs(status), signal);
    }

    for (;;) {
      try {
        return await ai.result(key, { signal });
      } catch (error) {
        await pauseAfter('result', error);
      }
    }
  } catch (error) {
    if (error instanceof OnStatusFailure) throw error.error;
    if (deadline.expired) throw new WaitTimeoutError(key, settings.timeoutMs, lastStatus, endedAs);
    throw error;
  } finally {
    deadline.dispose();
  }
}

/**
 * The waits between reads: doubling from the shortest to the longest, or the server's hint
 * within those bounds (the doubling goes on underneath it).
 */
class Pace {
  readonly #min: number;
  readonly #max: number;
  #next: number;

  constructor(minMs: number, maxMs: number) {
    this.#min = minMs;
    this.#max = maxMs;
    this.#next = minMs;
  }

  async wait(hintMs: number | null, signal: AbortSignal): Promise<void> {
    const wanted = hintMs ?? this.#next;
    this.#next = Math.min(this.#max, this.#next * 2);
    await sleep(Math.min(this.#max, Math.max(this.#min, wanted)), signal);
  }
}

function hintMs(status: LeaseStatus): number | null {
  const hint = status.retry_after_sec;
  return typeof hint === 'number' && hint >= 0 ? hint * 1000 : null;
}

/** A failure that a later read may not meet: no connection, a timeout, 408, 429 or a 5xx. */
function isPassingFailure(error: unknown): boolean {
  if (error instanceof ConnectionError) return true;
  if (!(error instanceof ApiError)) return false;
  return error.status === 408 || error.status === 429 || error.status >= 500;
}

/** What `onStatus` threw: it reaches the caller as it is, not as a timeout or an abort. */
class OnStatusFailure {
  constructor(readonly error: unknown) {}
}

/**
 * Calls `onStatus` and awaits a promise it returns, but only until `signal` aborts: a callback
 * that never settles cannot hold the wait past its deadline. A rejection after that is ignored.
 */
async function report(
  onStatus: WaitSettings['onStatus'],
  status: LeaseStatus,
  signal: AbortSignal,
): Promise<void> {
  if (!onStatus) return;
  let returned: unknown;
  try {
    returned = onStatus(status);
  } catch (error) {
    throw new OnStatusFailure(error);
  }
  if (!isThenable(returned)) return;

  await new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(new AbortError({ cause: signal.reason }));
    Promise.resolve(returned).then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(new OnStatusFailure(error));
      },
    );
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
