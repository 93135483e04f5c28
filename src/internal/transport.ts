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
import type { Log } from './log.js';
// The package build swaps this module per runtime (see the file).
import { platformSend } from './platform-send.js';
import { redactError, redactJson, redactText } from './redact.js';
import { newRequestId } from './request-id.js';
import {
  mayHaveBeenProcessed,
  nextDelayMs,
  parseRetryAfterMs,
  type RetryMode,
  type RetryPolicy,
} from './retry.js';
import { type FetchLike, type Incoming, NotAFetch, type Outgoing, sendWithFetch } from './send.js';
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

export type { FetchLike };

export interface TransportConfig {
  apiKey: string;
  root: string;
  timeoutMs: number;
  maxRetries: number;
  fetch: FetchLike | undefined;
  /** Checked, with names in lower case (see `checkHeaders`). */
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
  /** The response, its body read. */
  incoming: Incoming;
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
  outgoing: Outgoing;
  /** `METHOD /path?query`, for log lines (see `labelOf`). */
  label: string | undefined;
  requestId: string;
  secrets: readonly string[];
  timeoutMs: number;
  attempts: number;
  signal: AbortSignal | undefined;
  /** Set once an attempt has failed in a way the server may have acted on. */
  retriedAfterUnknownOutcome: boolean;
}

/**
 * Sends API requests: one place for headers, timeouts, retries, logging and error mapping.
 * Every method of the SDK goes through `request`.
 */
export class Transport {
  readonly #config: TransportConfig;
  /** The values no error or log line may show, when a request adds none of its own. */
  readonly #secrets: readonly string[];

  constructor(config: TransportConfig) {
    this.#config = config;
    this.#secrets = [config.apiKey];
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
      // A string body can be sent again as it is, so every attempt gets the full body.
      outgoing: { method: req.method, url, headers, body: body ?? null },
      label: undefined,
      requestId: headers['x-request-id'] as string,
      secrets: req.secrets ? [config.apiKey, ...req.secrets] : this.#secrets,
      timeoutMs: checkTimeoutMs('timeoutMs', options.timeoutMs ?? config.timeoutMs),
      attempts: maxRetries + 1,
      signal: options.signal,
      retriedAfterUnknownOutcome: false,
    };

    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#tryOnce(call, attempt);
      if ('incoming' in outcome) return outcome;

      const { failure, retryAfterMs } = outcome;
      const delayMs = nextDelayMs(failure, retryAfterMs, req.retry, attempt, config.retryPolicy);
      if (delayMs === null || attempt > maxRetries) throw failure;

      call.retriedAfterUnknownOutcome ||= mayHaveBeenProcessed(failure);
      const reason = failure instanceof ApiError ? `HTTP ${failure.status}` : failure.message;
      config.log.warn(
        `${this.#labelOf(call)} retrying in ${delayMs} ms after ${reason} ` +
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
  ): Promise<ApiResponse | { failure: ApiError | ConnectionError; retryAfterMs: number | null }> {
    const { log } = this.#config;
    const started = Date.now();
    let incoming: Incoming;
    try {
      incoming = await this.#attempt(call);
    } catch (error) {
      if (!(error instanceof ConnectionError)) throw error;
      error.request_id = call.requestId;
      const at = progress(attempt, call.attempts, call.requestId);
      log.debug(
        `${this.#labelOf(call)} failed in ${Date.now() - started} ms: ${error.message} ${at}`,
      );
      return { failure: error, retryAfterMs: null };
    }

    const { status, text } = incoming;
    const requestId = incoming.header('X-Request-Id') ?? call.requestId;
    if (log.enabled('debug')) {
      const at = progress(attempt, call.attempts, requestId);
      log.debug(`${this.#labelOf(call)} ${status} in ${Date.now() - started} ms ${at}`);
    }

    if ((status >= 200 && status < 300) || call.req.acceptStatuses?.includes(status)) {
      const data = parseSuccessBody(incoming, requestId, call.secrets);
      const { retriedAfterUnknownOutcome } = call;
      return { data, incoming, request_id: requestId, retriedAfterUnknownOutcome };
    }
    const errorBody = redactJson(parseErrorBody(text), call.secrets);
    const retryAfterMs = parseRetryAfterMs(incoming.header('Retry-After'));
    const info = responseInfo(incoming, requestId, call.retriedAfterUnknownOutcome);
    const failure = apiErrorFor(info, errorDetailOf(errorBody), errorBody, retryAfterMs);
    return { failure, retryAfterMs };
  }

  /**
   * One attempt: the request and the whole body read under one timeout, which the caller's
   * signal can cut short. A connection failure becomes a `ConnectionError`.
   */
  async #attempt(call: Call): Promise<Incoming> {
    const { outgoing, timeoutMs, signal, secrets } = call;
    const limits = { timeoutMs, signal };
    try {
      // The runtime's way is decided per request, so that a global `fetch` replaced after the
      // client was made (a test's mock) is used.
      const fetchFn = this.#config.fetch;
      const send = fetchFn === undefined ? platformSend() : undefined;
      if (send) return await send(outgoing, limits);
      return await sendWithFetch(fetchFn ?? globalThis.fetch, outgoing, limits);
    } catch (error) {
      if (signal?.aborted) throw new AbortError({ cause: signal.reason });
      if ((error as { name?: unknown } | null)?.name === 'TimeoutError') {
        throw new TimeoutError(timeoutMs);
      }
      // A bug of the `fetch` given, not an outage: never retried, never failed open.
      if (error instanceof NotAFetch) {
        const options = 'cause' in error ? { cause: redactError(error.cause, secrets) } : {};
        throw new InvalidInputError('fetch', error.message, options);
      }
      // A network's own error may quote the request, headers and body included, at any depth
      // of its cause chain: keep secrets out of the message, and out of the cause, which
      // loggers print with the error.
      const cause = redactError(error, secrets);
      throw new ConnectionError(
        `Connection error on ${outgoing.method} ${outgoing.url}: ${describe(cause)}`,
        { cause },
      );
    }
  }

  /** `METHOD /path?query`, made when a log line first needs it. */
  #labelOf(call: Call): string {
    const { method, url } = call.outgoing;
    call.label ??= `${method} ${url.slice(this.#config.root.length)}`;
    return call.label;
  }

  #headers(
    hasBody: boolean,
    callHeaders: Record<string, string> | undefined,
  ): Record<string, string> {
    const { apiKey, defaultHeaders, userAgent } = this.#config;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (hasBody) headers['content-type'] = 'application/json';
    if (userAgent !== null) headers['user-agent'] = userAgent;
    Object.assign(headers, defaultHeaders);
    if (callHeaders !== undefined)
      Object.assign(headers, checkHeaders('options.headers', callHeaders));
    headers.authorization = `Bearer ${apiKey}`;

    // One id per logical call, the same on every attempt: the spec's replay rule. A caller's
    // own id must fit the spec, or a replaying server would refuse or misread it.
    const given = headers['x-request-id'];
    if (given === undefined) headers['x-request-id'] = newRequestId();
    else if (!REQUEST_ID_PATTERN.test(given)) {
      throw new InvalidInputError('X-Request-Id', 'must be 1 to 128 visible ASCII characters');
    }
    return headers;
  }
}

const REQUEST_ID_PATTERN = /^[!-~]{1,128}$/;

// RFC 9110: a header name is a token; a value has no control characters but tab, and its
// surrounding white space is not part of it.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** True for a string every runtime sends as a header value: Latin-1, no line breaks. */
export function isHeaderValue(value: unknown): value is string {
  return typeof value === 'string' && HEADER_VALUE.test(value);
}

/**
 * The headers with their names in lower case and values trimmed, as `Headers` would hold them.
 * An invalid one is refused without echoing its value, which may be a secret.
 */
export function checkHeaders(
  field: string,
  values: Record<string, string>,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(checkObject(field, values))) {
    if (!HEADER_NAME.test(name) || !isHeaderValue(value)) {
      throw new InvalidInputError(`${field}.${name}`, 'is not a valid header name or value');
    }
    headers[name.toLowerCase()] = value.trim();
  }
  return headers;
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

/** What an error says of the response it came from. */
export function responseInfo(
  incoming: Incoming,
  requestId: string | null,
  retriedAfterUnknownOutcome = false,
) {
  const { status } = incoming;
  const headers = incoming.response().headers;
  return { status, headers, request_id: requestId, retriedAfterUnknownOutcome };
}

function parseSuccessBody(
  incoming: Incoming,
  requestId: string,
  secrets: readonly string[],
): unknown {
  const { text } = incoming;
  try {
    return JSON.parse(text);
  } catch (error) {
    const info = responseInfo(incoming, requestId);
    if (text.trim() === '') {
      throw new InvalidResponseError('The response body is empty, expected JSON', info, text);
    }
    // The parser's message quotes the text around the fault.
    const body = redactText(text, secrets);
    throw new InvalidResponseError('The response body is not valid JSON', info, body, {
      cause: redactError(error, secrets),
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
