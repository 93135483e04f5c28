import { Ai } from './ai.js';
import type { ApiPromise } from './api-promise.js';
import {
  type CheckLockOptions,
  type CheckLockParams,
  type CheckLockResult,
  checkLock,
} from './check-lock.js';
import { InvalidInputError, InvalidResponseError } from './errors.js';
import { Governance } from './governance.js';
import { call } from './internal/call.js';
import { readEnv } from './internal/env.js';
import { isLogLevel, Log, type Logger, type LogLevel } from './internal/log.js';
import { DEFAULT_RETRY_POLICY } from './internal/retry.js';
import { type FetchLike, type RequestOptions, Transport } from './internal/transport.js';
import { DEFAULT_BASE_URL, serverRoot } from './internal/url.js';
import {
  checkBoolean,
  checkDay,
  checkId,
  checkInteger,
  checkKnownKeys,
  checkMaxRetries,
  checkNumber,
  checkObject,
  checkOneOf,
  checkString,
  checkTimeoutMs,
  compact,
  LIMITS,
  limitIn,
  optional,
} from './internal/validate.js';
import type {
  AccountEvent,
  AccountMetrics,
  Me,
  NotificationSettings,
  NotificationsUpdate,
  RunEventCreate,
  RunEventCreated,
  RunList,
  RunTimeline,
  Usage,
  UsageAll,
  UsageKind,
} from './types.js';
import { VERSION } from './version.js';

export interface ClientOptions {
  /** The API key (`once_live_...`). Default: the `ONCEONLY_API_KEY` environment variable. */
  apiKey?: string | undefined;
  /**
   * The API's address, with or without `/v1` and a trailing slash. Default: the
   * `ONCEONLY_BASE_URL` environment variable, else `https://api.onceonly.tech/v1`.
   */
  baseUrl?: string | undefined;
  /** Time limit of each attempt in milliseconds, reading the response included. Default 10000. */
  timeoutMs?: number | undefined;
  /** How many times a failed attempt may be repeated, when that is safe. Default 2. */
  maxRetries?: number | undefined;
  /**
   * When the server cannot be reached or fails (timeout, connection error, 5xx after retries),
   * let `checkLock` answer `locked` (marked `failedOpen`) instead of throwing. Default `false`:
   * during an outage a duplicate side effect must not run. Never applies to 4xx answers.
   */
  failOpen?: boolean | undefined;
  /** The `fetch` to use. Default: the global `fetch`, looked up at each request. */
  fetch?: FetchLike | undefined;
  /** Where log lines go. Default: `console`. */
  logger?: Logger | undefined;
  /**
   * `off`, `error`, `warn`, `info` or `debug`. Default: the `ONCEONLY_LOG` environment
   * variable, else `warn` when a `logger` is given, else `off`.
   */
  logLevel?: LogLevel | undefined;
  /** Headers sent with every request. */
  defaultHeaders?: Record<string, string> | undefined;
  /**
   * The `User-Agent` header. Default `onceonly-sdk/<version>`; `null` sends none. Never sent
   * from browsers, which refuse to set it.
   */
  userAgent?: string | null | undefined;
}

const CLIENT_OPTION_KEYS = [
  'apiKey',
  'baseUrl',
  'timeoutMs',
  'maxRetries',
  'failOpen',
  'fetch',
  'logger',
  'logLevel',
  'defaultHeaders',
  'userAgent',
] as const satisfies readonly (keyof ClientOptions)[];
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RETRIES = 2;
const USAGE_KINDS: readonly UsageKind[] = ['make', 'ai'];
const NOTIFICATION_KEYS = [
  'email_notifications_enabled',
  'tool_error_notifications_enabled',
  'run_failure_notifications_enabled',
] as const;

/**
 * The OnceOnly client: idempotency (`checkLock`), agent execution (`ai`), governance (`gov`),
 * account and run timelines. Every API method returns an `ApiPromise`: await it for the result,
 * or call `.withResponse()` for the raw `Response` as well.
 */
export class OnceOnly {
  /** The API's address as used: the server root followed by `/v1`. */
  readonly baseUrl: string;
  /** Policies, tools, the kill switch, agent logs and metrics. */
  readonly gov: Governance;
  /** Leases, keyed runs with polling, governed tool calls and `runFn`. */
  readonly ai: Ai;

  readonly #transport: Transport;
  readonly #failOpen: boolean;

  constructor(options: ClientOptions = {}) {
    checkKnownKeys('options', checkObject('options', options), CLIENT_OPTION_KEYS);
    const apiKey = checkApiKey(options.apiKey ?? readEnv('ONCEONLY_API_KEY'));
    if (options.defaultHeaders && hasHeader(options.defaultHeaders, 'X-Request-Id')) {
      throw new InvalidInputError(
        'defaultHeaders.X-Request-Id',
        'would give every call the same id; a server that replays by id would answer a new ' +
          'call with an old outcome. Give it per call in `options.headers` if you must',
      );
    }
    if (options.fetch === undefined && typeof globalThis.fetch !== 'function') {
      throw new InvalidInputError('fetch', 'is required: this runtime has no global fetch');
    }
    if (options.logLevel !== undefined && !isLogLevel(options.logLevel)) {
      throw new InvalidInputError('logLevel', 'must be one of off, error, warn, info, debug');
    }

    const timeoutMs = checkTimeoutMs('timeoutMs', options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const maxRetries = checkMaxRetries('maxRetries', options.maxRetries ?? DEFAULT_MAX_RETRIES);
    const root = serverRoot(options.baseUrl ?? readEnv('ONCEONLY_BASE_URL') ?? DEFAULT_BASE_URL);
    const log = new Log({
      ...(options.logger && { logger: options.logger }),
      ...(options.logLevel && { level: options.logLevel }),
      secrets: [apiKey],
    });
    this.baseUrl = `${root}/v1`;
    this.#failOpen = options.failOpen ?? false;
    this.#transport = new Transport({
      apiKey,
      root,
      timeoutMs,
      maxRetries,
      fetch: options.fetch,
      defaultHeaders: options.defaultHeaders ?? {},
      userAgent: inBrowser()
        ? null
        : options.userAgent === undefined
          ? `onceonly-sdk/${VERSION}`
          : options.userAgent,
      retryPolicy: DEFAULT_RETRY_POLICY,
      log,
    });
    this.gov = new Governance(this.#transport);
    this.ai = new Ai(this.#transport);
  }

  /**
   * Claims `key` for `ttl` seconds. The first claim within the TTL gets `locked: true`; every
   * later one `duplicate: true` with `first_seen_at`. Retries carry the same `X-Request-Id`
   * (the spec's replay rule); a duplicate that answers a retry after an unknown outcome is
   * marked `ambiguousDuplicate`. A 409 from a server in 409 mode is a duplicate, not an error.
   *
   * @example
   * const lock = await client.checkLock({ key: `stripe:${event.id}`, ttl: 3600 });
   * if (lock.duplicate) return; // already handled
   */
  checkLock(
    params: CheckLockParams,
    options?: CheckLockOptions,
  ): ApiPromise<CheckLockResult, Response | null> {
    return checkLock(this.#transport, this.#failOpen, params, options);
  }

  /** The account the API key belongs to. */
  me(options?: RequestOptions): ApiPromise<Me> {
    return call(this.#transport, () => ({ method: 'GET', path: '/v1/me', retry: 'safe' }), options);
  }

  /** This month's usage of one kind: `make` (check-lock, the default) or `ai` (leases, runs). */
  usage(
    params: { kind?: UsageKind | undefined } = {},
    options?: RequestOptions,
  ): ApiPromise<Usage> {
    return call(
      this.#transport,
      () => ({
        method: 'GET',
        path: '/v1/usage',
        query: {
          kind: optional('kind', params.kind, (field, value) =>
            checkOneOf(field, value, USAGE_KINDS),
          ),
        },
        retry: 'safe',
      }),
      options,
    );
  }

  /** This month's usage of every kind. */
  usageAll(options?: RequestOptions): ApiPromise<UsageAll> {
    return call(
      this.#transport,
      () => ({ method: 'GET', path: '/v1/usage/all', retry: 'safe' }),
      options,
    );
  }

  /**
   * Daily metrics from `from_day` to `to_day` (`YYYY-MM-DD`, UTC, both included). Default: the
   * last 30 days.
   */
  metrics(
    params: { from_day?: string | undefined; to_day?: string | undefined } = {},
    options?: RequestOptions,
  ): ApiPromise<AccountMetrics> {
    return call(
      this.#transport,
      () => ({
        method: 'GET',
        path: '/v1/metrics',
        query: {
          from_day: optional('from_day', params.from_day, checkDay),
          to_day: optional('to_day', params.to_day, checkDay),
        },
        retry: 'safe',
      }),
      options,
    );
  }

  /** Changes the notification settings given (at least one); answers with all of them. */
  updateNotifications(
    settings: NotificationsUpdate,
    options?: RequestOptions,
  ): ApiPromise<NotificationSettings> {
    return call(
      this.#transport,
      () => {
        checkKnownKeys('settings', checkObject('settings', settings), NOTIFICATION_KEYS);
        const body = compact<NotificationsUpdate>({
          email_notifications_enabled: optional(
            'email_notifications_enabled',
            settings.email_notifications_enabled,
            checkBoolean,
          ),
          tool_error_notifications_enabled: optional(
            'tool_error_notifications_enabled',
            settings.tool_error_notifications_enabled,
            checkBoolean,
          ),
          run_failure_notifications_enabled: optional(
            'run_failure_notifications_enabled',
            settings.run_failure_notifications_enabled,
            checkBoolean,
          ),
        });
        if (Object.keys(body).length === 0) {
          throw new InvalidInputError('settings', `must set at least one of ${NOTIFICATION_KEYS}`);
        }
        return { method: 'POST', path: '/v1/me/notifications', body, retry: 'safe' };
      },
      options,
    );
  }

  /** The account's recent events, newest first. `limit` 1 to 500 (default 50). */
  events(
    params: { limit?: number | undefined; offset?: number | undefined } = {},
    options?: RequestOptions,
  ): ApiPromise<AccountEvent[]> {
    return call(
      this.#transport,
      () => ({
        method: 'GET',
        path: '/v1/events',
        query: {
          limit: optional('limit', params.limit, limitIn(LIMITS.eventsLimit)),
          offset: optional('offset', params.offset, checkOffset),
        },
        retry: 'safe',
      }),
      options,
      (data, answer) => {
        const events = (data as { data?: unknown } | null)?.data;
        if (Array.isArray(events)) return events as AccountEvent[];
        const info = {
          status: answer.response.status,
          headers: answer.response.headers,
          request_id: answer.request_id,
        };
        throw new InvalidResponseError('The events answer has no `data` list', info, '');
      },
    );
  }

  /**
   * Appends an event to the timeline of `event.run_id`. Fields beyond the spec's are kept
   * with the event. Appending twice gives two events, so this call is repeated only after
   * failures the server certainly did not act on.
   */
  postEvent(event: RunEventCreate, options?: RequestOptions): ApiPromise<RunEventCreated> {
    return call(
      this.#transport,
      () => {
        checkObject('event', event);
        checkId('run_id', event.run_id);
        checkString('type', event.type, { max: LIMITS.eventTypeMaxLength, notBlank: true });
        optional('ts', event.ts, checkNumber);
        optional('duration_ms', event.duration_ms, (field, value) =>
          checkNumber(field, value, { min: 0 }),
        );
        optional('data', event.data, checkObject);
        return { method: 'POST', path: '/v1/events', body: event, retry: 'never' };
      },
      options,
    );
  }

  /** Runs, most recently active first. `q` filters by `run_id` prefix. */
  listRuns(
    params: {
      limit?: number | undefined;
      offset?: number | undefined;
      q?: string | undefined;
    } = {},
    options?: RequestOptions,
  ): ApiPromise<RunList> {
    return call(
      this.#transport,
      () => ({
        method: 'GET',
        path: '/v1/runs',
        query: {
          limit: optional('limit', params.limit, limitIn(LIMITS.runsLimit)),
          offset: optional('offset', params.offset, checkOffset),
          q: optional('q', params.q, (field, value) =>
            checkString(field, value, { min: 0, max: LIMITS.idMaxLength }),
          ),
        },
        retry: 'safe',
      }),
      options,
    );
  }

  /** A run's timeline, in order. `limit` 1 to 2000 (default 200). */
  getRun(
    runId: string,
    params: { limit?: number | undefined; offset?: number | undefined } = {},
    options?: RequestOptions,
  ): ApiPromise<RunTimeline> {
    return call(
      this.#transport,
      () => ({
        method: 'GET',
        path: '/v1/runs/{run_id}',
        pathParams: { run_id: checkId('run_id', runId) },
        query: {
          limit: optional('limit', params.limit, limitIn(LIMITS.runTimelineLimit)),
          offset: optional('offset', params.offset, checkOffset),
        },
        retry: 'safe',
      }),
      options,
    );
  }
}

function checkApiKey(apiKey: unknown): string {
  if (typeof apiKey !== 'string' || apiKey.trim() === '') {
    throw new InvalidInputError(
      'apiKey',
      'is required: pass it as `apiKey` or set the ONCEONLY_API_KEY environment variable',
    );
  }
  // It goes into a header: a stray newline or space (from a copied .env line) would make every
  // request fail later, with the key in the runtime's error message.
  if (!/^[!-~]+$/.test(apiKey)) {
    throw new InvalidInputError('apiKey', 'must be visible ASCII characters only (no spaces)');
  }
  return apiKey;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name.toLowerCase());
}

function checkOffset(field: string, value: unknown): number {
  return checkInteger(field, value, { min: 0 });
}

// Browsers refuse to set `User-Agent` (some throw, some drop it silently).
function inBrowser(): boolean {
  const scope = globalThis as { document?: unknown; WorkerGlobalScope?: unknown };
  return scope.document !== undefined || scope.WorkerGlobalScope !== undefined;
}
