import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AbortError,
  type ClientOptions,
  ConflictError,
  InvalidInputError,
  InvalidResponseError,
  LeaseLostError,
  NotFoundError,
  type RunFnOptions,
} from '../../src/index.js';
import { countingAbortController } from '../support/fake-fetch.js';
import { warningLogger } from '../support/logger.js';
import {
  after,
  aiResult,
  apiError,
  connectionFailure,
  hang,
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

/** runFn on a client with `clientOptions` as they are (the client's own maxRetries unless given). */
function runFnWith<T>(
  api: ScriptedApi,
  clientOptions: ClientOptions,
  fn: (signal: AbortSignal) => T,
  options: RunFnOptions = {},
) {
  return settle(api.client(clientOptions).ai.runFn(KEY, fn, options));
}

/** A lease answer granting `ttl` seconds. */
const granted = (ttl: number) => json(leaseState(KEY, 'acquired', { lease_id: 'lease_1', ttl }));
/** An extend answer granting `ttl` seconds. */
const extended = (ttl: number) => json({ ok: true, status: 'extended', key: KEY, ttl, version: 2 });

/** fn working `ms`, recording its signal and when (since the start) that signal aborted. */
function watchedWork(ms: number) {
  const seen: { signal: AbortSignal | undefined; abortedAt: number | null } = {
    signal: undefined,
    abortedAt: null,
  };
  const fn = (signal: AbortSignal) => {
    seen.signal = signal;
    signal.addEventListener('abort', () => {
      seen.abortedAt = Date.now() - start;
    });
    return workFor(ms, {})(signal);
  };
  return { fn, seen };
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

  it('marks the lease failed with result_invalid when fn’s value is not JSON', async () => {
    const api = leaseApi();
    const outcome = runFn(api, () => ({ n: 1n }));
    await vi.advanceTimersByTimeAsync(0);

    expect(outcome.error).toBeInstanceOf(InvalidInputError);
    expect((outcome.error as InvalidInputError).field).toBe('fn result');
    expect(api.to(FAIL)[0]?.body).toStrictEqual({
      key: KEY,
      lease_id: 'lease_1',
      error_code: 'result_invalid',
    });
    expect(api.to(COMPLETE)).toHaveLength(0);
    expect(api.routes()).toEqual([LEASE, FAIL]);
  });

  it('stores a Date as { value: its ISO string }', async () => {
    const api = leaseApi();
    runFn(api, () => new Date('2026-03-31T10:30:00.000Z'));
    await vi.advanceTimersByTimeAsync(0);
    expect(api.body(COMPLETE).result).toStrictEqual({ value: '2026-03-31T10:30:00.000Z' });
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

  it('takes the lease itself when the holder let it expire, and runs fn once', async () => {
    const expired = aiResult(KEY, 'expired');
    const api = leaseApi({
      [LEASE]: [json(leaseState(KEY, 'polling')), json(leaseState(KEY, 'acquired'))],
      [STATUS]: json(leaseStatus(KEY, 'expired')),
      [RESULT]: [json(expired), json(DONE)],
    });
    const fn = vi.fn(() => ({ rows: 3 }));
    const outcome = runFn(api, fn);
    await vi.advanceTimersByTimeAsync(60_000);

    expect(fn).toHaveBeenCalledOnce();
    expect(outcome.value).toEqual({ outcome: 'ran', result: DONE, value: { rows: 3 } });
    expect(api.routes()).toEqual([LEASE, STATUS, RESULT, LEASE, COMPLETE, RESULT]);
  });

  it('gives up after 3 rounds of expired holders with { outcome: waited }', async () => {
    const api = leaseApi({
      [LEASE]: json(leaseState(KEY, 'polling')),
      [STATUS]: json(leaseStatus(KEY, 'expired')),
      [RESULT]: json(aiResult(KEY, 'expired')),
    });
    const fn = vi.fn();
    const outcome = runFn(api, fn);
    await vi.advanceTimersByTimeAsync(60_000);

    expect(fn).not.toHaveBeenCalled();
    expect(outcome.value).toMatchObject({ outcome: 'waited', result: { status: 'expired' } });
    expect(api.to(LEASE)).toHaveLength(3);
    expect(api.routes()).toEqual(Array(3).fill([LEASE, STATUS, RESULT]).flat());
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

  it('rejects at once with LeaseLostError while fn ignores the abort, and stores nothing', async () => {
    const api = leaseApi({ [EXTEND]: apiError(409, 'lease_mismatch') });
    let signal: AbortSignal | undefined;
    const outcome = runFn(
      api,
      (s) => {
        signal = s;
        return new Promise((resolve) => setTimeout(() => resolve({ late: true }), 600_000));
      },
      { ttl: 30 },
    );
    await vi.advanceTimersByTimeAsync(10_000);

    // Lost at the first extend (10 s), not when fn resolves (600 s).
    expect(outcome.error).toBeInstanceOf(LeaseLostError);
    expect(outcome.at).toBe(start + 10_000);
    expect(signal?.reason).toBe(outcome.error);

    await vi.advanceTimersByTimeAsync(600_000);
    expect(api.routes()).toEqual([LEASE, EXTEND]);
  });

  it('ignores fn rejecting after the lease was lost: no fail, no unhandled rejection', async () => {
    const api = leaseApi({ [EXTEND]: apiError(404, 'lease_not_found') });
    const outcome = runFn(
      api,
      () =>
        new Promise((_, reject) => setTimeout(() => reject(new Error('gave up late')), 600_000)),
      { ttl: 30 },
    );
    await vi.advanceTimersByTimeAsync(10_000);
    expect(outcome.error).toBeInstanceOf(LeaseLostError);

    await vi.advanceTimersByTimeAsync(600_000);
    expect(api.routes()).toEqual([LEASE, EXTEND]);
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
    // Tried again 5 s later, sooner than a full interval, and well inside the 30 s lease.
    expect(retriedAt).toBe(14_000);
    expect(signal?.aborted).toBe(false);
    expect(api.to(COMPLETE)).toHaveLength(1);
    expect(outcome.value).toEqual({ outcome: 'ran', result: DONE, value: { rows: 1 } });
  });
});

describe('runFn keeps to the TTL the server granted', () => {
  it('extends every third of a granted 3600 s, not of the 86400 s asked, asking 86400 each time', async () => {
    const api = leaseApi({ [LEASE]: granted(3600), [EXTEND]: extended(3600) });
    const outcome = runFn(api, workFor(4_000_000, { ok: 1 }), { ttl: 86_400 });

    await vi.advanceTimersByTimeAsync(1_199_999);
    expect(api.to(EXTEND)).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2_900_000);

    expect(api.body(LEASE).ttl).toBe(86_400);
    // The third comes at 3600 s, when the granted lease would have run out but for the
    // first extend's answer: each answer's ttl renews the lease.
    expect(since(api, EXTEND)).toEqual([1_200_000, 2_400_000, 3_600_000]);
    for (const extend of api.to(EXTEND)) {
      expect(extend.body).toStrictEqual({ key: KEY, lease_id: 'lease_1', ttl: 86_400 });
    }
    expect(outcome.value).toEqual({ outcome: 'ran', result: DONE, value: { ok: 1 } });
  });

  it('keeps to a granted TTL below extendEveryMs too', async () => {
    const api = leaseApi({ [LEASE]: granted(30), [EXTEND]: extended(30) });
    runFn(api, workFor(25_000, {}), { ttl: 600, extendEveryMs: 120_000 });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(since(api, EXTEND)).toEqual([10_000, 20_000]);
  });

  it('counts the lease as valid for the ttl of the last extend answer, from that extend', async () => {
    // Granted 60 s (extends every 20 s); the first extend grants 25 s, and no later one succeeds.
    const api = leaseApi({
      [LEASE]: granted(60),
      [EXTEND]: [extended(25), apiError(500, 'internal')],
    });
    const { fn, seen } = watchedWork(120_000);
    const outcome = runFn(api, fn, { ttl: 600 });
    await vi.advanceTimersByTimeAsync(120_000);

    expect(since(api, EXTEND)[0]).toBe(20_000);
    // Lost at 20 s + 25 s: not at 60 s (the lease's own TTL), nor after the 600 s asked.
    expect(seen.abortedAt).toBe(45_000);
    expect(outcome.error).toBeInstanceOf(LeaseLostError);
    expect(outcome.at).toBe(start + 45_000);
  });
});

describe('runFn when an extend grants less time than the lease had', () => {
  it('extends again within a third of what the extend granted, and keeps the lease', async () => {
    // Granted 30 s (extends every 10 s); the first extend grants only 6 s, later ones 30 s.
    const api = leaseApi({ [LEASE]: granted(30), [EXTEND]: [extended(6), extended(30)] });
    const { fn, seen } = watchedWork(20_000);
    const outcome = runFn(api, fn, { ttl: 30 });
    await vi.advanceTimersByTimeAsync(30_000);

    expect(since(api, EXTEND).slice(0, 2)).toEqual([10_000, 12_000]);
    expect(seen.abortedAt).toBeNull();
    expect(outcome.value).toMatchObject({ outcome: 'ran' });
  });
});

describe('runFn when no extend succeeds before the lease runs out', () => {
  it.each([
    ['a 500', apiError(500, 'internal')],
    ['a connection error', connectionFailure()],
  ])(
    'on %s at every beat it aborts fn with LeaseLostError by the 30 s of the ttl',
    async (_, failure) => {
      const api = leaseApi({ [LEASE]: granted(30), [EXTEND]: failure });
      const { fn, seen } = watchedWork(120_000);
      const outcome = runFn(api, fn, { ttl: 30 });
      await vi.advanceTimersByTimeAsync(29_999);
      expect(outcome.done).toBe(false);
      await vi.advanceTimersByTimeAsync(60_000);

      expect(seen.signal?.reason).toBeInstanceOf(LeaseLostError);
      expect(seen.abortedAt).toBe(30_000);
      expect(outcome.error).toBeInstanceOf(LeaseLostError);
      expect((outcome.error as LeaseLostError).key).toBe(KEY);
      expect(outcome.at).toBe(start + 30_000);
      expect(api.to(COMPLETE)).toHaveLength(0);
      expect(api.to(FAIL)).toHaveLength(0);
      // One extend per beat (10 s, then every 5 s), none after the lease ran out.
      expect(since(api, EXTEND)).toEqual([10_000, 15_000, 20_000, 25_000]);
    },
  );

  it('sends each extend once: the transport does not retry it (client maxRetries 2)', async () => {
    const api = leaseApi({ [LEASE]: granted(30), [EXTEND]: apiError(500, 'internal') });
    const { fn } = watchedWork(120_000);
    const outcome = runFnWith(api, { maxRetries: 2 }, fn, { ttl: 30 });
    await vi.advanceTimersByTimeAsync(60_000);

    expect(since(api, EXTEND)).toEqual([10_000, 15_000, 20_000, 25_000]);
    expect(outcome.error).toBeInstanceOf(LeaseLostError);
  });

  it('cuts off a hanging extend when the lease runs out, not at the client’s timeoutMs', async () => {
    const api = leaseApi({ [LEASE]: granted(30), [EXTEND]: hang() });
    const { fn, seen } = watchedWork(120_000);
    const outcome = runFnWith(api, { timeoutMs: 60_000, maxRetries: 2 }, fn, { ttl: 30 });
    await vi.advanceTimersByTimeAsync(29_999);
    expect(api.to(EXTEND)[0]?.signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);

    // Sent at 10 s with the 20 s the lease had left.
    expect(api.to(EXTEND)[0]?.signal?.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    // Lost when the cut-off extend fails: at 30 s, plus the 1 ms a zero-delay timer takes.
    expect(seen.signal?.reason).toBeInstanceOf(LeaseLostError);
    expect(seen.abortedAt).toBeLessThanOrEqual(30_001);
    expect(outcome.error).toBeInstanceOf(LeaseLostError);
    expect(since(api, EXTEND)).toEqual([10_000]);
    expect(api.to(COMPLETE)).toHaveLength(0);
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

  it('resolves ran when complete answers 409 lease_finished with status completed', async () => {
    // A retried complete whose first attempt went through finds the lease completed.
    const api = leaseApi({
      [COMPLETE]: apiError(409, 'lease_finished', { status: 'completed' }),
    });
    const outcome = runFn(api, () => ({ rows: 1 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.value).toEqual({ outcome: 'ran', result: DONE, value: { rows: 1 } });
    expect(api.routes()).toEqual([LEASE, COMPLETE, RESULT]);
  });

  it('resolves ran when a complete retried after a 502 finds the lease completed', async () => {
    const api = leaseApi({
      [COMPLETE]: [
        apiError(502, 'bad_gateway'),
        apiError(409, 'lease_finished', { status: 'completed' }),
      ],
    });
    const outcome = runFnWith(api, { maxRetries: 1 }, () => ({ rows: 1 }));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(api.to(COMPLETE)).toHaveLength(2);
    expect(outcome.value).toEqual({ outcome: 'ran', result: DONE, value: { rows: 1 } });
  });

  it('rejects with LeaseLostError for 409 lease_finished with status expired', async () => {
    const api = leaseApi({ [COMPLETE]: apiError(409, 'lease_finished', { status: 'expired' }) });
    const outcome = runFn(api, () => ({ rows: 1 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.error).toBeInstanceOf(LeaseLostError);
    expect((outcome.error as LeaseLostError).cause).toBeInstanceOf(ConflictError);
    expect(api.to(RESULT)).toHaveLength(0);
  });
});

describe('runFn when reading the stored result back fails after complete', () => {
  it.each([
    ['a 500', apiError(500, 'internal')],
    ['a connection error', connectionFailure()],
    ['a 404', apiError(404, 'lease_not_found')],
  ])(
    'resolves ran with fn’s value and the result it completed with, after %s',
    async (_, failure) => {
      const completed = { ...OUTCOME, result_hash: 'ab12', done_at: '2026-03-31T10:30:42Z' };
      const api = leaseApi({ [COMPLETE]: json(completed), [RESULT]: failure });
      const { logger, warnings } = warningLogger();
      const outcome = runFnWith(api, { maxRetries: 0, logger }, () => ({ rows: 3 }));
      await vi.advanceTimersByTimeAsync(0);

      expect(outcome.value).toEqual({
        outcome: 'ran',
        value: { rows: 3 },
        result: {
          ok: true,
          status: 'completed',
          key: KEY,
          result: { rows: 3 },
          result_hash: 'ab12',
          error_code: null,
          done_at: '2026-03-31T10:30:42Z',
        },
      });
      expect(api.routes()).toEqual([LEASE, COMPLETE, RESULT]);
      expect(warnings.join('\n')).toContain(`could not read back the result of key ${KEY}`);
    },
  );

  it('builds the result from what fn gave when the complete was a retry the API had done', async () => {
    const api = leaseApi({
      [COMPLETE]: apiError(409, 'lease_finished', { status: 'completed' }),
      [RESULT]: apiError(503, 'unavailable'),
    });
    const outcome = runFn(api, () => 'done');
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.value).toMatchObject({
      outcome: 'ran',
      value: 'done',
      result: { status: 'completed', result: { value: 'done' }, result_hash: null },
    });
  });
});

describe('runFn input', () => {
  it.each([
    ['a negative timeoutMs', { timeoutMs: -5 }, 'timeoutMs'],
    ['a NaN pollIntervalMs', { pollIntervalMs: Number.NaN }, 'pollIntervalMs'],
    [
      'a maxPollIntervalMs below pollIntervalMs',
      { pollIntervalMs: 900, maxPollIntervalMs: 800 },
      'maxPollIntervalMs',
    ],
    ['an onStatus that is not a function', { onStatus: 'x' }, 'onStatus'],
    ['a waitOnConflict that is not a boolean', { waitOnConflict: 'no' }, 'waitOnConflict'],
    ['metadata that is not an object', { metadata: 'cron' }, 'metadata'],
    ['metadata over 2048 bytes', { metadata: { note: 'x'.repeat(2100) } }, 'metadata'],
    ['an errorCode over 128 characters', { errorCode: 'e'.repeat(129) }, 'errorCode'],
    ['an unknown option', { retries: 2 }, 'options.retries'],
  ])('refuses %s before any request', async (_, options, field) => {
    const api = leaseApi();
    const fn = vi.fn();
    const outcome = runFn(api, fn, options as RunFnOptions);
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.error).toBeInstanceOf(InvalidInputError);
    expect((outcome.error as InvalidInputError).field).toBe(field);
    expect(api.requests).toHaveLength(0);
    expect(fn).not.toHaveBeenCalled();
  });

  it('refuses bad wait options before any request even when they all come together', async () => {
    const api = leaseApi();
    const options = { timeoutMs: -5, pollIntervalMs: Number.NaN, onStatus: 'x' };
    const outcome = runFn(api, vi.fn(), options as unknown as RunFnOptions);
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.error).toBeInstanceOf(InvalidInputError);
    expect(api.requests).toHaveLength(0);
  });

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

  it('refuses extendEveryMs beyond 2^31-1 ms (what a timer can wait) before any request', async () => {
    const api = leaseApi();
    const fn = vi.fn();
    const outcome = runFn(api, fn, { ttl: 7_000_000, extendEveryMs: 2 ** 31 });
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.error).toBeInstanceOf(InvalidInputError);
    expect((outcome.error as InvalidInputError).field).toBe('extendEveryMs');
    expect(api.requests).toHaveLength(0);
    expect(fn).not.toHaveBeenCalled();
  });

  it('does not extend in a burst when a third of the ttl is beyond the timer limit', async () => {
    const api = leaseApi({ [LEASE]: granted(7_000_000), [EXTEND]: extended(7_000_000) });
    const outcome = runFn(api, workFor(60_000, {}), { ttl: 7_000_000 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(api.to(EXTEND).length).toBeLessThanOrEqual(1);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(api.to(EXTEND).length).toBeLessThanOrEqual(1);
    expect(outcome.value).toEqual({ outcome: 'ran', result: DONE, value: {} });
  });
});

describe('runFn leaves nothing behind', () => {
  it('cancels an extend in flight when fn finishes, and completes without waiting for it', async () => {
    const api = leaseApi({ [EXTEND]: hang() });
    const outcome = runFn(api, workFor(1500, { rows: 1 }), { ttl: 30, extendEveryMs: 1000 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(api.to(EXTEND)[0]?.signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(500);

    expect(api.to(EXTEND)[0]?.signal?.aborted).toBe(true);
    expect(outcome.value).toEqual({ outcome: 'ran', result: DONE, value: { rows: 1 } });
    expect(outcome.at).toBe(start + 1500);
  });

  it('removes its listener from the caller’s signal once it has ended', async () => {
    const api = leaseApi();
    const { signal, listenerCount } = countingAbortController();
    const outcome = runFn(api, workFor(1500, {}), { signal, ttl: 30, extendEveryMs: 1000 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(listenerCount()).toBeGreaterThan(0);
    await vi.advanceTimersByTimeAsync(1000);

    expect(outcome.value).toMatchObject({ outcome: 'ran' });
    expect(listenerCount()).toBe(0);
  });

  it('removes its listener from the caller’s signal after a lost lease too', async () => {
    const api = leaseApi({ [EXTEND]: apiError(409, 'lease_expired') });
    const { signal, listenerCount } = countingAbortController();
    const outcome = runFn(api, workFor(5000, {}), { signal, ttl: 30, extendEveryMs: 1000 });
    await vi.advanceTimersByTimeAsync(1000);

    expect(outcome.error).toBeInstanceOf(LeaseLostError);
    expect(listenerCount()).toBe(0);
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

  it('completes and resolves ran when fn ignores the abort and returns a value', async () => {
    const api = leaseApi();
    const controller = new AbortController();
    let signal: AbortSignal | undefined;
    const outcome = runFn(
      api,
      (s) => {
        signal = s;
        return new Promise((resolve) => setTimeout(() => resolve({ rows: 2 }), 3000));
      },
      { signal: controller.signal, ttl: 30 },
    );
    await vi.advanceTimersByTimeAsync(1000);
    controller.abort(new Error('shutting down'));
    await vi.advanceTimersByTimeAsync(5000);

    expect(signal?.aborted).toBe(true);
    expect(api.body(COMPLETE).result).toStrictEqual({ rows: 2 });
    expect(api.to(FAIL)).toHaveLength(0);
    // The stored result is read back although the caller’s signal has aborted.
    expect(api.to(RESULT)).toHaveLength(1);
    expect(outcome.value).toEqual({ outcome: 'ran', result: DONE, value: { rows: 2 } });
  });
});
