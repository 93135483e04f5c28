import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AbortError,
  ConflictError,
  InvalidInputError,
  InvalidResponseError,
  LeaseLostError,
  NotFoundError,
  type RunFnOptions,
} from '../../src/index.js';
import {
  after,
  aiResult,
  apiError,
  connectionFailure,
  json,
  leaseState,
  leaseStatus,
  type Reply,
  type Script,
  type ScriptedApi,
  scriptedApi,
  settle,
} from '../support/scripted-api.js';

const KEY = 'report:2026-03';
const LEASE = 'POST /v1/ai/lease';
const EXTEND = 'POST /v1/ai/extend';
const COMPLETE = 'POST /v1/ai/complete';
const FAIL = 'POST /v1/ai/fail';
const STATUS = 'GET /v1/ai/status';
const RESULT = 'GET /v1/ai/result';
const DONE = aiResult(KEY, 'completed', { result: { rows: 3 } });
const OUTCOME = { ok: true, status: 'completed', key: KEY, lease_id: 'lease_1' };

/** A fake API on which the lease on KEY is acquired (`lease_1`) and everything succeeds. */
function leaseApi(overrides: Script = {}): ScriptedApi {
  return scriptedApi({
    [LEASE]: json(leaseState(KEY, 'acquired', { lease_id: 'lease_1' })),
    [EXTEND]: json({ ok: true, status: 'extended', key: KEY, ttl: 300, version: 2 }),
    [COMPLETE]: json(OUTCOME),
    [FAIL]: json({ ...OUTCOME, status: 'failed', error_code: 'fn_error' }),
    [STATUS]: json(leaseStatus(KEY, 'completed')),
    [RESULT]: json(DONE),
    ...overrides,
  });
}

/** A piece of work that takes `ms` of fake time, or rejects when its signal aborts. */
function workFor<T>(ms: number, value: T) {
  return (signal: AbortSignal) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => resolve(value), ms);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    });
}

function runFn<T>(api: ScriptedApi, fn: (signal: AbortSignal) => T, options: RunFnOptions = {}) {
  return settle(api.client({ maxRetries: 0 }).ai.runFn(KEY, fn, options));
}

let start = 0;
const since = (api: ScriptedApi, route: string) => api.to(route).map((r) => r.at - start);

beforeEach(() => {
  vi.useFakeTimers();
  start = Date.now();
});

afterEach(() => {
  expect(vi.getTimerCount()).toBe(0);
  vi.useRealTimers();
});

describe('runFn when it acquires the lease', () => {
  it('runs fn with an AbortSignal, completes with its result and gives /v1/ai/result', async () => {
    const api = leaseApi();
    let received: unknown;
    const outcome = runFn(api, (signal) => {
      received = signal;
      return { rows: 3 };
    });
    await vi.advanceTimersByTimeAsync(0);

    expect(received).toBeInstanceOf(AbortSignal);
    expect((received as AbortSignal).aborted).toBe(false);
    expect(api.routes()).toEqual([LEASE, COMPLETE, RESULT]);
    expect(api.to(LEASE)[0]?.body).toStrictEqual({ key: KEY, ttl: 300 });
    expect(api.to(COMPLETE)[0]?.body).toStrictEqual({
      key: KEY,
      lease_id: 'lease_1',
      result: { rows: 3 },
    });
    expect(outcome.value).toEqual({ outcome: 'ran', result: DONE, value: { rows: 3 } });
  });

  it('sends the ttl and metadata it is given with the lease', async () => {
    const api = leaseApi();
    runFn(api, () => ({}), { ttl: 60, metadata: { by: 'cron' } });
    await vi.advanceTimersByTimeAsync(0);
    expect(api.to(LEASE)[0]?.body).toStrictEqual({ key: KEY, ttl: 60, metadata: { by: 'cron' } });
  });

  it.each([
    ['a number', 42],
    ['a string', 'done'],
    ['a boolean', false],
    ['an array', [1, 2]],
  ])('wraps %s result as { value }', async (_, value) => {
    const api = leaseApi();
    runFn(api, () => value);
    await vi.advanceTimersByTimeAsync(0);
    expect(api.body(COMPLETE).result).toStrictEqual({ value });
  });

  it('sends no result field when fn returns undefined', async () => {
    const api = leaseApi();
    const outcome = runFn(api, () => undefined);
    await vi.advanceTimersByTimeAsync(0);
    expect(api.to(COMPLETE)[0]?.body).toStrictEqual({ key: KEY, lease_id: 'lease_1' });
    expect(outcome.value).toEqual({ outcome: 'ran', result: DONE, value: undefined });
  });

  it('awaits an async fn before completing', async () => {
    const api = leaseApi();
    const outcome = runFn(api, workFor(2000, { rows: 9 }), { extendEveryMs: 5000 });
    await vi.advanceTimersByTimeAsync(1999);
    expect(api.to(COMPLETE)).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(since(api, COMPLETE)).toEqual([2000]);
    expect(api.body(COMPLETE).result).toEqual({ rows: 9 });
    expect(outcome.value).toEqual({ outcome: 'ran', result: DONE, value: { rows: 9 } });
  });

  it('refuses an acquired answer without lease_id (InvalidResponseError)', async () => {
    const api = leaseApi({ [LEASE]: json(leaseState(KEY, 'acquired', { lease_id: null })) });
    const fn = vi.fn();
    const outcome = runFn(api, fn);
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.error).toBeInstanceOf(InvalidResponseError);
    expect(fn).not.toHaveBeenCalled();
    expect(api.routes()).toEqual([LEASE]);
  });
});

describe('runFn when the work on the key has already ended', () => {
  it.each(['completed', 'failed', 'cancelled'])(
    'gives { outcome: finished } for %s, without running fn',
    async (terminal) => {
      const stored = aiResult(KEY, terminal);
      const api = leaseApi({ [LEASE]: json(leaseState(KEY, terminal)), [RESULT]: json(stored) });
      const fn = vi.fn();
      const outcome = runFn(api, fn);
      await vi.advanceTimersByTimeAsync(0);

      expect(outcome.value).toEqual({ outcome: 'finished', result: stored });
      expect(fn).not.toHaveBeenCalled();
      expect(api.routes()).toEqual([LEASE, RESULT]);
    },
  );
});

describe('runFn when someone else holds the lease', () => {
  it('waits for their result and gives { outcome: waited }, without running fn', async () => {
    const api = leaseApi({
      [LEASE]: json(leaseState(KEY, 'polling', { ttl_left: 240 })),
      [STATUS]: [json(leaseStatus(KEY, 'in_progress')), json(leaseStatus(KEY, 'completed'))],
    });
    const fn = vi.fn();
    const outcome = runFn(api, fn, { pollIntervalMs: 1000 });
    await vi.advanceTimersByTimeAsync(999);
    expect(outcome.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);

    expect(outcome.value).toEqual({ outcome: 'waited', result: DONE });
    expect(fn).not.toHaveBeenCalled();
    expect(api.routes()).toEqual([LEASE, STATUS, STATUS, RESULT]);
  });

  it('gives { outcome: not_acquired, result: null, status } if waitOnConflict: false', async () => {
    const api = leaseApi({ [LEASE]: json(leaseState(KEY, 'polling')) });
    const fn = vi.fn();
    const outcome = runFn(api, fn, { waitOnConflict: false });
    await vi.advanceTimersByTimeAsync(0);

    expect(outcome.value).toStrictEqual({
      outcome: 'not_acquired',
      result: null,
      status: 'polling',
    });
    expect(fn).not.toHaveBeenCalled();
    expect(api.routes()).toEqual([LEASE]);
  });
});

describe('runFn heartbeat', () => {
  it('extends every extendEveryMs while fn runs: 3 extends for 3500 ms at 1000 ms', async () => {
    const api = leaseApi();
    const outcome = runFn(api, workFor(3500, { ok: 1 }), { ttl: 30, extendEveryMs: 1000 });

    await vi.advanceTimersByTimeAsync(999);
    expect(api.to(EXTEND)).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(10_000);

    expect(since(api, EXTEND)).toEqual([1000, 2000, 3000]);
    for (const extend of api.to(EXTEND)) {
      expect(extend.body).toStrictEqual({ key: KEY, lease_id: 'lease_1', ttl: 30 });
    }
    expect(outcome.value).toEqual({ outcome: 'ran', result: DONE, value: { ok: 1 } });
    expect(since(api, COMPLETE)).toEqual([3500]);
  });

  it('defaults to extending every third of the ttl', async () => {
    const api = leaseApi();
    runFn(api, workFor(35_000, {}), { ttl: 30 });
    await vi.advanceTimersByTimeAsync(40_000);
    expect(since(api, EXTEND)).toEqual([10_000, 20_000, 30_000]);
  });

  it('never has two extends in flight: the next is timed from the previous answer', async () => {
    let inFlight = 0;
    let most = 0;
    const slowExtend: Reply = (request) => {
      inFlight++;
      most = Math.max(most, inFlight);
      const answer = after(1500, json({ ok: true, status: 'extended', key: KEY, ttl: 30 }));
      return Promise.resolve(answer(request)).finally(() => inFlight--);
    };
    const api = leaseApi({ [EXTEND]: slowExtend });
    const outcome = runFn(api, workFor(6000, {}), { ttl: 30, extendEveryMs: 1000 });
    await vi.advanceTimersByTimeAsync(10_000);

    expect(most).toBe(1);
    // 1000 (answered 2500), 3500 (answered 5000), then fn ends at 6000 before the next.
    expect(since(api, EXTEND)).toEqual([1000, 3500]);
    expect(outcome.value).toEqual({ outcome: 'ran', result: DONE, value: {} });
  });

  it('stops extending once fn has finished', async () => {
    const api = leaseApi();
    runFn(api, workFor(1500, {}), { ttl: 30, extendEveryMs: 1000 });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(since(api, EXTEND)).toEqual([1000]);
  });
});

describe('runFn when the heartbeat finds the lease lost', () => {
  it.each([
    ['409 lease_expired', apiError(409, 'lease_expired', { status: 'expired' }), ConflictError],
    ['404 lease_not_found', apiError(404, 'lease_not_found'), NotFoundError],
  ])('on %s it aborts fn with LeaseLostError and rejects with it', async (_, reply, Cause) => {
    const api = leaseApi({ [EXTEND]: reply });
    let signal: AbortSignal | undefined;
    const outcome = runFn(
      api,
      (s) => {
        signal = s;
        return workFor(5000, {})(s);
      },
      { ttl: 30, extendEveryMs: 1000 },
    );
    await vi.advanceTimersByTimeAsync(1000);

    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(LeaseLostError);
    expect(outcome.error).toBeInstanceOf(LeaseLostError);
    expect((outcome.error as LeaseLostError).key).toBe(KEY);
    expect((outcome.error as LeaseLostError).cause).toBeInstanceOf(Cause);
    expect(api.to(COMPLETE)).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(api.to(EXTEND)).toHaveLength(1);
  });

  it('rejects with LeaseLostError and sends no complete when fn ignores the abort', async () => {
    const api = leaseApi({ [EXTEND]: apiError(409, 'lease_mismatch') });
    const outcome = runFn(
      api,
      () => new Promise((resolve) => setTimeout(() => resolve({ late: true }), 3000)),
      { ttl: 30, extendEveryMs: 1000 },
    );
    await vi.advanceTimersByTimeAsync(5000);

    expect(outcome.error).toBeInstanceOf(LeaseLostError);
    expect(api.to(COMPLETE)).toHaveLength(0);
    expect(api.to(FAIL)).toHaveLength(0);
  });
});

describe('runFn when a heartbeat fails for a passing reason', () => {
  it.each([
    ['a 500', apiError(500, 'internal')],
    ['a connection error', connectionFailure()],
  ])('retries after %s and does not abort fn', async (_, failure) => {
    const ok = json({ ok: true, status: 'extended', key: KEY, ttl: 30, version: 2 });
    const api = leaseApi({ [EXTEND]: [failure, ok] });
    let signal: AbortSignal | undefined;
    const outcome = runFn(
      api,
      (s) => {
        signal = s;
        return workFor(15_000, { rows: 1 })(s);
      },
      { ttl: 30, extendEveryMs: 9000 },
    );
    await vi.advanceTimersByTimeAsync(20_000);

    const [failedAt, retriedAt] = since(api, EXTEND);
    expect(failedAt).toBe(9000);
    // Tried again before a full interval had passed, and well inside the 30 s lease.
    expect(retriedAt).toBeGreaterThan(9000);
    expect(retriedAt).toBeLessThan(18_000);
    expect(signal?.aborted).toBe(false);
    expect(api.to(COMPLETE)).toHaveLength(1);
    expect(outcome.value).toEqual({ outcome: 'ran', result: DONE, value: { rows: 1 } });
  });
});

describe('runFn when fn throws', () => {
  it('marks the lease failed with fn_error and rethrows fn’s own error', async () => {
    const api = leaseApi();
    const boom = new Error('boom');
    const outcome = runFn(api, () => {
      throw boom;
    });
    await vi.advanceTimersByTimeAsync(0);

    expect(outcome.error).toBe(boom);
    expect(api.to(FAIL)[0]?.body).toStrictEqual({
      key: KEY,
      lease_id: 'lease_1',
      error_code: 'fn_error',
    });
    expect(api.routes()).toEqual([LEASE, FAIL]);
  });

  it('uses the errorCode option', async () => {
    const api = leaseApi();
    const outcome = runFn(api, () => Promise.reject(new Error('x')), {
      errorCode: 'export_failed',
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.error).toBeInstanceOf(Error);
    expect(api.body(FAIL).error_code).toBe('export_failed');
  });

  it('still rethrows fn’s error when marking the lease failed fails', async () => {
    const api = leaseApi({ [FAIL]: apiError(500, 'internal') });
    const boom = new Error('boom');
    const outcome = runFn(api, () => Promise.reject(boom));
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.error).toBe(boom);
  });

  it('rethrows a non-Error value as it is', async () => {
    const api = leaseApi();
    const outcome = runFn(api, () => Promise.reject('plain string'));
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.error).toBe('plain string');
  });
});

describe('runFn when complete fails', () => {
  it.each([
    ['409', apiError(409, 'lease_finished'), ConflictError],
    ['404', apiError(404, 'lease_not_found'), NotFoundError],
  ])('rejects with LeaseLostError for a %s', async (_, reply, Cause) => {
    const api = leaseApi({ [COMPLETE]: reply });
    const outcome = runFn(api, () => ({ rows: 1 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.error).toBeInstanceOf(LeaseLostError);
    expect((outcome.error as LeaseLostError).cause).toBeInstanceOf(Cause);
    expect(api.to(RESULT)).toHaveLength(0);
  });
});

describe('runFn input', () => {
  it.each([
    ['equal to the ttl', 10, 10_000],
    ['above the ttl', 10, 20_000],
  ])('refuses extendEveryMs %s before any request', async (_, ttl, extendEveryMs) => {
    const api = leaseApi();
    const fn = vi.fn();
    const outcome = runFn(api, fn, { ttl, extendEveryMs });
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.error).toBeInstanceOf(InvalidInputError);
    expect((outcome.error as InvalidInputError).field).toBe('extendEveryMs');
    expect(api.requests).toHaveLength(0);
    expect(fn).not.toHaveBeenCalled();
  });

  it('accepts extendEveryMs just under the ttl', async () => {
    const api = leaseApi();
    const outcome = runFn(api, () => ({}), { ttl: 10, extendEveryMs: 9999 });
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.value).toEqual({ outcome: 'ran', result: DONE, value: {} });
  });

  it.each([
    ['an empty key', ''],
    ['a key over 256 characters', 'k'.repeat(257)],
  ])('refuses %s before any request', async (_, key) => {
    const api = leaseApi();
    const outcome = settle(api.client().ai.runFn(key, () => 1));
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.error).toBeInstanceOf(InvalidInputError);
    expect(api.requests).toHaveLength(0);
  });

  it('refuses a ttl of 0 before any request', async () => {
    const api = leaseApi();
    const outcome = runFn(api, () => 1, { ttl: 0 });
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.error).toBeInstanceOf(InvalidInputError);
    expect(api.requests).toHaveLength(0);
  });
});

describe('runFn cancelled by the caller’s signal', () => {
  it('aborts fn, leaves the lease to expire (no fail) and rejects with AbortError', async () => {
    const api = leaseApi();
    const controller = new AbortController();
    const reason = new Error('shutting down');
    let signal: AbortSignal | undefined;
    const outcome = runFn(
      api,
      (s) => {
        signal = s;
        return workFor(5000, {})(s);
      },
      { signal: controller.signal, ttl: 30, extendEveryMs: 1000 },
    );
    await vi.advanceTimersByTimeAsync(1500);
    controller.abort(reason);
    await vi.advanceTimersByTimeAsync(0);

    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe(reason);
    expect(outcome.error).toBeInstanceOf(AbortError);
    expect((outcome.error as AbortError).cause).toBe(reason);
    // A failed lease would block the key for days; an expired one can be taken again.
    expect(api.to(FAIL)).toHaveLength(0);
    expect(api.to(COMPLETE)).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(since(api, EXTEND)).toEqual([1000]);
  });

  it('rejects with AbortError and sends nothing when the signal is already aborted', async () => {
    const api = leaseApi();
    const fn = vi.fn();
    const outcome = runFn(api, fn, { signal: AbortSignal.abort() });
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.error).toBeInstanceOf(AbortError);
    expect(fn).not.toHaveBeenCalled();
    expect(api.requests).toHaveLength(0);
  });
});
