// Retries of the transport: how many, after which failures, how long apart, and that each
// attempt repeats the same request (body and X-Request-Id).

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ApiError,
  ConnectionError,
  InternalServerError,
  NotFoundError,
  type OnceOnly,
  RateLimitError,
  TimeoutError,
} from '../../src/index.js';
import {
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  parseRetryAfterMs,
} from '../../src/internal/retry.js';
import {
  clientWith,
  EVENT,
  errorReply,
  type FakeFetch,
  failureOf,
  fakeFetch,
  fetchFailed,
  json,
  LOCKED,
  neverAnswers,
  type Reply,
  resultOf,
  TOOL,
  track,
} from '../support/fake-fetch.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Operation {
  call: (client: OnceOnly) => PromiseLike<unknown>;
  ok: Reply;
}

const GET_ME: Operation = { call: (c) => c.me(), ok: json(200, { id: 'acct_1' }) };
const CREATE_TOOL: Operation = { call: (c) => c.gov.createTool(TOOL), ok: json(200, { ...TOOL }) };
const CHECK_LOCK: Operation = {
  call: (c) => c.checkLock({ key: 'order:1', ttl: 60 }),
  ok: json(200, LOCKED),
};
const POST_EVENT: Operation = { call: (c) => c.postEvent(EVENT), ok: json(201, { ok: true }) };

/** Every kind of request: GET, safe POST, replay POST and the never-repeat POST. */
const EVERY_REQUEST: [string, Operation][] = [
  ['GET me()', GET_ME],
  ['safe POST gov.createTool()', CREATE_TOOL],
  ['replay POST checkLock()', CHECK_LOCK],
  ['never POST postEvent()', POST_EVENT],
];
/** Requests whose repetition is harmless even when the server acted on the first attempt. */
const REPEATABLE = EVERY_REQUEST.filter(([, op]) => op !== POST_EVENT);

/** Advances fake time and checks the next attempt comes exactly `delayMs` after the last. */
async function expectNextAttemptAfter(fetch: FakeFetch, delayMs: number) {
  const before = fetch.calls.length;
  await vi.advanceTimersByTimeAsync(delayMs - 1);
  expect(fetch.calls.length, `no attempt before ${delayMs} ms`).toBe(before);
  await vi.advanceTimersByTimeAsync(1);
  expect(fetch.calls.length, `an attempt at ${delayMs} ms`).toBe(before + 1);
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('maxRetries bounds the attempts', () => {
  it('makes 3 attempts by default (maxRetries 2), then throws the last error', async () => {
    const fetch = fakeFetch(errorReply(503));
    const error = await failureOf(clientWith(fetch).me());

    expect(fetch.calls).toHaveLength(3);
    expect(error).toBeInstanceOf(InternalServerError);
    expect((error as InternalServerError).status).toBe(503);
  });

  it.each([0, 1, 4])('makes maxRetries + 1 attempts with the client option %i', async (n) => {
    const fetch = fakeFetch(errorReply(503));
    await failureOf(clientWith(fetch, { maxRetries: n }).me());

    expect(fetch.calls).toHaveLength(n + 1);
  });

  it('lets a per-call maxRetries override the client option, both ways', async () => {
    const fewer = fakeFetch(errorReply(503));
    await failureOf(clientWith(fewer, { maxRetries: 4 }).me({ maxRetries: 1 }));
    expect(fewer.calls).toHaveLength(2);

    const none = fakeFetch(errorReply(503));
    await failureOf(clientWith(none, { maxRetries: 4 }).me({ maxRetries: 0 }));
    expect(none.calls).toHaveLength(1);

    const more = fakeFetch(errorReply(503));
    await failureOf(clientWith(more, { maxRetries: 0 }).me({ maxRetries: 3 }));
    expect(more.calls).toHaveLength(4);
  });

  it('returns the answer of the attempt that succeeds', async () => {
    const fetch = fakeFetch(errorReply(503), errorReply(503), json(200, { id: 'acct_9' }));
    const me = await resultOf(clientWith(fetch).me());

    expect(me).toEqual({ id: 'acct_9' });
    expect(fetch.calls).toHaveLength(3);
  });
});

describe('exponential backoff with jitter', () => {
  it('gives 500 ms doubling per retry, capped at 8 s, when the jitter is nothing', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 10].map((retry) =>
      backoffDelayMs(retry, DEFAULT_RETRY_POLICY, () => 0),
    );
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000, 8000]);
  });

  it('takes off at most 25% for the jitter', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((retry) =>
      backoffDelayMs(retry, DEFAULT_RETRY_POLICY, () => 1),
    );
    expect(delays).toEqual([375, 750, 1500, 3000, 6000, 6000]);
  });

  it.each([0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999999])(
    'stays within [75%, 100%] of the capped exponential for random() = %f',
    (random) => {
      for (let retry = 1; retry <= 10; retry++) {
        const ceiling = Math.min(8000, 500 * 2 ** (retry - 1));
        const delay = backoffDelayMs(retry, DEFAULT_RETRY_POLICY, () => random);
        expect(delay).toBeGreaterThanOrEqual(ceiling * 0.75);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    },
  );

  it('varies with the random draw (clients failing together do not retry together)', () => {
    const a = backoffDelayMs(3, DEFAULT_RETRY_POLICY, () => 0.1);
    const b = backoffDelayMs(3, DEFAULT_RETRY_POLICY, () => 0.9);
    expect(a).not.toBe(b);
  });

  it('waits 500, 1000, 2000, 4000, 8000, 8000 ms between attempts (no jitter drawn)', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const fetch = fakeFetch(errorReply(503));
    const call = track(clientWith(fetch, { maxRetries: 6 }).me());

    expect(fetch.calls).toHaveLength(1);
    for (const delay of [500, 1000, 2000, 4000, 8000, 8000]) {
      await expectNextAttemptAfter(fetch, delay);
    }
    await vi.runAllTimersAsync();
    expect(fetch.calls).toHaveLength(7);
    expect((await call.outcome).ok).toBe(false);
  });

  it('waits no less than the lower bound: 375, 750, 1500, 3000, 6000 ms (most jitter)', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999999);
    const fetch = fakeFetch(errorReply(503));
    const call = track(clientWith(fetch, { maxRetries: 5 }).me());

    for (const delay of [375, 750, 1500, 3000, 6000]) {
      await expectNextAttemptAfter(fetch, delay);
    }
    expect(fetch.calls).toHaveLength(6);
    expect((await call.outcome).ok).toBe(false);
  });
});

describe('which failures are retried', () => {
  describe.each([429, 408, 503])('HTTP %i (the server did not act on it)', (code) => {
    it.each(EVERY_REQUEST)('is retried for %s', async (_, op) => {
      const fetch = fakeFetch(errorReply(code), op.ok);
      await resultOf(op.call(clientWith(fetch)));

      expect(fetch.calls).toHaveLength(2);
    });
  });

  describe.each([500, 502, 504])('HTTP %i (the server may have acted on it)', (code) => {
    it.each(REPEATABLE)('is retried for %s', async (_, op) => {
      const fetch = fakeFetch(errorReply(code), op.ok);
      await resultOf(op.call(clientWith(fetch)));

      expect(fetch.calls).toHaveLength(2);
    });

    it('is not retried for postEvent (x-onceonly-retry: never)', async () => {
      const fetch = fakeFetch(errorReply(code), POST_EVENT.ok);
      const error = await failureOf(clientWith(fetch, { maxRetries: 3 }).postEvent(EVENT));

      expect(fetch.calls).toHaveLength(1);
      expect(error).toBeInstanceOf(InternalServerError);
      expect((error as InternalServerError).status).toBe(code);
    });
  });

  describe.each([400, 401, 402, 403, 404, 409, 422])('HTTP %i (a client error)', (code) => {
    it.each([
      ['GET me()', GET_ME],
      ['safe POST gov.createTool()', CREATE_TOOL],
    ] as const)('is never retried for %s', async (_, op) => {
      const fetch = fakeFetch(errorReply(code), op.ok);
      const error = await failureOf(op.call(clientWith(fetch, { maxRetries: 3 })));

      expect(fetch.calls).toHaveLength(1);
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).status).toBe(code);
    });
  });

  it.each(REPEATABLE)('retries a connection failure (ECONNRESET) for %s', async (_, op) => {
    const fetch = fakeFetch(fetchFailed('ECONNRESET'), op.ok);
    await resultOf(op.call(clientWith(fetch)));

    expect(fetch.calls).toHaveLength(2);
  });

  it.each(['ECONNRESET', 'UND_ERR_SOCKET', undefined])(
    'does not retry postEvent after a connection failure that may have sent it (code %s)',
    async (code) => {
      const fetch = fakeFetch(fetchFailed(code), POST_EVENT.ok);
      const error = await failureOf(clientWith(fetch, { maxRetries: 3 }).postEvent(EVENT));

      expect(fetch.calls).toHaveLength(1);
      expect(error).toBeInstanceOf(ConnectionError);
    },
  );

  it.each(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT'])(
    'retries postEvent when %s shows the request was never sent',
    async (code) => {
      const fetch = fakeFetch(fetchFailed(code), POST_EVENT.ok);
      const created = await resultOf(clientWith(fetch).postEvent(EVENT));

      expect(created).toEqual({ ok: true });
      expect(fetch.calls).toHaveLength(2);
    },
  );

  it.each(REPEATABLE)('retries a timed-out attempt for %s', async (_, op) => {
    const fetch = fakeFetch(neverAnswers(), op.ok);
    await resultOf(op.call(clientWith(fetch, { timeoutMs: 1000 })));

    expect(fetch.calls).toHaveLength(2);
  });

  it('does not retry a timed-out postEvent (the server may have appended it)', async () => {
    const fetch = fakeFetch(neverAnswers(), POST_EVENT.ok);
    const error = await failureOf(clientWith(fetch, { timeoutMs: 1000 }).postEvent(EVENT));

    expect(fetch.calls).toHaveLength(1);
    expect(error).toBeInstanceOf(TimeoutError);
  });
});

describe('an error after retries says whether an earlier attempt may have acted', () => {
  const DELETE_TOOL = (c: OnceOnly) => c.gov.deleteTool('send_email');
  const NOT_FOUND = json(404, { detail: 'Tool not found' });

  it.each<[string, Reply[], boolean]>([
    ['502 then 404: the first attempt may have deleted it', [errorReply(502), NOT_FOUND], true],
    ['a timeout then 404', [neverAnswers(), NOT_FOUND], true],
    ['ECONNRESET then 404', [fetchFailed('ECONNRESET'), NOT_FOUND], true],
    [
      '500, then 503, then 404: the mark stays',
      [errorReply(500), errorReply(503), NOT_FOUND],
      true,
    ],
    ['503 then 404: the server did not act on the first', [errorReply(503), NOT_FOUND], false],
    ['429 then 404', [errorReply(429), NOT_FOUND], false],
    ['ECONNREFUSED then 404: nothing was sent', [fetchFailed('ECONNREFUSED'), NOT_FOUND], false],
    ['404 at once', [NOT_FOUND], false],
  ])('deleteTool answered %s', async (_, replies, expected) => {
    const fetch = fakeFetch(...replies);
    const error = await failureOf(DELETE_TOOL(clientWith(fetch, { timeoutMs: 1000 })));

    expect(fetch.calls).toHaveLength(replies.length);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).retriedAfterUnknownOutcome).toBe(expected);
  });

  it('marks the last error when the retries run out after an unknown outcome', async () => {
    const fetch = fakeFetch(errorReply(502), errorReply(429));
    const error = await failureOf(clientWith(fetch, { maxRetries: 1 }).me());

    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retriedAfterUnknownOutcome).toBe(true);
  });
});

describe('Retry-After', () => {
  describe('parseRetryAfterMs', () => {
    it.each([
      ['2', 2000],
      ['0.5', 500],
      ['0', 0],
      [' 3 ', 3000],
      ['86400', 86_400_000],
    ])('reads delta seconds %j as %i ms', (value, ms) => {
      expect(parseRetryAfterMs(value)).toBe(ms);
    });

    it('reads an HTTP date as the time left until it', () => {
      const now = Date.parse('2030-01-01T00:00:00Z');
      expect(parseRetryAfterMs('Tue, 01 Jan 2030 00:00:03 GMT', now)).toBe(3000);
      expect(parseRetryAfterMs('Mon, 31 Dec 2029 23:59:00 GMT', now)).toBe(0);
    });

    it.each([
      ['IMF-fixdate', 'Tue, 01 Jan 2030 00:00:03 GMT', 3000],
      ['IMF-fixdate, end of February', 'Thu, 28 Feb 2030 00:00:00 GMT', 58 * 86_400_000],
      ['RFC 850', 'Tuesday, 01-Jan-30 00:00:03 GMT', 3000],
      ['RFC 850, a year over 50 years ahead is in the past', 'Friday, 01-Jan-99 00:00:00 GMT', 0],
      ['asctime', 'Tue Jan  1 00:00:03 2030', 3000],
      ['asctime, two-digit day', 'Sat Jan 12 00:00:00 2030', 11 * 86_400_000],
    ])('reads the %s form', (_, value, ms) => {
      expect(parseRetryAfterMs(value, Date.parse('2030-01-01T00:00:00Z'))).toBe(ms);
    });

    it.each([
      null,
      '',
      'soon',
      '-5',
      '1e3',
      'NaN',
      // `Date.parse` reads each of these as some date, most of them long past: "retry now".
      'a 1',
      'x 5',
      'Retry 2',
      '1 a',
      '2030-01-01T00:00:03Z',
      'Tue, 01 Jan 2030',
      'Tue, 01 Jan 2030 00:00:03',
      'Tue, 01 Jan 2030 00:00:03 UTC',
      'tue, 01 jan 2030 00:00:03 gmt',
      'Tue, 1 Jan 2030 00:00:03 GMT',
      'Tue, 31 Feb 2030 00:00:03 GMT',
      'Tue, 01 Jan 2030 24:00:00 GMT',
      'Tue, 01 Foo 2030 00:00:03 GMT',
      'Wed, 01 Jan 2030 00:00:03 GMT',
      'Tuesday, 31-Feb-30 00:00:03 GMT',
      'Tue Feb 31 00:00:03 2030',
      'Tuesday, 01-Jan-2030 00:00:03 GMT',
      'Tue Jan 1 00:00:03 2030',
    ])('gives null for %j, which is neither form', (value) => {
      expect(parseRetryAfterMs(value, Date.parse('2030-01-01T00:00:00Z'))).toBeNull();
    });
  });

  it('waits the delta seconds asked ("2") instead of the backoff', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const fetch = fakeFetch(errorReply(429, { 'Retry-After': '2' }), GET_ME.ok);
    const call = track(clientWith(fetch).me());

    await expectNextAttemptAfter(fetch, 2000);
    expect(await call.outcome).toEqual({ ok: true, value: { id: 'acct_1' } });
  });

  it('waits fractional seconds ("0.5") exactly, not the shorter backoff', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999999); // backoff alone would wait 375 ms
    const fetch = fakeFetch(errorReply(503, { 'Retry-After': '0.5' }), GET_ME.ok);
    const call = track(clientWith(fetch).me());

    await expectNextAttemptAfter(fetch, 500);
    expect((await call.outcome).ok).toBe(true);
  });

  it.each(['a 1', 'Retry 2'])(
    'waits the backoff, not "now", for a Retry-After of junk (%j)',
    async (junk) => {
      vi.spyOn(Math, 'random').mockReturnValue(0);
      const fetch = fakeFetch(errorReply(429, { 'Retry-After': junk }), GET_ME.ok);
      const call = track(clientWith(fetch).me());

      await expectNextAttemptAfter(fetch, DEFAULT_RETRY_POLICY.initialDelayMs);
      expect((await call.outcome).ok).toBe(true);
    },
  );

  it('waits until an HTTP date, counted from the current time', async () => {
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const retryAfter = { 'Retry-After': 'Tue, 01 Jan 2030 00:00:03 GMT' };
    const fetch = fakeFetch(errorReply(429, retryAfter), GET_ME.ok);
    const call = track(clientWith(fetch).me());

    await expectNextAttemptAfter(fetch, 3000);
    expect((await call.outcome).ok).toBe(true);
  });

  it.each(['soon', '-5', undefined])('falls back to the backoff for %j', async (value) => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const headers: Record<string, string> = value === undefined ? {} : { 'Retry-After': value };
    const fetch = fakeFetch(errorReply(429, headers), GET_ME.ok);
    const call = track(clientWith(fetch).me());

    await expectNextAttemptAfter(fetch, 500);
    expect((await call.outcome).ok).toBe(true);
  });

  it.each(['soon', '-5'])('leaves RateLimitError.retryAfterMs null for %j', async (value) => {
    const fetch = fakeFetch(errorReply(429, { 'Retry-After': value }));
    const error = await failureOf(clientWith(fetch, { maxRetries: 0 }).me());

    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBeNull();
  });

  it('gives RateLimitError.retryAfterMs when the retries run out', async () => {
    const fetch = fakeFetch(errorReply(429, { 'Retry-After': '2' }));
    const error = await failureOf(clientWith(fetch, { maxRetries: 1 }).me());

    expect(fetch.calls).toHaveLength(2);
    expect((error as RateLimitError).retryAfterMs).toBe(2000);
  });

  it('throws at once, without waiting or retrying, when asked to wait over 60 s', async () => {
    const fetch = fakeFetch(errorReply(429, { 'Retry-After': '86400' }), GET_ME.ok);
    const call = track(clientWith(fetch, { maxRetries: 3 }).me());

    await vi.advanceTimersByTimeAsync(0); // lets promises settle; no time passes
    expect(call.done()).toBe(true);
    const outcome = await call.outcome;
    expect(outcome.ok).toBe(false);
    const error = (outcome as { error: unknown }).error;
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(86_400_000);
    expect(fetch.calls).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('still honours a wait of exactly 60 s (the ceiling)', async () => {
    const fetch = fakeFetch(errorReply(503, { 'Retry-After': '60' }), GET_ME.ok);
    const call = track(clientWith(fetch).me());

    await expectNextAttemptAfter(fetch, 60_000);
    expect((await call.outcome).ok).toBe(true);
  });
});

describe('each attempt repeats the whole request', () => {
  it.each([
    ['gov.createTool()', CREATE_TOOL, TOOL, 503],
    ['postEvent()', POST_EVENT, EVENT, 429],
    ['checkLock()', CHECK_LOCK, { key: 'order:1', ttl: 60 }, 500],
  ] as const)('sends the full body of %s on every attempt', async (_, op, sent, code) => {
    const fetch = fakeFetch(errorReply(code), errorReply(code), op.ok);
    await resultOf(op.call(clientWith(fetch)));

    expect(fetch.calls).toHaveLength(3);
    const [first, ...others] = fetch.calls.map((c) => c.body);
    expect(first).toBeTruthy();
    expect(JSON.parse(first as string)).toEqual(sent);
    for (const body of others) expect(body).toBe(first);
    expect(new Set(fetch.calls.map((c) => `${c.method} ${c.url}`)).size).toBe(1);
  });
});

describe('X-Request-Id', () => {
  const idsOf = (fetch: FakeFetch) => fetch.calls.map((c) => c.headers.get('X-Request-Id'));

  it('sends one UUID per call, the same on every attempt', async () => {
    const fetch = fakeFetch(fetchFailed('ECONNRESET'), neverAnswers(), errorReply(503), GET_ME.ok);
    await resultOf(clientWith(fetch, { maxRetries: 3, timeoutMs: 1000 }).me());

    const ids = idsOf(fetch);
    expect(ids).toHaveLength(4);
    expect(ids[0]).toMatch(UUID);
    expect(new Set(ids)).toEqual(new Set([ids[0]]));
  });

  it('sends a new id on the next call', async () => {
    const fetch = fakeFetch(GET_ME.ok);
    const client = clientWith(fetch);
    await resultOf(client.me());
    await resultOf(client.me());

    const [first, second] = idsOf(fetch);
    expect(first).toMatch(UUID);
    expect(second).toMatch(UUID);
    expect(second).not.toBe(first);
  });

  it("sends the caller's X-Request-Id on every attempt and reports it", async () => {
    const fetch = fakeFetch(errorReply(503), errorReply(503), CHECK_LOCK.ok);
    const client = clientWith(fetch);
    const result = await resultOf(
      client.checkLock({ key: 'order:1' }, { headers: { 'X-Request-Id': 'caller-id-1' } }),
    );

    expect(idsOf(fetch)).toEqual(['caller-id-1', 'caller-id-1', 'caller-id-1']);
    expect(result.request_id).toBe('caller-id-1');
  });
});
