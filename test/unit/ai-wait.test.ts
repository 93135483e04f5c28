import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AbortError,
  InvalidInputError,
  type LeaseStatus,
  NotFoundError,
  type OnceOnly,
  type WaitOptions,
  WaitTimeoutError,
} from '../../src/index.js';
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
  type ScriptedApi,
  scriptedApi,
  settle,
} from '../support/scripted-api.js';

const KEY = 'job:42';
const STATUS = 'GET /v1/ai/status';
const RESULT = 'GET /v1/ai/result';
const RUN = 'POST /v1/ai/run';
const DONE = aiResult(KEY, 'completed', { result: { rows: 3 } });

/** Status answers in order (the last repeats); `hint` is `retry_after_sec`. */
function statuses(...values: (string | [string, number | null])[]): Reply[] {
  return values.map((value, index) => {
    const [status, hint] = typeof value === 'string' ? [value, null] : value;
    return json(leaseStatus(KEY, status, { version: index + 1, retry_after_sec: hint }));
  });
}

function waitApi(statusReplies: Reply[], extra: Record<string, Reply | Reply[]> = {}) {
  return scriptedApi({ [STATUS]: statusReplies, [RESULT]: json(DONE), ...extra });
}

let start = 0;

/** Fake times since the test started of the status polls. */
function pollTimes(api: ScriptedApi): number[] {
  return api.to(STATUS).map((request) => request.at - start);
}

/** Starts `ai.wait` on KEY and steps the fake clock until it settles (at most `limitMs`). */
async function waitFor(api: ScriptedApi, options: WaitOptions, limitMs = 120_000) {
  const outcome = settle(api.client().ai.wait(KEY, options));
  await vi.advanceTimersByTimeAsync(limitMs);
  expect(outcome.done).toBe(true);
  return outcome;
}

/** Starts `ai.wait` on KEY with `client` and runs fake time until nothing is scheduled. */
async function settleWith(client: OnceOnly, options: WaitOptions) {
  const outcome = settle(client.ai.wait(KEY, options));
  await vi.runAllTimersAsync();
  expect(outcome.done).toBe(true);
  return outcome;
}

beforeEach(() => {
  vi.useFakeTimers();
  start = Date.now();
});

afterEach(() => {
  expect(vi.getTimerCount()).toBe(0);
  vi.useRealTimers();
});

describe('ai.wait follows the server’s retry_after_sec within the poll bounds', () => {
  it('polls again exactly 2000 ms later for a hint of 2 s', async () => {
    const api = waitApi(statuses(['in_progress', 2], 'completed'));
    const outcome = settle(api.client().ai.wait(KEY));

    await vi.advanceTimersByTimeAsync(1999);
    expect(api.to(STATUS)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(api.to(STATUS)).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.value).toEqual(DONE);
    expect(pollTimes(api)).toEqual([0, 2000]);
  });

  it('caps a hint of 100 s at maxPollIntervalMs', async () => {
    const api = waitApi(statuses(['in_progress', 100], 'completed'));
    await waitFor(api, { maxPollIntervalMs: 3000 });
    expect(pollTimes(api)).toEqual([0, 3000]);
  });

  it('caps a hint of 100 s at the default maximum of 5000 ms', async () => {
    const api = waitApi(statuses(['in_progress', 100], 'completed'));
    await waitFor(api, {});
    expect(pollTimes(api)).toEqual([0, 5000]);
  });

  it('raises a hint of 0 to pollIntervalMs', async () => {
    const api = waitApi(statuses(['in_progress', 0], 'completed'));
    await waitFor(api, { pollIntervalMs: 750 });
    expect(pollTimes(api)).toEqual([0, 750]);
  });

  it('raises a hint of 0 to the default minimum of 500 ms', async () => {
    const api = waitApi(statuses(['in_progress', 0], 'completed'));
    await waitFor(api, {});
    expect(pollTimes(api)).toEqual([0, 500]);
  });
});

describe('ai.wait without a hint', () => {
  it('doubles the wait from pollIntervalMs up to maxPollIntervalMs', async () => {
    const running = Array<string>(6).fill('in_progress');
    const api = waitApi(statuses(...running, 'completed'));
    await waitFor(api, { pollIntervalMs: 100, maxPollIntervalMs: 1000 });
    // Waits of 100, 200, 400, 800, then 1000 (capped) twice.
    expect(pollTimes(api)).toEqual([0, 100, 300, 700, 1500, 2500, 3500]);
  });

  it('doubles from 500 ms to 5000 ms with the defaults', async () => {
    const running = Array<string>(6).fill('in_progress');
    const api = waitApi(statuses(...running, 'completed'));
    await waitFor(api, {});
    expect(pollTimes(api)).toEqual([0, 500, 1500, 3500, 7500, 12_500, 17_500]);
  });

  it('raises the default maximum to a pollIntervalMs above it', async () => {
    const api = waitApi(statuses('in_progress', 'in_progress', 'completed'));
    const outcome = await waitFor(api, { pollIntervalMs: 8000 });
    expect(outcome.value).toEqual(DONE);
    expect(pollTimes(api)).toEqual([0, 8000, 16_000]);
  });

  it('keeps a constant interval when pollIntervalMs equals maxPollIntervalMs', async () => {
    const api = waitApi(statuses('in_progress', 'in_progress', 'in_progress', 'completed'));
    await waitFor(api, { pollIntervalMs: 300, maxPollIntervalMs: 300 });
    expect(pollTimes(api)).toEqual([0, 300, 600, 900]);
  });
});

describe('ai.wait past its deadline', () => {
  it('rejects with WaitTimeoutError carrying key, timeoutMs and the last status read', async () => {
    const api = waitApi(statuses('in_progress', 'in_progress', 'in_progress'));
    const outcome = settle(
      api.client().ai.wait(KEY, { timeoutMs: 2500, pollIntervalMs: 1000, maxPollIntervalMs: 1000 }),
    );

    await vi.advanceTimersByTimeAsync(2499);
    expect(outcome.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome.done).toBe(true);

    const error = outcome.error as WaitTimeoutError;
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error.key).toBe(KEY);
    expect(error.timeoutMs).toBe(2500);
    // The third status read (version 3 here), as the server sent it: not a made-up result.
    expect(error.lastStatus).toEqual(
      leaseStatus(KEY, 'in_progress', { version: 3, retry_after_sec: null }),
    );
    expect(pollTimes(api)).toEqual([0, 1000, 2000]);
    expect(api.to(RESULT)).toHaveLength(0);
  });

  it('reports the latest of several different statuses', async () => {
    const api = waitApi(statuses('polling', 'acquired', 'in_progress'));
    const outcome = await waitFor(api, {
      timeoutMs: 2500,
      pollIntervalMs: 1000,
      maxPollIntervalMs: 1000,
    });
    const error = outcome.error as WaitTimeoutError;
    expect(error.lastStatus?.status).toBe('in_progress');
    expect(error.lastStatus?.version).toBe(3);
  });

  it('polls no more after the deadline', async () => {
    const api = waitApi(statuses('in_progress'));
    await waitFor(api, { timeoutMs: 2500, pollIntervalMs: 1000, maxPollIntervalMs: 1000 });
    const polls = api.to(STATUS).length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(api.to(STATUS)).toHaveLength(polls);
  });

  it('rejects with lastStatus null when the first status call outlasts the deadline', async () => {
    const api = waitApi([hang()]);
    const outcome = await waitFor(api, { timeoutMs: 1500 });
    const error = outcome.error as WaitTimeoutError;
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error.lastStatus).toBeNull();
    expect(outcome.at).toBe(start + 1500);
  });

  it('ends a status call in flight at the deadline', async () => {
    const api = waitApi([json(leaseStatus(KEY, 'in_progress')), hang()]);
    const outcome = await waitFor(api, { timeoutMs: 2000, pollIntervalMs: 500 });
    expect(outcome.error).toBeInstanceOf(WaitTimeoutError);
    expect((outcome.error as WaitTimeoutError).lastStatus?.status).toBe('in_progress');
    expect(outcome.at).toBe(start + 2000);
    expect(api.to(STATUS)[1]?.signal?.aborted).toBe(true);
  });
});

describe('ai.wait cancelled by its signal', () => {
  it('rejects with AbortError when aborted during a status call', async () => {
    const api = waitApi([hang()]);
    const controller = new AbortController();
    const outcome = settle(api.client().ai.wait(KEY, { signal: controller.signal }));

    await vi.advanceTimersByTimeAsync(100);
    expect(outcome.done).toBe(false);
    controller.abort(new Error('user left'));
    await vi.advanceTimersByTimeAsync(0);

    expect(outcome.error).toBeInstanceOf(AbortError);
    expect(outcome.error).not.toBeInstanceOf(WaitTimeoutError);
    expect(api.to(STATUS)[0]?.signal?.aborted).toBe(true);
  });

  it('rejects with AbortError when aborted while waiting between polls', async () => {
    const api = waitApi(statuses('in_progress'));
    const controller = new AbortController();
    const outcome = settle(
      api.client().ai.wait(KEY, { signal: controller.signal, pollIntervalMs: 1000 }),
    );

    await vi.advanceTimersByTimeAsync(400);
    expect(api.to(STATUS)).toHaveLength(1);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);

    expect(outcome.error).toBeInstanceOf(AbortError);
    expect(outcome.error).not.toBeInstanceOf(WaitTimeoutError);
    expect(outcome.at).toBe(start + 400);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(api.to(STATUS)).toHaveLength(1);
  });

  it('carries the signal’s reason as the cause', async () => {
    const api = waitApi(statuses('in_progress'));
    const controller = new AbortController();
    const reason = new Error('user left');
    const outcome = settle(api.client().ai.wait(KEY, { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(100);
    controller.abort(reason);
    await vi.advanceTimersByTimeAsync(0);
    expect((outcome.error as AbortError).cause).toBe(reason);
  });

  it('rejects with AbortError and sends nothing when the signal is already aborted', async () => {
    const api = waitApi(statuses('completed'));
    const outcome = await waitFor(api, { signal: AbortSignal.abort() });
    expect(outcome.error).toBeInstanceOf(AbortError);
    expect(api.requests).toHaveLength(0);
  });

  it('is an AbortError, not WaitTimeoutError, when aborted just before the deadline', async () => {
    const api = waitApi([hang()]);
    const controller = new AbortController();
    const outcome = settle(
      api.client().ai.wait(KEY, { signal: controller.signal, timeoutMs: 1000 }),
    );
    await vi.advanceTimersByTimeAsync(999);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.error).toBeInstanceOf(AbortError);
  });
});

describe('ai.wait ends at a terminal status', () => {
  it.each(['completed', 'failed', 'cancelled', 'expired'])(
    'stops polling at %s and gives /v1/ai/result',
    async (terminal) => {
      const stored = aiResult(KEY, terminal, { error_code: terminal === 'failed' ? 'x' : null });
      const api = waitApi(statuses('in_progress', terminal), { [RESULT]: json(stored) });
      const outcome = await waitFor(api, {});

      expect(outcome.value).toEqual(stored);
      expect(api.routes()).toEqual([STATUS, STATUS, RESULT]);
      expect(api.to(RESULT)[0]?.query.get('key')).toBe(KEY);
    },
  );

  it('asks for the result once, right after the terminal status', async () => {
    const api = waitApi(statuses('completed'));
    const outcome = await waitFor(api, {});
    expect(outcome.value).toEqual(DONE);
    expect(api.to(RESULT)).toHaveLength(1);
    expect(api.to(RESULT)[0]?.at).toBe(start);
  });
});

describe('ai.wait keeps polling through non-terminal statuses', () => {
  it.each(['in_progress', 'polling', 'acquired'])('polls again after %s', async (running) => {
    const api = waitApi(statuses(running, running, 'completed'));
    const outcome = await waitFor(api, {});
    expect(outcome.value).toEqual(DONE);
    expect(api.to(STATUS)).toHaveLength(3);
    expect(api.to(RESULT)).toHaveLength(1);
  });
});

describe('ai.wait when a status call fails', () => {
  it('rejects with NotFoundError for a 404', async () => {
    const api = waitApi([json(leaseStatus(KEY, 'in_progress')), apiError(404, 'lease_not_found')]);
    const outcome = await waitFor(api, {});
    expect(outcome.error).toBeInstanceOf(NotFoundError);
    expect((outcome.error as NotFoundError).code).toBe('lease_not_found');
    expect(api.to(STATUS)).toHaveLength(2);
    expect(api.to(RESULT)).toHaveLength(0);
  });

  it('rejects with the result call’s error when reading the result fails', async () => {
    const api = waitApi(statuses('completed'), { [RESULT]: apiError(404, 'lease_not_found') });
    const outcome = await waitFor(api, {});
    expect(outcome.error).toBeInstanceOf(NotFoundError);
  });

  it('keeps polling through 500, 503, 429, 408 and connection failures until a terminal status', async () => {
    const api = waitApi([
      json(leaseStatus(KEY, 'in_progress')),
      apiError(500, 'internal'),
      apiError(503, 'unavailable'),
      connectionFailure(),
      apiError(429, 'rate_limited'),
      apiError(408, 'request_timeout'),
      json(leaseStatus(KEY, 'completed')),
    ]);
    const outcome = settle(
      api.client({ maxRetries: 0 }).ai.wait(KEY, { pollIntervalMs: 1000, maxPollIntervalMs: 1000 }),
    );
    await vi.advanceTimersByTimeAsync(60_000);

    expect(outcome.value).toEqual(DONE);
    // One status call a second, the failed ones included, then the result.
    expect(pollTimes(api)).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000]);
    expect(api.to(RESULT)).toHaveLength(1);
  });

  it('backs off after a failed status call as after a running one', async () => {
    const api = waitApi([
      apiError(502, 'bad_gateway'),
      apiError(502, 'bad_gateway'),
      ...statuses('completed'),
    ]);
    await settleWith(api.client({ maxRetries: 0 }), {
      pollIntervalMs: 100,
      maxPollIntervalMs: 1000,
    });
    expect(pollTimes(api)).toEqual([0, 100, 300]);
  });

  it('follows Retry-After of a 429 within the poll bounds', async () => {
    const api = waitApi([
      json({ detail: { error: 'rate_limited' } }, 429, { 'Retry-After': '3' }),
      ...statuses('completed'),
    ]);
    await settleWith(api.client({ maxRetries: 0 }), { pollIntervalMs: 500 });
    expect(pollTimes(api)).toEqual([0, 3000]);
  });

  it('keeps trying until the deadline, then rejects with WaitTimeoutError', async () => {
    const api = waitApi([json(leaseStatus(KEY, 'in_progress')), apiError(503, 'unavailable')]);
    const outcome = await waitFor(api, {
      timeoutMs: 10_000,
      pollIntervalMs: 1000,
      maxPollIntervalMs: 1000,
    });
    expect(outcome.error).toBeInstanceOf(WaitTimeoutError);
    expect((outcome.error as WaitTimeoutError).lastStatus?.status).toBe('in_progress');
    expect(outcome.at).toBe(start + 10_000);
  });

  it.each([
    [401, 'AuthenticationError'],
    [403, 'AuthenticationError'],
    [422, 'ValidationError'],
    [400, 'BadRequestError'],
  ])('rejects at once for a %i (%s), with most of the deadline left', async (code, name) => {
    const api = waitApi([json(leaseStatus(KEY, 'in_progress')), json({ detail: 'no' }, code)]);
    const outcome = await waitFor(api, { pollIntervalMs: 1000, maxPollIntervalMs: 1000 });
    expect((outcome.error as Error).name).toBe(name);
    expect(outcome.at).toBe(start + 1000);
    expect(api.to(STATUS)).toHaveLength(2);
  });

  it('tries the result read again after a passing failure', async () => {
    const api = waitApi(statuses('completed'), {
      [RESULT]: [apiError(500, 'internal'), connectionFailure(), json(DONE)],
    });
    const outcome = await settleWith(api.client({ maxRetries: 0 }), { pollIntervalMs: 500 });
    expect(outcome.value).toEqual(DONE);
    expect(api.routes()).toEqual([STATUS, RESULT, RESULT, RESULT]);
  });

  it('logs a warning for each passing failure when logging is on', async () => {
    const { logger, warnings } = warningLogger();
    const api = waitApi([apiError(500, 'internal'), ...statuses('completed')]);
    await settleWith(api.client({ maxRetries: 0, logger, logLevel: 'warn' }), {});
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`reading the status of key ${KEY} failed`);
    expect(warnings[0]).toContain('500');
  });
});

describe('ai.wait past its deadline while reading the result of work that ended', () => {
  it('says the work ended and the result read did not finish, with endedAs', async () => {
    const api = waitApi(statuses('in_progress', 'completed'), { [RESULT]: hang() });
    const outcome = await waitFor(api, { timeoutMs: 3000, pollIntervalMs: 1000 });

    const error = outcome.error as WaitTimeoutError;
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error.endedAs).toBe('completed');
    expect(error.lastStatus?.status).toBe('completed');
    expect(error.message).toBe(
      `The work on key ${KEY} ended completed, but reading its result did not finish within 3000 ms.`,
    );
  });

  it('says so too when runAndWait’s run call already answered a terminal status', async () => {
    const api = waitApi(statuses('in_progress'), {
      [RUN]: json(leaseState(KEY, 'failed')),
      [RESULT]: hang(),
    });
    const outcome = settle(api.client().ai.runAndWait({ key: KEY }, { timeoutMs: 2000 }));
    await vi.advanceTimersByTimeAsync(2000);

    const error = outcome.error as WaitTimeoutError;
    expect(error.endedAs).toBe('failed');
    expect(error.lastStatus).toBeNull();
    expect(error.message).toContain('ended failed, but reading its result did not finish');
  });

  it('has endedAs null and says the work did not end when it was still running', async () => {
    const api = waitApi(statuses('in_progress'));
    const outcome = await waitFor(api, { timeoutMs: 2000 });
    const error = outcome.error as WaitTimeoutError;
    expect(error.endedAs).toBeNull();
    expect(error.message).toBe(
      `The work on key ${KEY} did not end within 2000 ms; last status in_progress.`,
    );
  });
});

describe('ai.wait onStatus', () => {
  it('is called with every status read, in order', async () => {
    const api = waitApi(statuses('polling', 'acquired', 'in_progress', 'completed'));
    const seen: LeaseStatus[] = [];
    await waitFor(api, { onStatus: (status) => seen.push(status) });
    expect(seen.map((status) => status.status)).toEqual([
      'polling',
      'acquired',
      'in_progress',
      'completed',
    ]);
    expect(seen.map((status) => status.version)).toEqual([1, 2, 3, 4]);
  });

  it('awaits an async onStatus before polling again', async () => {
    const api = waitApi(statuses('in_progress', 'completed'));
    const onStatus = () => new Promise<void>((resolve) => setTimeout(resolve, 1000));
    const outcome = await waitFor(api, { pollIntervalMs: 500, maxPollIntervalMs: 500, onStatus });
    expect(outcome.value).toEqual(DONE);
    expect(pollTimes(api)).toEqual([0, 1500]);
  });

  it('rejects with the error of an async onStatus that rejects, reading no result', async () => {
    const api = waitApi(statuses('completed'));
    const broken = new Error('progress bar broke');
    const outcome = await waitFor(api, {
      onStatus: async () => {
        throw broken;
      },
    });
    expect(outcome.error).toBe(broken);
    expect(api.to(STATUS)).toHaveLength(1);
    expect(api.to(RESULT)).toHaveLength(0);
  });

  it('is cut off at the deadline when it never settles, leaving no timer behind', async () => {
    const api = waitApi(statuses('in_progress'));
    const outcome = await waitFor(api, {
      timeoutMs: 2000,
      onStatus: () => new Promise(() => {}),
    });
    expect(outcome.error).toBeInstanceOf(WaitTimeoutError);
    expect(outcome.at).toBe(start + 2000);
    expect(api.to(STATUS)).toHaveLength(1);
  });

  it('is cut off by the signal while it runs', async () => {
    const api = waitApi(statuses('in_progress', 'completed'));
    const controller = new AbortController();
    const slow = () => new Promise<void>((resolve) => setTimeout(resolve, 10_000));
    const outcome = settle(
      api.client().ai.wait(KEY, { signal: controller.signal, onStatus: slow }),
    );
    await vi.advanceTimersByTimeAsync(1000);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);

    expect(outcome.error).toBeInstanceOf(AbortError);
    expect(outcome.at).toBe(start + 1000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(api.to(STATUS)).toHaveLength(1);
  });

  it('ignores a rejection that comes after the deadline cut it off', async () => {
    const api = waitApi(statuses('in_progress'));
    const late = () =>
      new Promise<void>((_, reject) => setTimeout(() => reject(new Error('late')), 5000));
    const outcome = await waitFor(api, { timeoutMs: 2000, onStatus: late });
    // Rejected at 5000 ms with nobody waiting: no unhandled rejection fails the run.
    expect(outcome.error).toBeInstanceOf(WaitTimeoutError);
    expect(outcome.at).toBe(start + 2000);
  });

  it('gives its own error, not WaitTimeoutError, when it throws after outlasting the deadline', async () => {
    const api = waitApi(statuses('in_progress'));
    const broken = new Error('progress bar broke');
    const outcome = await waitFor(api, {
      timeoutMs: 2000,
      onStatus: () => {
        // A slow synchronous callback: the deadline passes while it runs, then it throws.
        vi.advanceTimersByTime(3000);
        throw broken;
      },
    });
    expect(outcome.error).toBe(broken);
  });
});

describe('ai.wait input', () => {
  it.each([
    ['an onStatus that is not a function', { onStatus: 'log' as never }],
    ['maxPollIntervalMs below pollIntervalMs', { pollIntervalMs: 1000, maxPollIntervalMs: 500 }],
    ['a timeoutMs of 0', { timeoutMs: 0 }],
    ['a negative pollIntervalMs', { pollIntervalMs: -1 }],
    ['a NaN maxPollIntervalMs', { maxPollIntervalMs: Number.NaN }],
    ['a timeoutMs beyond 2^31-1 ms (30 days)', { timeoutMs: 30 * 24 * 3600 * 1000 }],
  ])('refuses %s without sending', async (_, options) => {
    const api = waitApi(statuses('completed'));
    const outcome = await waitFor(api, options);
    expect(outcome.error).toBeInstanceOf(InvalidInputError);
    expect(api.requests).toHaveLength(0);
  });

  it('rejects (rather than throws) for an empty key, sending nothing', async () => {
    const api = waitApi(statuses('completed'));
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = api.client().ai.wait('');
    }).not.toThrow();
    await expect(promise).rejects.toBeInstanceOf(InvalidInputError);
    expect(api.requests).toHaveLength(0);
  });
});

describe('ai.runAndWait', () => {
  it('starts a key-mode run, then polls status and gives the result', async () => {
    const api = waitApi(statuses('in_progress', 'completed'), {
      [RUN]: json(leaseState(KEY, 'acquired')),
    });
    const outcome = settle(api.client().ai.runAndWait({ key: KEY, ttl: 60, run_id: 'r1' }));
    await vi.advanceTimersByTimeAsync(60_000);

    expect(outcome.value).toEqual(DONE);
    expect(api.routes()).toEqual([RUN, STATUS, STATUS, RESULT]);
    expect(api.to(RUN)[0]?.body).toStrictEqual({ key: KEY, ttl: 60, metadata: { run_id: 'r1' } });
  });

  it.each(['completed', 'failed', 'cancelled', 'expired'])(
    'goes straight to the result when the run already answers %s',
    async (terminal) => {
      const stored = aiResult(KEY, terminal);
      const api = waitApi(statuses('in_progress'), {
        [RUN]: json(leaseState(KEY, terminal)),
        [RESULT]: json(stored),
      });
      const outcome = settle(api.client().ai.runAndWait({ key: KEY }));
      await vi.advanceTimersByTimeAsync(0);

      expect(outcome.value).toEqual(stored);
      expect(api.routes()).toEqual([RUN, RESULT]);
    },
  );

  it('polls when the run answers polling (someone else runs it)', async () => {
    const api = waitApi(statuses('completed'), { [RUN]: json(leaseState(KEY, 'polling')) });
    const outcome = settle(api.client().ai.runAndWait({ key: KEY }));
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.value).toEqual(DONE);
    expect(api.routes()).toEqual([RUN, STATUS, RESULT]);
  });

  it('counts the run call against the one deadline', async () => {
    const api = waitApi(statuses('in_progress'), {
      [RUN]: after(1500, json(leaseState(KEY, 'acquired'))),
    });
    const outcome = settle(
      api.client().ai.runAndWait({ key: KEY }, { timeoutMs: 2000, pollIntervalMs: 1000 }),
    );
    await vi.advanceTimersByTimeAsync(1999);
    expect(outcome.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);

    // Run 0-1500 ms, one poll at 1500 ms, and the deadline at 2000 ms: not 2000 ms after the run.
    expect(outcome.error).toBeInstanceOf(WaitTimeoutError);
    expect((outcome.error as WaitTimeoutError).timeoutMs).toBe(2000);
    expect(pollTimes(api)).toEqual([1500]);
  });

  it('times out with lastStatus null when the run call outlasts the deadline', async () => {
    const api = waitApi(statuses('completed'), { [RUN]: hang() });
    const outcome = settle(api.client().ai.runAndWait({ key: KEY }, { timeoutMs: 1000 }));
    await vi.advanceTimersByTimeAsync(1000);

    expect(outcome.error).toBeInstanceOf(WaitTimeoutError);
    expect((outcome.error as WaitTimeoutError).lastStatus).toBeNull();
    expect(api.to(STATUS)).toHaveLength(0);
  });

  it('rejects with AbortError when aborted during the run call', async () => {
    const api = waitApi(statuses('completed'), { [RUN]: hang() });
    const controller = new AbortController();
    const outcome = settle(api.client().ai.runAndWait({ key: KEY }, { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(50);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.error).toBeInstanceOf(AbortError);
    expect(outcome.error).not.toBeInstanceOf(WaitTimeoutError);
  });

  it('refuses tool-mode params without sending', async () => {
    const api = waitApi(statuses('completed'));
    const outcome = settle(api.client().ai.runAndWait({ agent_id: 'a', tool: 't' } as never));
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome.error).toBeInstanceOf(InvalidInputError);
    expect(api.requests).toHaveLength(0);
  });
});

describe('ai.wait on a job that completes 10 s after it starts (no hint, defaults)', () => {
  it('sees the completion within one maxPollIntervalMs, in at most 6 status polls', async () => {
    const completesAt = start + 10_000;
    const api = scriptedApi({
      [STATUS]: (request) =>
        json(leaseStatus(KEY, request.at >= completesAt ? 'completed' : 'in_progress'))(request),
      [RESULT]: json(DONE),
    });
    const outcome = await waitFor(api, {});

    expect(outcome.value).toEqual(DONE);
    // The README promises at most 6 status calls for this job.
    expect(api.to(STATUS).length).toBeLessThanOrEqual(6);
    const seenAt = (api.to(RESULT)[0]?.at ?? Number.NaN) - start;
    expect(seenAt).toBeGreaterThanOrEqual(10_000);
    expect(seenAt - 10_000).toBeLessThanOrEqual(5000);
    expect(outcome.at).toBe(start + seenAt);
  });
});
