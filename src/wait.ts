import type { Ai } from './ai.js';
import { InvalidInputError, OnceOnlyError } from './errors.js';
import { Deadline } from './internal/deadline.js';
import { sleep } from './internal/sleep.js';
import {
  checkKnownKeys,
  checkObject,
  checkSignal,
  checkTimeoutMs,
  optional,
} from './internal/validate.js';
import type { AiResult, LeaseState, LeaseStatus } from './types.js';

export interface WaitOptions {
  /** The overall deadline in milliseconds, status calls included. Default 60000. */
  timeoutMs?: number | undefined;
  /** The first wait between two status calls, and the shortest, in milliseconds. Default 500. */
  pollIntervalMs?: number | undefined;
  /** The longest wait between two status calls, in milliseconds. Default 5000. */
  maxPollIntervalMs?: number | undefined;
  /** Cancels the wait, including a status call in flight. */
  signal?: AbortSignal | undefined;
  /** Called with every status read, e.g. to show progress; a promise it returns is awaited. */
  onStatus?: ((status: LeaseStatus) => unknown) | undefined;
}

/** The work on the key did not end before the deadline. It may still end later. */
export class WaitTimeoutError extends OnceOnlyError {
  override name = 'WaitTimeoutError';

  constructor(
    readonly key: string,
    readonly timeoutMs: number,
    /** The last status read, or `null` when none arrived in time. */
    readonly lastStatus: LeaseStatus | null,
  ) {
    const last = lastStatus ? `; last status ${lastStatus.status}` : '';
    super(`The work on key ${key} did not end within ${timeoutMs} ms${last}.`);
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

/**
 * Polls the key's status until a terminal one and returns its result. With `start`, first
 * starts the work (a keyed run) under the same deadline.
 */
export async function waitForResult(
  ai: Ai,
  key: string,
  options: WaitOptions,
  start?: (signal: AbortSignal) => PromiseLike<LeaseState>,
  extraKeys: readonly string[] = [],
): Promise<AiResult> {
  checkKnownKeys('options', checkObject('options', options), [...WAIT_OPTION_KEYS, ...extraKeys]);
  optional('options.signal', options.signal, checkSignal);
  const timeoutMs = checkTimeoutMs('timeoutMs', options.timeoutMs ?? DEFAULTS.timeoutMs);
  const minInterval = checkTimeoutMs(
    'pollIntervalMs',
    options.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
  );
  const maxInterval = checkTimeoutMs(
    'maxPollIntervalMs',
    options.maxPollIntervalMs ?? Math.max(DEFAULTS.maxPollIntervalMs, minInterval),
  );
  if (maxInterval < minInterval) {
    throw new InvalidInputError('maxPollIntervalMs', 'must not be below pollIntervalMs');
  }

  const deadline = new Deadline(timeoutMs, options.signal);
  const { signal } = deadline;
  let lastStatus: LeaseStatus | null = null;
  try {
    if (start && TERMINAL_STATUSES.has((await start(signal)).status)) {
      return await ai.result(key, { signal });
    }

    let interval = minInterval;
    for (;;) {
      lastStatus = await ai.status(key, { signal });
      await options.onStatus?.(lastStatus);
      if (TERMINAL_STATUSES.has(lastStatus.status)) return await ai.result(key, { signal });

      // The server's hint wins within the bounds; without one, the wait doubles each time.
      const hint = lastStatus.retry_after_sec;
      const wanted = typeof hint === 'number' && hint >= 0 ? hint * 1000 : interval;
      await sleep(Math.min(maxInterval, Math.max(minInterval, wanted)), signal);
      interval = Math.min(maxInterval, interval * 2);
    }
  } catch (error) {
    if (deadline.expired) throw new WaitTimeoutError(key, timeoutMs, lastStatus);
    throw error;
  } finally {
    deadline.dispose();
  }
}
