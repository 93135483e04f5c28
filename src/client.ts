import { Ai } from './ai.js';
import type { ApiPromise } from './api-promise.js';
import {
  type CheckLockOptions,
  type CheckLockParams,
  type CheckLockResult,
  checkLock,
} from './check-lock.js';
import { type ClientOptions, OnceOnlyCore, stateOf } from './core.js';
import { InvalidInputError, InvalidResponseError } from './errors.js';
import { Governance } from './governance.js';
import { call } from './internal/call.js';
import { type RequestOptions, responseInfo, type Transport } from './internal/transport.js';
import {
  checkBoolean,
  checkDay,
  checkId,
  checkInteger,
  checkKnownKeys,
  checkNumber,
  checkObject,
  checkOneOf,
  checkParams,
  checkString,
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

export type { ClientOptions };

const USAGE_KINDS: readonly UsageKind[] = ['make', 'ai'];
const EVENT_TEXT_FIELDS = ['status', 'step', 'tool', 'req_id', 'lease_id', 'agent_id', 'message'];
const EVENT_FIELD_ALIASES: Record<string, string> = {
  runId: 'run_id',
  durationMs: 'duration_ms',
  reqId: 'req_id',
  leaseId: 'lease_id',
  agentId: 'agent_id',
  extra: 'extra fields at the top level of the event',
};
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
export class OnceOnly extends OnceOnlyCore {
  /** Policies, tools, the kill switch, agent logs and metrics. */
  readonly gov: Governance;
  /** Leases, keyed runs with polling, governed tool calls and `runFn`. */
  readonly ai: Ai;

  readonly #transport: Transport;

  constructor(options: ClientOptions = {}) {
    super(options);
    const { transport } = stateOf(this);
    this.#transport = transport;
    this.gov = new Governance(transport);
    this.ai = new Ai(transport);
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
    return checkLock(this, params, options);
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
      () => {
        const input = checkParams('params', params, ['kind']);
        return {
          method: 'GET',
          path: '/v1/usage',
          query: {
            kind: optional('kind', input.kind, (field, value) =>
              checkOneOf(field, value, USAGE_KINDS),
            ),
          },
          retry: 'safe',
        };
      },
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
      () => {
        const input = checkParams('params', params, ['from_day', 'to_day']);
        return {
          method: 'GET',
          path: '/v1/metrics',
          query: {
            from_day: optional('from_day', input.from_day, checkDay),
            to_day: optional('to_day', input.to_day, checkDay),
          },
          retry: 'safe',
        };
      },
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
        query: pageQuery(params, LIMITS.eventsLimit),
        retry: 'safe',
      }),
      options,
      (data, answer) => {
        const events = (data as { data?: unknown } | null)?.data;
        if (Array.isArray(events)) return events as AccountEvent[];
        const info = responseInfo(answer.incoming, answer.request_id);
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
      () => ({ method: 'POST', path: '/v1/events', body: checkEvent(event), retry: 'never' }),
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
          ...pageQuery(params, LIMITS.runsLimit, ['q']),
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
        query: pageQuery(params, LIMITS.runTimelineLimit),
        retry: 'safe',
      }),
      options,
    );
  }
}

/**
 * An event to append. Keys beyond the spec's are kept with the event, as the spec allows, but
 * not the official SDK's names of its fields (`durationMs`, ...), which were surely meant as
 * those fields and would be stored under a name nothing reads.
 */
function checkEvent(event: RunEventCreate): RunEventCreate {
  const input = checkObject('event', event);
  for (const [name, wireName] of Object.entries(EVENT_FIELD_ALIASES)) {
    if (name in input) {
      throw new InvalidInputError(`event.${name}`, `is not a field of event: give ${wireName}`);
    }
  }
  checkId('run_id', input.run_id);
  checkString('type', input.type, { max: LIMITS.eventTypeMaxLength, notBlank: true });
  optional('ts', input.ts, checkNumber);
  optional('duration_ms', input.duration_ms, (field, value) =>
    checkNumber(field, value, { min: 0 }),
  );
  for (const field of EVENT_TEXT_FIELDS) {
    optional(field, input[field], (name, value) => checkString(name, value, { min: 0 }));
  }
  optional('data', input.data, checkObject);
  return event;
}

/** The `limit` and `offset` of a page, from params that may also hold `others`. */
function pageQuery(
  params: { limit?: number | undefined; offset?: number | undefined },
  limits: { min: number; max: number },
  others: readonly string[] = [],
) {
  const input = checkParams('params', params, ['limit', 'offset', ...others]);
  return {
    limit: optional('limit', input.limit, limitIn(limits)),
    offset: optional('offset', input.offset, checkOffset),
  };
}

function checkOffset(field: string, value: unknown): number {
  return checkInteger(field, value, { min: 0 });
}
