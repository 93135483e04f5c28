// A fake of the OnceOnly API for unit tests: each route (`METHOD /path`) answers from its own
// script, and every request is recorded with the (possibly fake) time it arrived. Given to the
// client as its `fetch` option.

import { type ClientOptions, OnceOnly } from '../../src/index.js';

/** One request as the fake API saw it. */
export interface SeenRequest {
  method: string;
  /** The path without the query, e.g. `/v1/ai/status`. */
  path: string;
  /** `METHOD /path`, the name scripts are keyed by. */
  route: string;
  url: string;
  query: URLSearchParams;
  headers: Headers;
  /** The parsed JSON body; `undefined` when none was sent. */
  body: unknown;
  signal: AbortSignal | null;
  /** `Date.now()` when the request arrived (the fake clock under fake timers). */
  at: number;
}

/** Makes the answer to one request; may reject (a connection failure) or wait. */
export type Reply = (request: SeenRequest) => Response | Promise<Response>;

export type Script = Record<string, Reply | Reply[]>;

export interface ScriptedApi {
  /** The `fetch` to give the client. */
  fetch: (input: string, init: RequestInit) => Promise<Response>;
  /** Every request, in order of arrival. */
  requests: SeenRequest[];
  /** The requests to one route (`'POST /v1/ai/lease'`), in order. */
  to(route: string): SeenRequest[];
  /** The routes requested, in order. */
  routes(): string[];
  /** The JSON body of the `index`th request to `route`; throws when there is none. */
  body(route: string, index?: number): Record<string, unknown>;
  /** Replaces the script of `route`. */
  script(route: string, ...replies: Reply[]): void;
  /** A client of this fake API. */
  client(options?: ClientOptions): OnceOnly;
}

export const API_ROOT = 'http://api.test';

/**
 * A fake API. Each route answers its Nth request with its Nth reply; once they run out, the last
 * reply answers every further request. A route without a script answers 418 `unscripted`, which
 * the SDK throws as an `ApiError` naming the route.
 */
export function scriptedApi(script: Script = {}): ScriptedApi {
  const scripts = new Map<string, Reply[]>();
  const served = new Map<string, number>();
  const requests: SeenRequest[] = [];
  for (const [route, replies] of Object.entries(script)) {
    scripts.set(route, Array.isArray(replies) ? replies : [replies]);
  }

  const fetch = async (input: string, init: RequestInit): Promise<Response> => {
    const url = new URL(input);
    const method = init.method ?? 'GET';
    const text = init.body == null ? undefined : String(init.body);
    const request: SeenRequest = {
      method,
      path: url.pathname,
      route: `${method} ${url.pathname}`,
      url: input,
      query: url.searchParams,
      headers: new Headers(init.headers),
      body: text === undefined ? undefined : JSON.parse(text),
      signal: init.signal ?? null,
      at: Date.now(),
    };
    requests.push(request);

    const replies = scripts.get(request.route);
    if (!replies || replies.length === 0) {
      return json({ detail: { error: 'unscripted', message: request.route } }, 418)(request);
    }
    const index = served.get(request.route) ?? 0;
    served.set(request.route, index + 1);
    const reply = replies[Math.min(index, replies.length - 1)] as Reply;
    return reply(request);
  };

  return {
    fetch,
    requests,
    to: (route) => requests.filter((request) => request.route === route),
    routes: () => requests.map((request) => request.route),
    body: (route, index = 0) => {
      const body = requests.filter((request) => request.route === route)[index]?.body;
      if (typeof body !== 'object' || body === null) {
        throw new Error(`no JSON body in request ${index} to ${route}`);
      }
      return body as Record<string, unknown>;
    },
    script: (route, ...replies) => {
      scripts.set(route, replies);
      served.delete(route);
    },
    client: (options = {}) => new OnceOnly({ apiKey: 'k', baseUrl: API_ROOT, fetch, ...options }),
  };
}

/** A JSON answer, 200 unless told. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Reply {
  return () =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json', ...headers },
    });
}

/** An API error answer: `{ detail: { error, ...extra } }` with `status`. */
export function apiError(status: number, error: string, extra: object = {}): Reply {
  return json({ detail: { error, ...extra } }, status);
}

/** No answer: the connection fails, as Node's fetch reports it. */
export function connectionFailure(): Reply {
  return () => Promise.reject(new TypeError('fetch failed'));
}

/** No answer until the request is aborted (then it fails as an aborted fetch does). */
export function hang(): Reply {
  return (request) =>
    new Promise<Response>((_, reject) => {
      const signal = request.signal;
      if (signal?.aborted) reject(signal.reason);
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
}

/**
 * `reply` after `ms` milliseconds (fake time under fake timers). An abort of the request ends the
 * wait and removes its timer.
 */
export function after(ms: number, reply: Reply): Reply {
  return (request) =>
    new Promise<Response>((resolve, reject) => {
      const signal = request.signal;
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        Promise.resolve(reply(request)).then(resolve, reject);
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
}

/**
 * Tracks how `promise` ends (so a test can step fake time and look), and keeps its rejection
 * from being reported as unhandled.
 */
export function settle<T>(promise: Promise<T>): Settled<T> {
  const state: Settled<T> = { done: false, value: undefined, error: undefined, at: null };
  promise.then(
    (value) => {
      Object.assign(state, { done: true, value, at: Date.now() });
    },
    (error: unknown) => {
      Object.assign(state, { done: true, error, at: Date.now() });
    },
  );
  return state;
}

/** How a promise ended, filled in when it does; `at` is `Date.now()` then. */
export interface Settled<T> {
  done: boolean;
  value: T | undefined;
  error: unknown;
  at: number | null;
}

/** A `LeaseState` body (the answer of lease and key-mode run). */
export function leaseState(key: string, status: string, extra: object = {}) {
  return {
    ok: true,
    status,
    key,
    ttl: 300,
    ttl_left: null,
    lease_id: status === 'acquired' ? 'lease_1' : null,
    version: 1,
    retry_after_sec: null,
    charged: status === 'acquired' ? 1 : 0,
    ...extra,
  };
}

/** A `LeaseStatus` body (the answer of `GET /v1/ai/status`). */
export function leaseStatus(key: string, status: string, extra: object = {}) {
  return { ok: true, status, key, ttl_left: null, lease_id: null, version: 1, ...extra };
}

/** An `AiResult` body (the answer of `GET /v1/ai/result`). */
export function aiResult(key: string, status: string, extra: object = {}) {
  return {
    ok: status === 'completed',
    status,
    key,
    result: null,
    result_hash: null,
    error_code: null,
    done_at: '2026-03-31T10:30:42Z',
    ...extra,
  };
}
