// Timeouts and cancellation of the transport, and that a finished call leaves no timer behind
// and no listener on the caller's AbortSignal.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AbortError, ConnectionError, TimeoutError } from '../../src/index.js';
import {
  clientWith,
  countingAbortController,
  delayed,
  EVENT,
  errorReply,
  failureOf,
  fakeFetch,
  hangsUntilAborted,
  json,
  LOCKED,
  neverAnswers,
  resultOf,
  stalledBody,
  track,
} from '../support/fake-fetch.js';

const ME = json(200, { id: 'acct_1' });

/** Lets pending promises run without moving fake time. */
const flush = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('the timeout covers the whole attempt', () => {
  it('times out when the body stalls after the headers', async () => {
    const fetch = fakeFetch(stalledBody());
    const call = track(clientWith(fetch, { timeoutMs: 1000, maxRetries: 0 }).me());

    await vi.advanceTimersByTimeAsync(999);
    expect(call.done()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(call.done()).toBe(true);

    const outcome = await call.outcome;
    expect(outcome.ok).toBe(false);
    const error = (outcome as { error: unknown }).error;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as TimeoutError).message).toContain('1000 ms');
  });

  it('retries a safe request whose body stalled, and gets the next answer', async () => {
    const fetch = fakeFetch(stalledBody(), ME);
    const me = await resultOf(clientWith(fetch, { timeoutMs: 1000 }).me());

    expect(me).toEqual({ id: 'acct_1' });
    expect(fetch.calls).toHaveLength(2);
  });

  it('times out when fetch ignores its signal and never answers', async () => {
    const fetch = fakeFetch(neverAnswers());
    const call = track(clientWith(fetch, { timeoutMs: 2500, maxRetries: 0 }).me());

    await vi.advanceTimersByTimeAsync(2499);
    expect(call.done()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);

    const outcome = await call.outcome;
    expect(outcome.ok).toBe(false);
    expect((outcome as { error: unknown }).error).toBeInstanceOf(TimeoutError);
  });

  it('aborts the signal given to fetch when the attempt times out', async () => {
    const fetch = fakeFetch(hangsUntilAborted());
    const error = await failureOf(clientWith(fetch, { timeoutMs: 1000, maxRetries: 0 }).me());

    expect(error).toBeInstanceOf(TimeoutError);
    expect(fetch.calls[0]?.signal?.aborted).toBe(true);
  });

  it("applies a per-call timeoutMs shorter than the client's", async () => {
    const fetch = fakeFetch(neverAnswers());
    const client = clientWith(fetch, { timeoutMs: 10_000, maxRetries: 0 });
    const call = track(client.me({ timeoutMs: 200 }));

    await vi.advanceTimersByTimeAsync(199);
    expect(call.done()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);

    const outcome = await call.outcome;
    expect(outcome.ok).toBe(false);
    const error = (outcome as { error: unknown }).error;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toContain('200 ms');
  });

  it("applies a per-call timeoutMs longer than the client's", async () => {
    const fetch = fakeFetch(delayed(3000, ME));
    const client = clientWith(fetch, { timeoutMs: 100, maxRetries: 0 });
    const me = await resultOf(client.me({ timeoutMs: 5000 }));

    expect(me).toEqual({ id: 'acct_1' });
  });

  it('gives the TimeoutError the request id that was sent', async () => {
    const fetch = fakeFetch(neverAnswers());
    const error = await failureOf(clientWith(fetch, { timeoutMs: 100, maxRetries: 0 }).me());

    expect((error as TimeoutError).request_id).toBe(fetch.calls[0]?.headers.get('X-Request-Id'));
  });
});

describe("the caller's AbortSignal", () => {
  it('aborts a request in flight with AbortError whose cause is the reason, unretried', async () => {
    const fetch = fakeFetch(hangsUntilAborted(), ME);
    const controller = new AbortController();
    const call = track(clientWith(fetch, { maxRetries: 3 }).me({ signal: controller.signal }));
    await flush();

    const reason = new Error('user navigated away');
    controller.abort(reason);
    await flush();
    expect(call.done()).toBe(true);

    await vi.runAllTimersAsync();
    const outcome = await call.outcome;
    expect(outcome.ok).toBe(false);
    const error = (outcome as { error: unknown }).error;
    expect(error).toBeInstanceOf(AbortError);
    expect(error).not.toBeInstanceOf(ConnectionError);
    expect((error as AbortError).cause).toBe(reason);
    expect(fetch.calls).toHaveLength(1);
    expect(fetch.calls[0]?.signal?.aborted).toBe(true);
  });

  it('aborts a postEvent in flight with AbortError, not a ConnectionError', async () => {
    const fetch = fakeFetch(hangsUntilAborted());
    const controller = new AbortController();
    const call = track(clientWith(fetch).postEvent(EVENT, { signal: controller.signal }));
    await flush();

    controller.abort('stop');
    await flush();

    const outcome = await call.outcome;
    expect(call.done()).toBe(true);
    expect((outcome as { error: unknown }).error).toBeInstanceOf(AbortError);
    expect(fetch.calls).toHaveLength(1);
  });

  it('aborts promptly even when fetch ignores its signal', async () => {
    const fetch = fakeFetch(neverAnswers());
    const controller = new AbortController();
    const call = track(clientWith(fetch).me({ signal: controller.signal }));
    await flush();

    controller.abort('stop');
    await flush();

    expect(call.done()).toBe(true);
    const outcome = await call.outcome;
    expect((outcome as { error: unknown }).error).toBeInstanceOf(AbortError);
    expect(((outcome as { error: unknown }).error as AbortError).cause).toBe('stop');
  });

  it('aborts while the body is being read', async () => {
    const fetch = fakeFetch(stalledBody());
    const controller = new AbortController();
    const call = track(clientWith(fetch).me({ signal: controller.signal }));
    await flush();

    controller.abort('stop');
    await flush();

    expect(call.done()).toBe(true);
    expect(((await call.outcome) as { error: unknown }).error).toBeInstanceOf(AbortError);
  });

  it('aborts the wait between attempts promptly, with no further attempt', async () => {
    const fetch = fakeFetch(errorReply(503), ME);
    const controller = new AbortController();
    const call = track(clientWith(fetch, { maxRetries: 3 }).me({ signal: controller.signal }));
    await flush();
    expect(fetch.calls).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(1); // the wait before the retry

    const reason = new Error('shutting down');
    controller.abort(reason);
    await flush();
    expect(call.done()).toBe(true);

    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetch.calls).toHaveLength(1);
    const error = ((await call.outcome) as { error: unknown }).error;
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe(reason);
  });

  it('sends no request at all when the signal is already aborted', async () => {
    const fetch = fakeFetch(ME);
    const reason = new Error('too late');
    const error = await failureOf(clientWith(fetch).me({ signal: AbortSignal.abort(reason) }));

    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe(reason);
    expect(fetch.calls).toHaveLength(0);
  });

  it('sends no check-lock when the signal is already aborted, even with failOpen', async () => {
    const fetch = fakeFetch(json(200, LOCKED));
    const signal = AbortSignal.abort('too late');
    const error = await failureOf(
      clientWith(fetch).checkLock({ key: 'order:1' }, { signal, failOpen: true }),
    );

    expect(error).toBeInstanceOf(AbortError);
    expect(fetch.calls).toHaveLength(0);
  });
});

describe('nothing is left behind', () => {
  it('after a success: no timer, no listener on the signal (which was listened to)', async () => {
    const fetch = fakeFetch(delayed(100, ME));
    const { signal, listenerCount } = countingAbortController();
    const call = track(clientWith(fetch).me({ signal }));
    await flush();
    expect(listenerCount()).toBeGreaterThan(0);

    await vi.advanceTimersByTimeAsync(100);
    expect((await call.outcome).ok).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(listenerCount()).toBe(0);
  });

  it('after an error answer and its retries', async () => {
    const fetch = fakeFetch(errorReply(503));
    const { signal, listenerCount } = countingAbortController();
    await failureOf(clientWith(fetch).postEvent(EVENT, { signal }));

    expect(fetch.calls).toHaveLength(3);
    expect(vi.getTimerCount()).toBe(0);
    expect(listenerCount()).toBe(0);
  });

  it.each([0, 2])('after a timeout (maxRetries %i)', async (maxRetries) => {
    const fetch = fakeFetch(neverAnswers());
    const { signal, listenerCount } = countingAbortController();
    const client = clientWith(fetch, { timeoutMs: 1000, maxRetries });
    const error = await failureOf(client.me({ signal }));

    expect(error).toBeInstanceOf(TimeoutError);
    expect(vi.getTimerCount()).toBe(0);
    expect(listenerCount()).toBe(0);
  });

  it('after a body that stalled until the timeout', async () => {
    const fetch = fakeFetch(stalledBody());
    const { signal, listenerCount } = countingAbortController();
    const client = clientWith(fetch, { timeoutMs: 1000, maxRetries: 0 });
    await failureOf(client.me({ signal }));

    expect(vi.getTimerCount()).toBe(0);
    expect(listenerCount()).toBe(0);
  });

  it('after an abort during the request', async () => {
    const fetch = fakeFetch(hangsUntilAborted());
    const { controller, signal, listenerCount } = countingAbortController();
    const call = track(clientWith(fetch).me({ signal }));
    await flush();
    controller.abort();
    await flush();

    expect(((await call.outcome) as { error: unknown }).error).toBeInstanceOf(AbortError);
    expect(vi.getTimerCount()).toBe(0);
    expect(listenerCount()).toBe(0);
  });

  it('after an abort during the wait between attempts', async () => {
    const fetch = fakeFetch(errorReply(503));
    const { controller, signal, listenerCount } = countingAbortController();
    const call = track(clientWith(fetch).me({ signal }));
    await flush();
    controller.abort();
    await flush();

    expect(((await call.outcome) as { error: unknown }).error).toBeInstanceOf(AbortError);
    expect(vi.getTimerCount()).toBe(0);
    expect(listenerCount()).toBe(0);
  });
});
