import type { Ai } from './ai.js';
import {
  AbortError,
  ConflictError,
  InvalidInputError,
  InvalidResponseError,
  NotFoundError,
  OnceOnlyError,
} from './errors.js';
import type { Log } from './internal/log.js';
import {
  checkInteger,
  checkKey,
  checkKnownKeys,
  checkObject,
  checkSignal,
  checkString,
  checkTimeoutMs,
  optional,
} from './internal/validate.js';
import type { AiResult, LeaseStatusValue } from './types.js';
import { TERMINAL_STATUSES, WAIT_OPTION_KEYS, type WaitOptions } from './wait.js';

export interface RunFnOptions extends WaitOptions {
  /** The lease's TTL in seconds (the API's unit). Default 300. */
  ttl?: number | undefined;
  /** Metadata stored with the lease. */
  metadata?: Record<string, unknown> | undefined;
  /** How often the heartbeat extends the lease, in milliseconds. Default: a third of `ttl`. */
  extendEveryMs?: number | undefined;
  /** When someone else holds the lease: wait for their result (default) or return at once. */
  waitOnConflict?: boolean | undefined;
  /** The `error_code` stored when `fn` throws. Default `fn_error`. */
  errorCode?: string | undefined;
}

/**
 * How `runFn` ended. `ran`: this call held the lease and `fn` completed (`value` is what `fn`
 * returned; `result` is what the API stored: `fn`'s object, or `{ value }` for anything else);
 * `waited`: someone else held it and this call waited for their result; `finished`: the work on
 * the key had already ended; `not_acquired`: someone else holds it and `waitOnConflict` is false.
 */
export type RunFnResult<T = unknown> =
  | { outcome: 'ran'; result: AiResult; value: Awaited<T> }
  | { outcome: 'waited' | 'finished'; result: AiResult }
  | { outcome: 'not_acquired'; result: null; status: LeaseStatusValue };

/**
 * The lease was lost while `fn` ran: the heartbeat found it expired, taken over or finished
 * (or completing it did). `fn`'s signal was aborted with this error. The work may have to be
 * undone: another caller may now hold the key.
 */
export class LeaseLostError extends OnceOnlyError {
  override name = 'LeaseLostError';

  constructor(
    readonly key: string,
    options: { cause: unknown },
  ) {
    super(`The lease on key ${key} was lost while the work ran.`, options);
  }
}

const DEFAULT_TTL_SEC = 300;
// A heartbeat that failed for a passing reason tries again sooner than its usual interval.
const HEARTBEAT_RETRY_MS = 5_000;

const RUN_FN_OPTION_KEYS = [
  ...WAIT_OPTION_KEYS,
  'ttl',
  'metadata',
  'extendEveryMs',
  'waitOnConflict',
  'errorCode',
] as const satisfies readonly (keyof RunFnOptions)[];

export async function runFn<T>(
  ai: Ai,
  log: Log,
  key: string,
  fn: (signal: AbortSignal) => T | Promise<T>,
  options: RunFnOptions,
): Promise<RunFnResult<T>> {
  checkKey(key);
  checkKnownKeys('options', checkObject('options', options), RUN_FN_OPTION_KEYS);
  optional('options.signal', options.signal, checkSignal);
  if (typeof fn !== 'function') throw new InvalidInputError('fn', 'must be a function');
  const ttl = checkInteger('ttl', options.ttl ?? DEFAULT_TTL_SEC, { min: 1 });
  const extendEveryMs = checkTimeoutMs('extendEveryMs', options.extendEveryMs ?? (ttl * 1000) / 3);
  if (extendEveryMs >= ttl * 1000) {
    throw new InvalidInputError('extendEveryMs', `must be shorter than the TTL (${ttl} s)`);
  }
  const errorCode = checkString('errorCode', options.errorCode ?? 'fn_error', { max: 128 });
  const { signal } = options;

  const lease = await ai.lease(
    { key, ttl, ...(options.metadata && { metadata: options.metadata }) },
    { ...(signal && { signal }) },
  );

  if (lease.status === 'acquired') {
    if (!lease.lease_id) {
      const info = { status: 200, headers: new Headers(), request_id: null };
      throw new InvalidResponseError('The lease was acquired without a lease_id', info, '');
    }
    const value = await runUnderLease(ai, log, { key, lease_id: lease.lease_id, ttl }, fn, {
      extendEveryMs,
      errorCode,
      signal,
    });
    const result = await ai.result(key, { ...(signal && { signal }) });
    return { outcome: 'ran', result, value };
  }

  if (TERMINAL_STATUSES.has(lease.status)) {
    return { outcome: 'finished', result: await ai.result(key, { ...(signal && { signal }) }) };
  }
  if (options.waitOnConflict === false) {
    return { outcome: 'not_acquired', result: null, status: lease.status };
  }
  const waitOptions = Object.fromEntries(
    WAIT_OPTION_KEYS.filter((name) => options[name] !== undefined).map((name) => [
      name,
      options[name],
    ]),
  );
  return { outcome: 'waited', result: await ai.wait(key, waitOptions) };
}

interface HeldLease {
  key: string;
  lease_id: string;
  ttl: number;
}

/**
 * Runs `fn` while a heartbeat extends the lease, then completes or fails the lease. A lost
 * lease aborts `fn`'s signal and rejects with `LeaseLostError`; `fn`'s own error is rethrown
 * after the lease is marked failed.
 */
async function runUnderLease<T>(
  ai: Ai,
  log: Log,
  lease: HeldLease,
  fn: (signal: AbortSignal) => T | Promise<T>,
  options: { extendEveryMs: number; errorCode: string; signal: AbortSignal | undefined },
): Promise<Awaited<T>> {
  const work = new AbortController();
  const onCallerAbort = () => work.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  let lost: LeaseLostError | null = null;
  const heartbeat = new Heartbeat(ai, log, lease, options.extendEveryMs, (error) => {
    lost = error;
    work.abort(error);
  });

  let value: Awaited<T>;
  try {
    heartbeat.start();
    try {
      value = await fn(work.signal);
    } catch (error) {
      if (lost) throw lost;
      await failLease(ai, log, lease, options.signal?.aborted ? 'aborted' : options.errorCode);
      if (options.signal?.aborted) throw new AbortError({ cause: options.signal.reason });
      throw error;
    }
  } finally {
    heartbeat.stop();
    options.signal?.removeEventListener('abort', onCallerAbort);
  }

  if (lost) throw lost;
  try {
    await ai.complete({ key: lease.key, lease_id: lease.lease_id, ...resultField(value) });
  } catch (error) {
    if (error instanceof NotFoundError || error instanceof ConflictError) {
      throw new LeaseLostError(lease.key, { cause: error });
    }
    throw error;
  }
  return value;
}

/**
 * Marks the lease failed after `fn` threw. `fn`'s error is what the caller must see, so a
 * failure here is logged rather than thrown; the lease then ends by expiry.
 */
async function failLease(ai: Ai, log: Log, lease: HeldLease, errorCode: string): Promise<void> {
  try {
    await ai.fail({ key: lease.key, lease_id: lease.lease_id, error_code: errorCode });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log.warn(`could not mark the lease on key ${lease.key} failed (${reason}); it will expire`);
  }
}

/** `fn`'s value as the `result` object the API stores: objects as they are, others wrapped. */
function resultField(value: unknown): { result?: Record<string, unknown> | undefined } {
  if (value === undefined || value === null) return {};
  if (typeof value === 'object' && !Array.isArray(value)) {
    return { result: value as Record<string, unknown> };
  }
  return { result: { value } };
}

/**
 * Extends a held lease every `everyMs` (the first time one interval after acquiring it, which
 * set the full TTL). 404 and 409 mean the lease is lost: `onLost` is called and it stops. Other
 * failures are logged and retried sooner. Extends never overlap; `stop()` cancels the pending
 * timer and any extend in flight.
 */
class Heartbeat {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #inFlight: AbortController | undefined;
  #stopped = false;

  constructor(
    private readonly ai: Ai,
    private readonly log: Log,
    private readonly lease: HeldLease,
    private readonly everyMs: number,
    private readonly onLost: (error: LeaseLostError) => void,
  ) {}

  start(): void {
    this.#schedule(this.everyMs);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#inFlight?.abort();
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#beat(), delayMs);
  }

  async #beat(): Promise<void> {
    const { key, lease_id, ttl } = this.lease;
    this.#inFlight = new AbortController();
    try {
      await this.ai.extend({ key, lease_id, ttl }, { signal: this.#inFlight.signal });
      this.#schedule(this.everyMs);
    } catch (error) {
      if (this.#stopped) return;
      if (error instanceof NotFoundError || error instanceof ConflictError) {
        this.#stopped = true;
        this.onLost(new LeaseLostError(key, { cause: error }));
        return;
      }
      const reason = error instanceof Error ? error.message : String(error);
      this.log.warn(`heartbeat of the lease on key ${key} failed (${reason}); trying again`);
      this.#schedule(Math.min(this.everyMs, HEARTBEAT_RETRY_MS));
    }
  }
}
