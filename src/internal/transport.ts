import type { paths } from '../../generated/schema.js';
import {
  AbortError,
  ApiError,
  apiErrorFor,
  ConnectionError,
  errorDetailOf,
  InvalidInputError,
  InvalidResponseError,
  TimeoutError,
} from '../errors.js';
// The package build swaps this module per runtime (see the file).
import { defaultFetch } from './default-fetch.js';
import type { Log } from './log.js';
import { redactJson, redactText } from './redact.js';
import { newRequestId } from './request-id.js';
import {
  mayHaveBeenProcessed,
  nextDelayMs,
  parseRetryAfterMs,
  type RetryMode,
  type RetryPolicy,
} from './retry.js';
import { sleep } from './sleep.js';
import { type PathParams, type QueryParams, requestUrl } from './url.js';
import {
  checkKnownKeys,
  checkMaxRetries,
  checkObject,
  checkSignal,
  checkTimeoutMs,
  optional,
  REQUEST_OPTION_KEYS,
} from './validate.js';

/** Options every method takes as its last argument. They apply to that call only. */
export interface RequestOptions {
  /** Cancels the call: the request in flight and any wait between attempts. */
  signal?: AbortSignal | undefined;
  /** Time limit of each attempt in milliseconds, reading the response body included. */
  timeoutMs?: number | undefined;
  /** How many times a failed attempt may be repeated (0: never). */
  maxRetries?: number | undefined;
  /** Extra request headers. An `X-Request-Id` given here is sent on every attempt. */
  headers?: Record<string, string> | undefined;
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportConfig {
  apiKey: string;
  root: string;
  timeoutMs: number;
  maxRetries: number;
  fetch: FetchLike | undefined;
  defaultHeaders: Record<string, string>;
  userAgent: string | null;
  retryPolicy: RetryPolicy;
  log: Log;
}

export interface ApiRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** A path template of the spec, e.g. `/v1/tools/{name}`. */
  path: keyof paths;
  pathParams?: PathParams | undefined;
  query?: QueryParams | undefined;
  body?: unknown;
  /** `safe` for GET and DELETE; for a POST, the spec's `x-onceonly-retry`. */
  retry: RetryMode;
  /** Error statuses to hand back as a response instead of throwing (check-lock's 409). */
  acceptStatuses?: readonly number[] | undefined;
  /** Values that must not appear in an error, such as a tool secret sent in the body. */
  secrets?: readonly string[] | undefined;
}

export interface ApiResponse {
  /** The parsed JSON body. */
  data: unknown;
  response: Response;
  /** The response's `X-Request-Id`, else the id this call sent. */
  request_id: string;
  /**
   * True when an earlier attempt failed in a way the server may have acted on (a timeout, a
   * broken connection, a 500/502/504) and the call was then repeated.
   */
  retriedAfterUnknownOutcome: boolean;
}

/** One logical call: what every attempt sends, and how it is logged. */
interface Call {
  req: ApiRequest;
  url: string;
  init: RequestInit;
  /** `METHOD /path?query`, for log lines. */
  label: string;
  requestId: string;
  secrets: readonly string[];
  timeoutMs: number;
  attempts: number;
  signal: AbortSignal | undefined;
}

/**
 * Sends API requests: one place for headers, timeouts, retries, logging and error mapping.
 * Every method of the SDK goes through `request`.
 */
export class Transport {
  readonly #config: TransportConfig;

  constructor(config: TransportConfig) {
    this.#config = config;
  }

  get log(): Log {
    return this.#config.log;
  }

  async request(req: ApiRequest, options: RequestOptions = {}): Promise<ApiResponse> {
    const config = this.#config;
    checkKnownKeys('options', checkObject('options', options), REQUEST_OPTION_KEYS);
    optional('options.signal', options.signal, checkSignal);
    const maxRetries = checkMaxRetries('maxRetries', options.maxRetries ?? config.maxRetries);
    const url = requestUrl(config.root, req.path, req.pathParams, req.query);
    const body = req.body === undefined ? undefined : serializeBody(req.body);
    const headers = this.#headers(body !== undefined, options.headers);
    const call: Call = {
      req,
      url,
      // A string body can be sent again as it is, so every attempt gets the full body.
      init: { method: req.method, headers, body: body ?? null },
      label: `${req.method} ${url.slice(config.root.length)}`,
      requestId: headers.get('X-Request-Id') as string,
      secrets: [config.apiKey, ...(req.secrets ?? [])],
      timeoutMs: checkTimeoutMs('timeoutMs', options.timeoutMs ?? config.timeoutMs),
      attempts: maxRetries + 1,
      signal: options.signal,
    };
    let retriedAfterUnknownOutcome = false;

    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#tryOnce(call, attempt);
      if ('response' in outcome) return { ...outcome, retriedAfterUnknownOutcome };

      const { failure, retryAfterMs } = outcome;
      const delayMs = nextDelayMs(failure, retryAfterMs, req.retry, attempt, config.retryPolicy);
      if (delayMs === null || attempt > maxRetries) throw failure;

      retriedAfterUnknownOutcome ||= mayHaveBeenProcessed(failure);
      const reason = failure instanceof ApiError ? `HTTP ${failure.status}` : failure.message;
      config.log.warn(
        `${call.label} retrying in ${delayMs} ms after ${reason} ` +
          progress(attempt + 1, call.attempts, call.requestId),
      );
      await sleep(delayMs, call.signal);
    }
  }

  /**
   * One attempt, logged: the parsed answer, or the failure it ended in (an error status or a
   * connection failure) with the server's `Retry-After`. Anything else (an abort, a body that
   * is not JSON) is thrown, since no retry can help.
   */
  async #tryOnce(
    call: Call,
    attempt: number,
  ): Promise<
    | Omit<ApiResponse, 'retriedAfterUnknownOutcome'>
    | { failure: ApiError | ConnectionError; retryAfterMs: number | null }
  > {
    const { log } = this.#config;
    const started = Date.now();
    let answer: { response: Response; text: string };
    try {
      answer = await this.#attempt(call);
    } catch (error) {
      if (!(error instanceof ConnectionError)) throw error;
      error.request_id = call.requestId;
      const at = progress(attempt, call.attempts, call.requestId);
      log.debug(`${call.label} failed in ${Date.now() - started} ms: ${error.message} ${at}`);
      return { failure: error, retryAfterMs: null };
    }

    const { response, text } = answer;
    const requestId = response.headers.get('X-Request-Id') ?? call.requestId;
    const at = progress(attempt, call.attempts, requestId);
    log.debug(`${call.label} ${response.status} in ${Date.now() - started} ms ${at}`);

    const info = { status: response.status, headers: response.headers, request_id: requestId };
    if (response.ok || call.req.acceptStatuses?.includes(response.status)) {
      return { data: parseSuccessBody(text, info, call.secrets), response, request_id: requestId };
    }
    const errorBody = redactJson(parseErrorBody(text), call.secrets);
    const retryAfterMs = parseRetryAfterMs(response.headers.get('Retry-After'));
    const failure = apiErrorFor(info, errorDetailOf(errorBody), errorBody, retryAfterMs);
    return { failure, retryAfterMs };
  }

  /**
   * One attempt: the request and the whole body read under one timeout. The caller's signal
   * and the timeout both abort it; neither the timer nor the listener outlives it.
   */
  async #attempt(call: Call): Promise<{ response: Response; text: string }> {
    const { url, init, timeoutMs, signal, secrets } = call;
    if (signal?.aborted) throw new AbortError({ cause: signal.reason });

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });

    try {
      // Calling through a local keeps `fetch` from being invoked with the transport as `this`,
      // which browsers refuse ("Illegal invocation"). The default is looked up per call so that
      // a global fetch replaced after the client was made (a test's mock) is used.
      const fetchFn = this.#config.fetch ?? defaultFetch();
      const request = fetchFn(url, { ...init, signal: controller.signal });
      const response = await untilAborted(request, controller.signal);
      const text = await untilAborted(response.text(), controller.signal);
      return { response, text };
    } catch (error) {
      if (signal?.aborted) throw new AbortError({ cause: signal.reason });
      if (timedOut) throw new TimeoutError(timeoutMs);
      // A fetch's own error may quote the request, headers and body included: keep secrets out
      // of the message, and of the cause too, which loggers print with the error.
      const described = describe(error);
      const reason = redactText(described, secrets);
      const cause = reason === described ? error : new Error(reason);
      throw new ConnectionError(`Connection error on ${init.method} ${url}: ${reason}`, {
        cause,
      });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  #headers(hasBody: boolean, callHeaders: Record<string, string> | undefined): Headers {
    const { apiKey, defaultHeaders, userAgent } = this.#config;
    const headers = new Headers({ Accept: 'application/json' });
    if (hasBody) headers.set('Content-Type', 'application/json');
    if (userAgent !== null) headers.set('User-Agent', userAgent);
    setHeaders(headers, 'defaultHeaders', defaultHeaders);
    setHeaders(headers, 'options.headers', callHeaders ?? {});
    headers.set('Authorization', `Bearer ${apiKey}`);

    // One id per logical call, the same on every attempt: the spec's replay rule. A caller's
    // own id must fit the spec, or a replaying server would refuse or misread it.
    const given = headers.get('X-Request-Id');
    if (given === null) headers.set('X-Request-Id', newRequestId());
    else if (!REQUEST_ID_PATTERN.test(given)) {
      throw new InvalidInputError('X-Request-Id', 'must be 1 to 128 visible ASCII characters');
    }
    return headers;
  }
}

const REQUEST_ID_PATTERN = /^[!-~]{1,128}$/;

/** Sets each header, refusing (without echoing the value, which may be secret) invalid ones. */
function setHeaders(headers: Headers, field: string, values: Record<string, string>): void {
  for (const [name, value] of Object.entries(values)) {
    try {
      headers.set(name, value);
    } catch {
      throw new InvalidInputError(`${field}.${name}`, 'is not a valid header name or value');
    }
  }
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

/** The end of a log line: which attempt, and the request id that ties the attempts together. */
function progress(attempt: number, attempts: number, requestId: string): string {
  return `(attempt ${attempt}/${attempts}, request_id ${requestId})`;
}

function serializeBody(body: unknown): string {
  try {
    return JSON.stringify(body);
  } catch (error) {
    throw new InvalidInputError('body', `must be serialisable as JSON (${describe(error)})`);
  }
}

function parseSuccessBody(
  text: string,
  info: { status: number; headers: Headers; request_id: string },
  secrets: readonly string[],
): unknown {
  if (text.trim() === '') {
    throw new InvalidResponseError('The response body is empty, expected JSON', info, text);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const body = redactText(text, secrets);
    throw new InvalidResponseError('The response body is not valid JSON', info, body, {
      cause: error,
    });
  }
}

/** The parsed JSON of an error body, or its text when it is not JSON (a proxy's HTML page). */
function parseErrorBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const message = error instanceof Error ? error.message : String(error);
  return typeof cause?.code === 'string' ? `${message} (${cause.code})` : message;
}
