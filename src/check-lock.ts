import { type Answered, ApiPromise } from './api-promise.js';
import { type OnceOnlyCore, stateOf } from './core.js';
import {
  ConnectionError,
  InternalServerError,
  InvalidInputError,
  InvalidResponseError,
  type OnceOnlyError,
  TimeoutError,
} from './errors.js';
import type { Incoming } from './internal/send.js';
import { type RequestOptions, responseInfo } from './internal/transport.js';
import {
  checkBoolean,
  checkInteger,
  checkJsonObject,
  checkKey,
  checkKnownKeys,
  checkObject,
  METADATA_MAX_BYTES,
  optional,
} from './internal/validate.js';
import type { CheckLockStatus } from './types.js';

export interface CheckLockParams {
  /** The idempotency key, 1 to 256 characters. */
  key: string;
  /**
   * How long the key stays claimed, in seconds (the API's unit). Default: the plan's default.
   * The server clamps it to its minimum (10 s) and the plan's maximum.
   */
  ttl?: number | undefined;
  /** Your data to store with the claim: a JSON object of at most 2048 bytes. */
  metadata?: Record<string, unknown> | undefined;
  /** The Python SDK's name for `metadata`; give one or the other. */
  meta?: Record<string, unknown> | undefined;
}

export interface CheckLockOptions extends RequestOptions {
  /** Overrides the client's `failOpen` for this call. */
  failOpen?: boolean | undefined;
}

/** Why a check-lock answered `locked` without the server: see `failOpen`. */
export type FailOpenReason = 'timeout' | 'connection_error' | 'server_error';

export interface CheckLockResult {
  /** True when this call claimed the key: go ahead with the side effect. */
  locked: boolean;
  /** True when the key was already claimed within its TTL: skip the side effect. */
  duplicate: boolean;
  status: CheckLockStatus;
  key: string;
  /**
   * The TTL in seconds: the effective one the server answered, which may differ from the one
   * asked for (the server clamps it to the plan's bounds). When the answer does not say (the
   * body of a 409 duplicate has no `ttl`) or there was none (a result that failed open), the
   * `ttl` this call asked for, so that the field reads alike in every mode; `null` when the
   * call asked for none (the plan's default applies) and the server did not say.
   */
  ttl: number | null;
  /** When the key was first claimed; `null` when this call claimed it. */
  first_seen_at: string | null;
  /** The request's `X-Request-Id`, the same on every attempt of this call. */
  request_id: string | null;
  /**
   * True for a duplicate answered to a retry whose earlier attempt may have reached the server
   * (it timed out, lost its connection or got a 500/502/504). The earlier claim may then have
   * been this call's own. A server that supports request replay never gives this.
   */
  ambiguousDuplicate: boolean;
  /**
   * Set when `failOpen` is on and the server could not be reached or failed: the result then
   * says `locked` without the server having claimed the key.
   */
  failedOpen: { reason: FailOpenReason; error: OnceOnlyError } | null;
}

const CHECK_LOCK_STATUSES: readonly string[] = ['locked', 'duplicate'] satisfies CheckLockStatus[];

/**
 * Claims `key` for `ttl` seconds. The first claim within the TTL gets `locked: true`; every
 * later one `duplicate: true` with `first_seen_at`. Retries carry the same `X-Request-Id`
 * (the spec's replay rule); a duplicate that answers a retry after an unknown outcome is
 * marked `ambiguousDuplicate`. A 409 from a server in 409 mode is a duplicate, not an error.
 *
 * The same as `client.checkLock(params, options)`, for any client: with an `OnceOnlyCore`, a
 * bundle that only claims keys holds the transport and this function, nothing more.
 *
 * @example
 * const lock = await checkLock(client, { key: `stripe:${event.id}`, ttl: 3600 });
 * if (lock.duplicate) return; // already handled
 */
export function checkLock(
  client: OnceOnlyCore,
  params: CheckLockParams,
  options: CheckLockOptions = {},
): ApiPromise<CheckLockResult, Response | null> {
  return new ApiPromise(run(client, params, options));
}

async function run(
  client: OnceOnlyCore,
  params: CheckLockParams,
  options: CheckLockOptions,
): Promise<Answered<CheckLockResult, Response | null>> {
  const { transport, failOpen: clientFailOpen } = stateOf(client);
  const body = checkLockBody(params);
  const { failOpen: callFailOpen, ...requestOptions } = checkObject('options', options);
  const failOpen = optional('options.failOpen', callFailOpen, checkBoolean) ?? clientFailOpen;

  try {
    const answer = await transport.request(
      { method: 'POST', path: '/v1/check-lock', body, retry: 'replay', acceptStatuses: [409] },
      requestOptions,
    );
    const { incoming } = answer;
    const status = statusOf(incoming, answer.data, answer.request_id);
    const data = answer.data as Record<string, unknown>;
    const duplicate = status === 'duplicate';
    const result: CheckLockResult = {
      locked: !duplicate,
      duplicate,
      status,
      key: typeof data.key === 'string' ? data.key : body.key,
      ttl: typeof data.ttl === 'number' ? data.ttl : (body.ttl ?? null),
      first_seen_at: firstSeenAt(incoming.status, data),
      request_id: answer.request_id,
      ambiguousDuplicate: duplicate && answer.retriedAfterUnknownOutcome,
      failedOpen: null,
    };
    return { data: result, response: incoming.response, request_id: answer.request_id };
  } catch (error) {
    const reason = failOpen ? failOpenReason(error) : null;
    if (reason === null) throw error;

    // Fail-open trades exactly-once for availability: the caller proceeds as if it holds the
    // key, so a duplicate side effect becomes possible. It is off unless asked for.
    const failure = error as ConnectionError | InternalServerError;
    transport.log.warn(
      `POST /v1/check-lock failed open (${reason}): proceeding as locked without the server ` +
        `(${failure.message})`,
    );
    const result: CheckLockResult = {
      locked: true,
      duplicate: false,
      status: 'locked',
      key: body.key,
      ttl: body.ttl ?? null,
      first_seen_at: null,
      request_id: failure.request_id,
      ambiguousDuplicate: false,
      failedOpen: { reason, error: failure },
    };
    return { data: result, response: () => null, request_id: failure.request_id };
  }
}

function checkLockBody(params: CheckLockParams) {
  checkKnownKeys('params', checkObject('params', params), ['key', 'ttl', 'metadata', 'meta']);
  if (params.metadata !== undefined && params.meta !== undefined) {
    throw new InvalidInputError('meta', 'is another name for metadata: give only one of them');
  }
  const [field, metadata] =
    params.meta === undefined ? ['metadata', params.metadata] : ['meta', params.meta];
  return {
    key: checkKey(params.key),
    ...(params.ttl !== undefined && { ttl: checkInteger('ttl', params.ttl, { min: 1 }) }),
    ...(metadata !== undefined && {
      metadata: checkJsonObject(field, metadata, METADATA_MAX_BYTES),
    }),
  };
}

/**
 * Locked or duplicate: a 409 is a duplicate (the server's 409 mode); otherwise the body's
 * `status`, else the `X-OnceOnly-Status` header, else the body's `success`.
 */
function statusOf(incoming: Incoming, data: unknown, requestId: string): CheckLockStatus {
  if (incoming.status === 409) return 'duplicate';

  const body = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  for (const candidate of [body.status, incoming.header('X-OnceOnly-Status')]) {
    const value = typeof candidate === 'string' ? candidate.toLowerCase() : undefined;
    if (value && CHECK_LOCK_STATUSES.includes(value)) return value as CheckLockStatus;
  }
  if (typeof body.success === 'boolean') return body.success ? 'locked' : 'duplicate';

  throw new InvalidResponseError(
    'The check-lock answer says neither locked nor duplicate',
    responseInfo(incoming, requestId),
    JSON.stringify(data),
  );
}

function firstSeenAt(httpStatus: number, data: Record<string, unknown>): string | null {
  const source = httpStatus === 409 ? (data.detail as Record<string, unknown> | undefined) : data;
  const value = source?.first_seen_at;
  return typeof value === 'string' ? value : null;
}

function failOpenReason(error: unknown): FailOpenReason | null {
  if (error instanceof TimeoutError) return 'timeout';
  if (error instanceof ConnectionError) return 'connection_error';
  if (error instanceof InternalServerError) return 'server_error';
  return null;
}
