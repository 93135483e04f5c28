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
  checkBoolean,
  checkInteger,
  checkJsonObject,
  checkKey,
  checkString,
  checkTimeoutMs,
  LIMITS,
  MAX_TIMER_MS,
  optional,
} from './internal/validate.js';
import type { AiResult, LeaseOutcome, LeaseStatusValue } from './types.js';
import {
  checkWaitOptions,
  TERMINAL_STATUSES,
  WAIT_OPTION_KEYS,
  type WaitOptions,
  waitForResult,
} from './wait.js';

export interface RunFnOptions extends WaitOptions {
  /** The lease's TTL in seconds (the API's unit). Default 300. */
  ttl?: number | undefined;
  /** Metadata stored with the lease; at most 2048 bytes as JSON. */
  metadata?: Record<string, unknown> | undefined;
  /**
   * How often the heartbeat extends the lease, in milliseconds. Default, and at most: a third of
   * the TTL the server granted (it may grant less than `ttl`).
   */
  extendEveryMs?: number | undefined;
  /**
   * When someone else holds the lease: wait for their result (`true`, the default) or return
   * `not_acquired` at once (`false`).
   */
  waitOnConflict?: boolean | undefined;
  /** The `error_code` stored when `fn` throws. Default `fn_error`. */
  errorCode?: string | undefined;
}

/**
 * How `runFn` ended. `ran`: this call held the lease and `fn` completed (`value` is what `fn`
 * returned; `result` is what the API stored: `fn`'s object, or `{ value }` for anything else;
 * should reading it back fail, the result this call completed the lease with);
 * `waited`: someone else held it and this call waited for their result; `finished`: the work on
 * the key had already ended; `not_acquired`: someone else holds it and `waitOnConflict` is false.
 */
export type RunFnResult<T = unknown> =
  | { outcome: 'ran'; result: AiResult; value: Awaited<T> }
  | { outcome: 'waited' | 'finished'; result: AiResult }
  | { outcome: 'not_acquired'; result: null; status: LeaseStatusValue };

/**
 * The lease was lost while `fn` ran: the heartbeat found it expired, taken over or finished, or
 * could not extend it before it ran out. `fn`'s signal was aborted with this error, and `runFn`
 * rejected at once, without waiting for `fn`. The work may have to be undone: another caller may
 * now hold the key.
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
// How many times a waiter whose holder let the lease expire tries to take the lease itself.
const MAX_ROUNDS = 3;
const RUN_FN_OWN_KEYS = [
  'ttl',
  'metadata',
  'extendEveryMs',
  'waitOnConflict',
  'errorCode',
] as const satisfies readonly (keyof RunFnOptions)[];
// A call, not a spread, so that bundlers can drop it where runFn is not used.
export const RUN_FN_OPTION_KEYS = /* @__PURE__ */ (WAIT_OPTION_KEYS as readonly string[]).concat(
  RUN_FN_OWN_KEYS,
);

/** `runFn`'s options, checked, with their defaults filled in. */
interface RunFnSettings {
  ttl: number;
  metadata: Record<string, unknown> | undefined;
  extendEveryMs: number;
  waitOnConflict: boolean;
  errorCode: string;
  signal: AbortSignal | undefined;
}

/** Checks every option of `runFn`, so that a bad one is refused before any request. */
export function checkRunFnOptions(options: RunFnOptions): RunFnSettings {
  const { signal } = checkWaitOptions(options, RUN_FN_OWN_KEYS);
  const ttl = checkInteger('ttl', options.ttl ?? DEFAULT_TTL_SEC, { min: 1 });
  const extendEveryMs = checkTimeoutMs(
    'extendEveryMs',
    options.extendEveryMs ?? Math.min(MAX_TIMER_MS, (ttl * 1000) / 3),
  );
  if (extendEveryMs >= ttl * 1000) {
    throw new InvalidInputError('extendEveryMs', `must be shorter than the TTL (${ttl} s)`);
  }
  return {
    ttl,
    metadata: optional('metadata', options.metadata, (field, value) =>
      checkJsonObject(field, value, LIMITS.metadataMaxBytes),
    ),
    extendEveryMs,
    waitOnConflict: checkBoolean('waitOnConflict', options.waitOnConflict ?? true),
    errorCode: checkString('errorCode', options.errorCode ?? 'fn_error', { max: 128 }),
    signal,
  };
}

export async function runFn<T>(
  ai: Ai,
  log: Log,
  key: string,
  fn: (signal: AbortSignal) => T | Promise<T>,
  options: RunFnOptions,
): Promise<RunFnResult<T>> {
  checkKey(key);
  if (typeof fn !== 'function') throw new InvalidInputError('fn', 'must be a function');
  const { ttl, metadata, extendEveryMs, waitOnConflict, errorCode, signal } =
    checkRunFnOptions(options);

  for (let round = 1; ; round++) {
    const requestedAt = Date.now();
    const lease = await ai.lease(
      { key, ttl, ...(metadata && { metadata }) },
      { ...(signal && { signal }) },
    );

    if (lease.status === 'acquired') {
      if (!lease.lease_id) {
        const info = { status: 200, headers: new Headers(), request_id: null };
        throw new InvalidResponseError('The lease was acquired without a lease_id', info, '');
      }
      // The server may grant less than asked (the plan's maximum): the heartbeat keeps to what
      // was granted, counted from before the request, to be on the safe side.
      const grantedSec = typeof lease.ttl === 'number' && lease.ttl > 0 ? lease.ttl : ttl;
      const held = { key, lease_id: lease.lease_id, ttl };
      const { value, stored } = await runUnderLease(ai, log, held, fn, {
        everyMs: Math.min(extendEveryMs, (grantedSec * 1000) / 3),
        validUntil: requestedAt + grantedSec * 1000,
        errorCode,
        signal,
      });
      // The work is done and stored: reading it back is not cancelled by the caller's signal.
      return { outcome: 'ran', result: await readBack(ai, log, stored), value };
    }

    if (TERMINAL_STATUSES.has(lease.status)) {
      return { outcome: 'finished', result: await ai.result(key, { ...(signal && { signal }) }) };
    }
    if (!waitOnConflict) {
      return { outcome: 'not_acquired', result: null, status: lease.status };
    }

    // The wait options are among runFn's; the wait takes them and leaves the others.
    const result = await waitForResult(ai, log, key, options, undefined, RUN_FN_OWN_KEYS);
    // The holder let its lease run out without finishing: the key can be taken again.
    if (result.status !== 'expired' || round === MAX_ROUNDS) return { outcome: 'waited', result };
  }
}

/**
 * The result as the API stores it, read back with `result(key)`. When that read fails, the
 * result this call completed the lease with: the work is stored, and `fn`'s value must not be
 * lost for want of a read.
 */
async function readBack(ai: Ai, log: Log, stored: AiResult): Promise<AiResult> {
  try {
    return await ai.result(stored.key);
  } catch (error) {
    log.warn(`could not read back the result of key ${stored.key} (${reasonOf(error)})`);
    return stored;
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface HeldLease {
  key: string;
  lease_id: string;
  /** The TTL asked for, in seconds; each extend asks for it again. */
  ttl: number;
}

interface LeaseRunOptions {
  everyMs: number;
  /** When the lease runs out unless extended (ms since the epoch). */
  validUntil: number;
  errorCode: string;
  signal: AbortSignal | undefined;
}

/**
 * Runs `fn` while a heartbeat extends the lease, then stores its result with `complete`.
 * Resolves to `fn`'s value and the result as stored.
 * - A lost lease aborts `fn`'s signal and rejects with `LeaseLostError` at once, without
 *   waiting for `fn`; whatever `fn` later returns or throws is ignored, and nothing is stored.
 * - `fn` throwing marks the lease failed (`errorCode`) and rethrows `fn`'s error.
 * - The caller aborting aborts `fn`'s signal. The heartbeat goes on until `fn` settles (a
 *   lease dropped under running work would let a second worker start); a result `fn` still
 *   returns is completed as usual, and a rejection leaves the lease to expire rather than
 *   marking it failed, which would block the key for the days the API keeps failed leases.
 */
async function runUnderLease<T>(
  ai: Ai,
  log: Log,
  lease: HeldLease,
  fn: (signal: AbortSignal) => T | Promise<T>,
  options: LeaseRunOptions,
): Promise<{ value: Awaited<T>; stored: AiResult }> {
  const { signal } = options;
  const work = new AbortController();
  const onCallerAbort = () => work.abort(signal?.reason);
  if (signal?.aborted) onCallerAbort();
  else signal?.addEventListener('abort', onCallerAbort, { once: true });
  let lost: LeaseLostError | null = null;
  let heartbeat!: Heartbeat;
  const leaseLost = new Promise<never>((_, reject) => {
    heartbeat = new Heartbeat(ai, log, lease, options, (error) => {
      lost = error;
      work.abort(error);
      reject(error);
    });
  });

  let value: Awaited<T>;
  try {
    heartbeat.start();
    // A race rather than a plain await: a lost lease ends the call even while `fn` ignores its
    // signal. The race handles `fn`'s late settling too, so it is never an unhandled rejection.
    const running = (async () => fn(work.signal))();
    try {
      value = await Promise.race([running, leaseLost]);
    } catch (error) {
      if (lost) throw lost;
      if (signal?.aborted) throw new AbortError({ cause: signal.reason });
      await failLease(ai, log, lease, options.errorCode);
      throw error;
    }
  } finally {
    heartbeat.stop();
    signal?.removeEventListener('abort', onCallerAbort);
  }
  if (lost) throw lost;

  let result: Record<string, unknown> | undefined;
  try {
    result = resultObject(value);
  } catch (error) {
    await failLease(ai, log, lease, 'result_invalid');
    throw new InvalidInputError('fn result', `cannot be stored: ${(error as Error).message}`);
  }
  const outcome = await completeLease(ai, lease, result);
  const stored: AiResult = {
    ok: true,
    status: 'completed',
    key: lease.key,
    result: result ?? null,
    result_hash: outcome?.result_hash ?? null,
    error_code: null,
    done_at: outcome?.done_at ?? null,
  };
  return { value, stored };
}

/**
 * Completes the lease with `result`. Resolves to the API's answer, or `null` when a retried
 * complete found the lease already completed by its own first attempt.
 */
async function completeLease(
  ai: Ai,
  lease: HeldLease,
  result: Record<string, unknown> | undefined,
): Promise<LeaseOutcome | null> {
  try {
    return await ai.complete({
      key: lease.key,
      lease_id: lease.lease_id,
      ...(result && { result }),
    });
  } catch (error) {
    // A retried complete whose first attempt went through finds the lease already completed.
    const detail = error instanceof ConflictError ? error.detail : undefined;
    if (typeof detail === 'object' && !Array.isArray(detail) && detail.status === 'completed') {
      return null;
    }
    if (error instanceof NotFoundError || error instanceof ConflictError) {
      throw new LeaseLostError(lease.key, { cause: error });
    }
    throw error;
  }
}

/**
 * Marks the lease failed after `fn` threw. `fn`'s error is what the caller must see, so a
 * failure here is logged rather than thrown; the lease then ends by expiry.
 */
async function failLease(ai: Ai, log: Log, lease: HeldLease, errorCode: string): Promise<void> {
  try {
    await ai.fail({ key: lease.key, lease_id: lease.lease_id, error_code: errorCode });
  } catch (error) {
    log.warn(
      `could not mark the lease on key ${lease.key} failed (${reasonOf(error)}); it will expire`,
    );
  }
}

/**
 * `fn`'s value as the `result` object the API stores: a JSON object as it is, anything else
 * wrapped as `{ value }`, nothing for `undefined` and `null`. Throws when it is not JSON.
 */
function resultObject(value: unknown): Record<string, unknown> | undefined {
  const json = JSON.stringify(value);
  if (json === undefined || value === null) return undefined;
  const parsed: unknown = JSON.parse(json);
  const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  return isObject ? (parsed as Record<string, unknown>) : { value: parsed };
}

/**
 * Extends a held lease every `everyMs` (the first time one interval after acquiring it, which
 * set the full TTL), and knows until when the lease is valid. 404 and 409 mean the lease is
 * lost; so does reaching the end of its validity without a successful extend. Either way
 * `onLost` is called and the heartbeat stops. Other failures are logged and retried sooner.
 * Each extend may take no longer than the time the lease has left; extends never overlap;
 * `stop()` cancels the pending timer and any extend in flight.
 */
class Heartbeat {
  readonly #ai: Ai;
  readonly #log: Log;
  readonly #lease: HeldLease;
  readonly #everyMs: number;
  readonly #onLost: (error: LeaseLostError) => void;
  #validUntil: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #inFlight: AbortController | undefined;
  #stopped = false;

  constructor(
    ai: Ai,
    log: Log,
    lease: HeldLease,
    options: { everyMs: number; validUntil: number },
    onLost: (error: LeaseLostError) => void,
  ) {
    this.#ai = ai;
    this.#log = log;
    this.#lease = lease;
    this.#everyMs = options.everyMs;
    this.#validUntil = options.validUntil;
    this.#onLost = onLost;
  }

  start(): void {
    this.#schedule(this.#everyMs);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#inFlight?.abort();
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    const untilExpiry = Math.max(0, this.#validUntil - Date.now());
    const wait = Math.min(delayMs, untilExpiry, MAX_TIMER_MS);
    this.#timer = setTimeout(() => void this.#beat(), wait);
  }

  async #beat(): Promise<void> {
    const { key, lease_id, ttl } = this.#lease;
    const startedAt = Date.now();
    const timeLeftMs = this.#validUntil - startedAt;
    if (timeLeftMs <= 0) {
      this.#lose(new Error(`no extend succeeded before the lease ran out`));
      return;
    }

    this.#inFlight = new AbortController();
    try {
      // One attempt, bounded by the time left: the heartbeat does its own retrying.
      const extended = await this.#ai.extend(
        { key, lease_id, ttl },
        { signal: this.#inFlight.signal, timeoutMs: timeLeftMs, maxRetries: 0 },
      );
      const grantedSec = typeof extended.ttl === 'number' && extended.ttl > 0 ? extended.ttl : ttl;
      this.#validUntil = startedAt + grantedSec * 1000;
      // A server granting less time than before gets its next extend sooner.
      this.#schedule(Math.min(this.#everyMs, (grantedSec * 1000) / 3));
    } catch (error) {
      if (this.#stopped) return;
      if (error instanceof NotFoundError || error instanceof ConflictError) {
        this.#lose(error);
        return;
      }
      if (Date.now() >= this.#validUntil) {
        this.#lose(error);
        return;
      }
      this.#log.warn(
        `heartbeat of the lease on key ${key} failed (${reasonOf(error)}); trying again`,
      );
      this.#schedule(Math.min(this.#everyMs, HEARTBEAT_RETRY_MS));
    }
  }

  #lose(cause: unknown): void {
    this.#stopped = true;
    this.#onLost(new LeaseLostError(this.#lease.key, { cause }));
  }
}
