// A scripted stand-in for `fetch`, given to the client as its `fetch` option. It records every
// attempt (url, method, headers, body, signal) and answers with the next scripted reply.

import { vi } from 'vitest';
import { type ClientOptions, type FetchLike, OnceOnly } from '../../src/index.js';

export const API_KEY = 'once_live_k3y_for_unit_tests_0123456789';
export const BASE_URL = 'http://localhost:8080';

/** A client on `BASE_URL` with `API_KEY` that sends through `fetch`. */
export function clientWith(fetch: FetchLike, options: ClientOptions = {}): OnceOnly {
  return new OnceOnly({ apiKey: API_KEY, baseUrl: BASE_URL, fetch, ...options });
}

/** A valid tool to register, with its secret. */
export const TOOL = {
  name: 'send_email',
  url: 'https://tools.example.com/send',
  auth: { type: 'hmac_sha256' as const, secret: 'tool-s3cret-value-42' },
};

/** A run event to append. */
export const EVENT = { run_id: 'run_1', type: 'step', data: { n: 1 } };

/** A check-lock answer saying the key was claimed. */
export const LOCKED = { status: 'locked', key: 'order:1', ttl: 60, first_seen_at: null };

/** One attempt as the fake fetch saw it. */
export interface RecordedCall {
  url: string;
  method: string;
  headers: Headers;
  /** The body as sent, `null` when there was none. */
  body: string | null;
  signal: AbortSignal | null;
}

/** Makes the answer to one attempt. A function, so that a reply can be used more than once. */
export type Reply = (call: RecordedCall) => Response | Promise<Response>;

export interface FakeFetch extends FetchLike {
  calls: RecordedCall[];
}

/**
 * A fetch that answers attempt N with `replies[N]`; once they run out, the last reply answers
 * every further attempt (so `fakeFetch(status(503))` fails forever).
 */
export function fakeFetch(...replies: Reply[]): FakeFetch {
  if (replies.length === 0) throw new Error('fakeFetch needs at least one reply');
  const calls: RecordedCall[] = [];
  const fetch = async (input: string, init: RequestInit) => {
    const call: RecordedCall = {
      url: input,
      method: init.method ?? 'GET',
      headers: new Headers(init.headers),
      body: init.body == null ? null : String(init.body),
      signal: init.signal ?? null,
    };
    calls.push(call);
    const reply = replies[Math.min(calls.length - 1, replies.length - 1)] as Reply;
    return reply(call);
  };
  return Object.assign(fetch, { calls });
}

/** A JSON answer. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return () =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json', ...headers },
    });
}

/** An answer with `text` as its body, as it is (HTML, nothing, truncated JSON). */
export function text(status: number, body: string, headers: Record<string, string> = {}): Reply {
  return () => new Response(body === '' ? null : body, { status, headers });
}

/** An error status with a FastAPI-shaped body. */
export function errorReply(code: number, headers: Record<string, string> = {}): Reply {
  return json(code, { detail: `HTTP ${code}` }, headers);
}

/** A reply that comes after `ms` milliseconds (of fake time, under fake timers). */
export function delayed(ms: number, reply: Reply): Reply {
  return (call) => new Promise((resolve) => setTimeout(() => resolve(reply(call)), ms));
}

/** Headers arrive, then the body sends a first chunk and stalls forever. */
export function stalledBody(code = 200): Reply {
  return () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"id": "acct_1", "na'));
      },
    });
    return new Response(stream, { status: code, headers: { 'Content-Type': 'application/json' } });
  };
}

/** A fetch that ignores its signal and never answers. */
export function neverAnswers(): Reply {
  return () => new Promise<Response>(() => {});
}

/** A fetch that never answers but, like the real one, rejects with the reason when aborted. */
export function hangsUntilAborted(): Reply {
  return (call) =>
    new Promise<Response>((_, reject) => {
      const signal = call.signal;
      if (!signal) return;
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
}

/**
 * Fails as Node's fetch (undici) does when the connection fails: `TypeError('fetch failed')`
 * whose `cause` carries the system error `code` (ECONNREFUSED, ECONNRESET...). Without a code,
 * a failure that says nothing about whether the request went out.
 */
export function fetchFailed(code?: string): Reply {
  return () => {
    const cause = Object.assign(new Error(`connect ${code ?? 'failure'} 127.0.0.1:8080`), {
      ...(code && { code }),
    });
    return Promise.reject(new TypeError('fetch failed', { cause }));
  };
}

/** The outcome of a promise, for asserting on errors without unhandled rejections. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Follows a call under fake timers: `done()` says whether it settled yet, `outcome` gives how.
 * Attach this before advancing time, so that a rejection is never unhandled.
 */
export function track<T>(promise: PromiseLike<T>) {
  let settled = false;
  const outcome: Promise<Outcome<T>> = Promise.resolve(promise).then(
    (value) => {
      settled = true;
      return { ok: true, value };
    },
    (error: unknown) => {
      settled = true;
      return { ok: false, error };
    },
  );
  return { done: () => settled, outcome };
}

/** Runs fake time until nothing is scheduled, then gives the error the call failed with. */
export async function failureOf(promise: PromiseLike<unknown>): Promise<unknown> {
  const tracked = track(promise);
  await vi.runAllTimersAsync();
  const result = await tracked.outcome;
  if (result.ok)
    throw new Error(`expected the call to fail, it gave ${JSON.stringify(result.value)}`);
  return result.error;
}

/** Runs fake time until nothing is scheduled, then gives the call's value. */
export async function resultOf<T>(promise: PromiseLike<T>): Promise<T> {
  const tracked = track(promise);
  await vi.runAllTimersAsync();
  const result = await tracked.outcome;
  if (!result.ok) throw result.error;
  return result.value;
}

/**
 * An AbortController whose signal counts the `abort` listeners still attached to it. A `once`
 * listener counts as gone when the signal aborts (the event removes it).
 */
export function countingAbortController() {
  const controller = new AbortController();
  const signal = controller.signal;
  const listeners = new Map<unknown, { once: boolean }>();
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);

  // Registered first, so it runs before any other listener when the signal aborts.
  add('abort', () => {
    for (const [listener, { once }] of listeners) if (once) listeners.delete(listener);
  });
  signal.addEventListener = ((type: string, listener: unknown, options?: unknown) => {
    if (type === 'abort' && listener) {
      const once = typeof options === 'object' && options !== null && 'once' in options;
      listeners.set(listener, { once: once && Boolean((options as { once?: boolean }).once) });
    }
    add(type, listener as EventListener, options as AddEventListenerOptions);
  }) as AbortSignal['addEventListener'];
  signal.removeEventListener = ((type: string, listener: unknown, options?: unknown) => {
    if (type === 'abort') listeners.delete(listener);
    remove(type, listener as EventListener, options as EventListenerOptions);
  }) as AbortSignal['removeEventListener'];

  return { controller, signal, listenerCount: () => listeners.size };
}
