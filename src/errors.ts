/**
 * Every error the SDK throws is an `OnceOnlyError`. Errors of the API carry the HTTP status,
 * the response headers, the request id and the parsed `detail` of the body; the others say
 * what happened on the client side (bad input, no connection, timeout, abort, unreadable body).
 */

/** How an API error body's `detail` may look: a string, a code object, or validation issues. */
export type ErrorDetail = string | ErrorCodeDetail | ValidationIssue[] | undefined;

export interface ErrorCodeDetail {
  error: string;
  message?: string;
  [field: string]: unknown;
}

export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
  [field: string]: unknown;
}

// A brand lets `isOnceOnlyError` recognise errors thrown by another copy of the SDK (an ESM
// and a CJS build loaded side by side), where `instanceof` cannot.
const BRAND = Symbol.for('onceonly-sdk.error');

export class OnceOnlyError extends Error {
  override name = 'OnceOnlyError';

  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True for any error thrown by this SDK, from whichever build it came. */
export function isOnceOnlyError(value: unknown): value is OnceOnlyError {
  return typeof value === 'object' && value !== null && BRAND in value;
}

/**
 * The input was refused before any request was sent, or an option of the client cannot work (a
 * `fetch` that throws instead of returning a promise, or gives no `Response`). `field` names
 * the offending input. Never retried, and never a reason to fail open.
 */
export class InvalidInputError extends OnceOnlyError {
  override name = 'InvalidInputError';

  constructor(
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${field} ${message}`, options);
  }
}

/** No response arrived: the connection failed or broke. The request may have reached the server. */
export class ConnectionError extends OnceOnlyError {
  override name = 'ConnectionError';
  /** The `X-Request-Id` the SDK sent, to find the request in the server's logs. */
  request_id: string | null = null;

  constructor(message = 'Connection error.', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** An attempt took longer than `timeoutMs` (the response body included). */
export class TimeoutError extends ConnectionError {
  override name = 'TimeoutError';

  constructor(timeoutMs: number) {
    super(`Request timed out after ${timeoutMs} ms.`);
  }
}

/** The caller's `AbortSignal` cancelled the call. `cause` is the signal's reason. */
export class AbortError extends OnceOnlyError {
  override name = 'AbortError';

  constructor(options?: { cause?: unknown }) {
    super('The request was aborted.', options);
  }
}

interface ResponseInfo {
  status: number;
  headers: Headers;
  request_id: string | null;
  /** See `ApiError.retriedAfterUnknownOutcome`; `false` when not given. */
  retriedAfterUnknownOutcome?: boolean | undefined;
}

/** A response arrived but its body is not the JSON the API promises (empty, HTML, truncated). */
export class InvalidResponseError extends OnceOnlyError {
  override name = 'InvalidResponseError';
  readonly status: number;
  readonly headers: Headers;
  readonly request_id: string | null;
  /** The start of the body as received (at most 1000 characters). */
  readonly body: string;

  constructor(reason: string, info: ResponseInfo, body: string, options?: { cause?: unknown }) {
    super(`${reason} (HTTP ${info.status}${requestIdSuffix(info.request_id)})`, options);
    this.status = info.status;
    this.headers = info.headers;
    this.request_id = info.request_id;
    this.body = body.slice(0, 1000);
  }
}

/** The API answered with an error status. Subclasses name the case. */
export class ApiError extends OnceOnlyError {
  override name = 'ApiError';
  readonly status: number;
  readonly headers: Headers;
  readonly request_id: string | null;
  /** The body's `detail`, parsed; `undefined` when the body was not JSON or had none. */
  readonly detail: ErrorDetail;
  /** `detail.error` when `detail` is an object with a code. */
  readonly code: string | undefined;
  /** The whole body: parsed JSON, or the text when it was not JSON (an HTML page, say). */
  readonly body: unknown;
  /**
   * True when this answer came to a retry, and an earlier attempt of the same call had failed
   * in a way the server may have acted on (a timeout, a broken connection, a 500, 502 or 504).
   * The server's state may then already hold that attempt's effect: a `NotFoundError` from
   * `deleteTool` may mean that the first attempt deleted the tool, a `ConflictError` that the
   * first attempt did the work. `false` when every earlier failure certainly left the server
   * untouched (408, 429, 503, a connection never opened), or there was none.
   */
  readonly retriedAfterUnknownOutcome: boolean;

  constructor(info: ResponseInfo, detail: ErrorDetail, body?: unknown) {
    super(`${info.status} ${describeDetail(detail, body)}${requestIdSuffix(info.request_id)}`);
    this.status = info.status;
    this.headers = info.headers;
    this.request_id = info.request_id;
    this.detail = detail;
    this.code = isCodeDetail(detail) ? detail.error : undefined;
    this.body = body;
    this.retriedAfterUnknownOutcome = info.retriedAfterUnknownOutcome ?? false;
  }
}

/** 400: the server could not read the request. */
export class BadRequestError extends ApiError {
  override name = 'BadRequestError';
}

/** 401 (no bearer token), or 403 for an unknown or disabled API key. */
export class AuthenticationError extends ApiError {
  override name = 'AuthenticationError';
}

/**
 * 403 for a valid key: the plan lacks the feature (`feature_not_available`) or is at a limit
 * (`plan_limit`).
 */
export class PermissionDeniedError extends ApiError {
  override name = 'PermissionDeniedError';
}

/** 402: the plan's monthly limit is reached. */
export class OverLimitError extends ApiError {
  override name = 'OverLimitError';
}

/** 404: no such lease, policy, tool or run. */
export class NotFoundError extends ApiError {
  override name = 'NotFoundError';
}

/** 409: the state does not allow this, e.g. a lease held by someone else or already finished. */
export class ConflictError extends ApiError {
  override name = 'ConflictError';
}

/** 422: the server refused the request as invalid; `detail` lists why. */
export class ValidationError extends ApiError {
  override name = 'ValidationError';
}

/** 429: too many requests. */
export class RateLimitError extends ApiError {
  override name = 'RateLimitError';
  /** The wait `Retry-After` asked for, in milliseconds, or `null` when absent or unreadable. */
  readonly retryAfterMs: number | null;

  constructor(info: ResponseInfo, detail: ErrorDetail, body: unknown, retryAfterMs: number | null) {
    super(info, detail, body);
    this.retryAfterMs = retryAfterMs;
  }
}

/** 5xx: the server failed or is unavailable. */
export class InternalServerError extends ApiError {
  override name = 'InternalServerError';
}

/** The official SDKs' name for `AuthenticationError`. */
export const UnauthorizedError = AuthenticationError;
export type UnauthorizedError = AuthenticationError;

const AUTH_CODES = new Set(['invalid_api_key', 'api_key_disabled', 'forbidden']);

/**
 * The error for an error status. A 403 is an authentication failure when `detail` is a string
 * or an auth code, and a permission failure of a valid key for any other code (the spec's
 * rule, the same on every operation). A 403 without such a `detail` is not the API's own (a
 * firewall's or proxy's page, say): it says nothing of the key, and stays a plain `ApiError`.
 */
export function apiErrorFor(
  info: ResponseInfo,
  detail: ErrorDetail,
  body: unknown,
  retryAfterMs: number | null,
): ApiError {
  const { status } = info;
  if (status === 400) return new BadRequestError(info, detail, body);
  if (status === 401) return new AuthenticationError(info, detail, body);
  if (status === 402) return new OverLimitError(info, detail, body);
  if (status === 403) {
    if (typeof detail === 'string' || (isCodeDetail(detail) && AUTH_CODES.has(detail.error))) {
      return new AuthenticationError(info, detail, body);
    }
    if (isCodeDetail(detail)) return new PermissionDeniedError(info, detail, body);
    return new ApiError(info, detail, body);
  }
  if (status === 404) return new NotFoundError(info, detail, body);
  if (status === 409) return new ConflictError(info, detail, body);
  if (status === 422) return new ValidationError(info, detail, body);
  if (status === 429) return new RateLimitError(info, detail, body, retryAfterMs);
  if (status >= 500) return new InternalServerError(info, detail, body);
  return new ApiError(info, detail, body);
}

/**
 * The `detail` of an error body. FastAPI nests it under `detail`; a body with a top-level
 * `error` code is read as the code itself. Anything else gives `undefined`.
 */
export function errorDetailOf(body: unknown): ErrorDetail {
  if (typeof body !== 'object' || body === null) return undefined;
  const detail = 'detail' in body ? (body as { detail: unknown }).detail : body;
  if (typeof detail === 'string' || Array.isArray(detail)) return detail as ErrorDetail;
  return isCodeDetail(detail as ErrorDetail) ? (detail as ErrorCodeDetail) : undefined;
}

export function isCodeDetail(detail: ErrorDetail): detail is ErrorCodeDetail {
  return (
    typeof detail === 'object' &&
    detail !== null &&
    !Array.isArray(detail) &&
    typeof (detail as { error?: unknown }).error === 'string'
  );
}

function describeDetail(detail: ErrorDetail, body: unknown): string {
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    // Items come from the server: read them without trusting their shape.
    const issues = detail as Partial<ValidationIssue>[];
    return issues
      .map((issue) => {
        const where = Array.isArray(issue?.loc) ? issue.loc.join('.') : '';
        return where ? `${where}: ${issue.msg}` : String(issue?.msg);
      })
      .join('; ');
  }
  if (isCodeDetail(detail)) {
    return typeof detail.message === 'string' ? `${detail.error}: ${detail.message}` : detail.error;
  }
  // Not the API's JSON: often a proxy's HTML page. Its start says what answered.
  if (typeof body === 'string' && body.trim() !== '') {
    return `(a body that is not the API's JSON: ${body.replace(/\s+/g, ' ').trim().slice(0, 80)})`;
  }
  return '(no detail in the body)';
}

function requestIdSuffix(requestId: string | null): string {
  return requestId ? ` [request_id ${requestId}]` : '';
}
