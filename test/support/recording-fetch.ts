// A small fake `fetch` for unit tests of the SDK's methods: it records every request it gets
// and answers from a script, one reply per call, in order.

import type { FetchLike } from '../../src/index.js';

export interface RecordedRequest {
  /** The URL as fetch would send it: parsed, so dot segments are already resolved. */
  url: URL;
  /** The URL string exactly as the SDK passed it to fetch. */
  rawUrl: string;
  method: string;
  headers: Headers;
  /** The body as sent, or `null`. */
  body: string | null;
  /** The body parsed as JSON, or `undefined` when there is none. */
  json: unknown;
}

/**
 * One scripted answer: a `Response` to return, an `Error` to throw (a connection failure),
 * `'hang'` for a request that never answers until its signal aborts it, or a function of the
 * recorded request.
 */
export type Reply =
  | Response
  | Error
  | 'hang'
  | ((request: RecordedRequest) => Response | Promise<Response>);

export interface RecordingFetch extends FetchLike {
  readonly calls: RecordedRequest[];
}

/**
 * A fetch that answers the n-th call with `replies[n]`. A call beyond the script fails the test
 * with a clear message (through the SDK as a connection error whose cause says so).
 */
export function recordingFetch(...replies: Reply[]): RecordingFetch {
  const calls: RecordedRequest[] = [];

  const fetch = async (input: string, init: RequestInit): Promise<Response> => {
    const body = typeof init.body === 'string' ? init.body : null;
    const request: RecordedRequest = {
      url: new URL(input),
      rawUrl: input,
      method: init.method ?? 'GET',
      headers: new Headers(init.headers),
      body,
      json: body === null ? undefined : JSON.parse(body),
    };
    calls.push(request);

    const reply = replies[calls.length - 1];
    if (reply === undefined) {
      throw new Error(
        `recordingFetch: unexpected call ${calls.length} (${request.method} ${input})`,
      );
    }
    if (reply === 'hang') return hangUntilAborted(init.signal);
    if (reply instanceof Error) throw reply;
    if (typeof reply === 'function') return reply(request);
    return reply;
  };

  return Object.assign(fetch, { calls });
}

/** A JSON response, with `X-Request-Id` and `Content-Type` unless `headers` say otherwise. */
export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

/** A reply that echoes the request's `X-Request-Id`, as the spec says servers do. */
export function echoing(status: number, body: unknown, headers: Record<string, string> = {}) {
  return (request: RecordedRequest) =>
    jsonResponse(status, body, {
      'X-Request-Id': request.headers.get('X-Request-Id') ?? '',
      ...headers,
    });
}

/**
 * What Node's fetch throws when the connection failed: a `TypeError` whose cause carries the
 * system error code (`ECONNREFUSED`: nothing was sent; `ECONNRESET`: it may have been).
 */
export function networkError(code: string): TypeError {
  const cause = Object.assign(new Error(`connect ${code}`), { code });
  return new TypeError('fetch failed', { cause });
}

function hangUntilAborted(signal: AbortSignal | null | undefined): Promise<Response> {
  return new Promise((_, reject) => {
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
