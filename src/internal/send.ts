/** One attempt of a request, as the transport hands it to the network. */
export interface Outgoing {
  method: string;
  url: string;
  /** Names in lower case. */
  headers: Record<string, string>;
  body: string | null;
}

/** What an attempt may take: `timeoutMs` for the whole of it, and the caller's signal. */
export interface Limits {
  timeoutMs: number;
  signal: AbortSignal | undefined;
}

/** A response whose body has been read to its end. */
export interface Incoming {
  status: number;
  /** A response header, or `null`. */
  header(name: string): string | null;
  text: string;
  /**
   * The answer as a new Web `Response`, its body unread: the status, status text, headers and
   * body text of the answer. Made at each call, and only when asked for.
   */
  response(): Response;
}

/**
 * Sends one attempt and reads the whole response body, all within `limits.timeoutMs`. When the
 * time runs out it rejects with a `DOMException` named `TimeoutError` (as `AbortSignal.timeout`
 * does), when the caller's signal aborts with the signal's reason, and when the connection fails
 * with the network's own error. Nothing it arms for the attempt (a timer, a listener) keeps
 * the process alive after it.
 */
export type Send = (request: Outgoing, limits: Limits) => Promise<Incoming>;

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/**
 * What `sendWithFetch` throws when the `fetch` it was given does not behave as one: a bug in
 * that function, which no retry can mend, rather than a failure of the network. The message
 * says what it did, e.g. `threw instead of returning a promise`.
 */
export class NotAFetch extends Error {}

/** The rejection of a `Send` whose time ran out. */
export function timeoutException(timeoutMs: number): DOMException {
  return new DOMException(`no complete answer within ${timeoutMs} ms`, 'TimeoutError');
}

// The runtime's own fetch, as it was when the SDK was loaded: it stops reading a body when its
// signal aborts, as the Fetch standard says. Another fetch (a polyfill, a mock) may not.
const runtimeFetch: unknown = globalThis.fetch;

/** A `Send` over a `fetch`: any runtime's, or one the caller gave. */
export async function sendWithFetch(
  fetchFn: FetchLike,
  { method, url, headers, body }: Outgoing,
  { timeoutMs, signal }: Limits,
): Promise<Incoming> {
  if (signal?.aborted) throw signal.reason;

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(timeoutException(timeoutMs)), timeoutMs);
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const request = callFetch(fetchFn, url, { method, headers, body, signal: controller.signal });
    const honoursSignal = fetchFn === runtimeFetch;
    const response = await (honoursSignal ? request : untilAborted(request, controller.signal));
    if (typeof response?.text !== 'function' || typeof response.headers?.get !== 'function') {
      throw new NotAFetch('must give a Response');
    }
    const reading = response.text();
    const text = await (honoursSignal ? reading : untilAborted(reading, controller.signal));
    const { status, statusText, headers: responseHeaders } = response;
    return {
      status,
      header: (name) => responseHeaders.get(name),
      text,
      // The body of `response` has been read: what `.withResponse()` gives is made afresh. A
      // Blob without a type makes `Response` add no `Content-Type` the answer did not have; an
      // empty body is none at all, which `Response` requires of a 204 or 304.
      response: () =>
        new Response(text ? new Blob([text]) : null, {
          status,
          statusText,
          headers: responseHeaders,
        }),
    };
  } catch (error) {
    // A fetch rejects an abort with an error of its own; what aborted it is the reason.
    throw controller.signal.aborted ? controller.signal.reason : error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Starts the request. Called as a plain function: browsers refuse a `fetch` invoked with
 * another `this` ("Illegal invocation").
 *
 * A fetch reports every failure, a network's included, by rejecting its promise, so a throw
 * here is a bug of the function given (or no function at all), never a network failure: it
 * must not be retried, nor count as the outage that `failOpen` answers. A rejection cannot be
 * told apart so reliably: the Fetch standard rejects network failures with a `TypeError`, and
 * each runtime words it differently (`fetch failed`, `Failed to fetch`, `Load failed`, ...), so
 * every rejection counts as a connection failure.
 */
function callFetch(fetchFn: FetchLike, url: string, init: RequestInit): Promise<Response> {
  let request: Promise<Response>;
  try {
    request = fetchFn(url, init);
  } catch (cause) {
    throw new NotAFetch('threw instead of returning a promise', { cause });
  }
  if (typeof request?.then !== 'function') throw new NotAFetch('must return a promise');
  return request;
}

/**
 * `promise`, or a rejection as soon as `signal` aborts. A `fetch` that ignores its signal (some
 * polyfills and mocks), or a body stream that stalls, cannot hold the call past its timeout.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal) {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
