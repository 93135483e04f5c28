import type { ApiPromise } from './api-promise.js';
import { InvalidInputError } from './errors.js';
import { call } from './internal/call.js';
import type { RequestOptions, Transport } from './internal/transport.js';
import {
  checkArray,
  checkId,
  checkInteger,
  checkJsonObject,
  checkKey,
  checkKnownKeys,
  checkNumber,
  checkObject,
  checkString,
  checkToolName,
  compact,
  LIMITS,
  optional,
} from './internal/validate.js';
import { type RunFnOptions, type RunFnResult, runFn } from './run-fn.js';
import type {
  AiResult,
  ExtendResponse,
  LeaseOutcome,
  LeaseState,
  LeaseStatus,
  RunMetadata,
  ToolRunResult,
} from './types.js';
import { type WaitOptions, waitForResult } from './wait.js';

/** A keyed background run: the server takes a lease on `key` and does the work. */
export interface RunKeyParams {
  key: string;
  /** The lease's TTL in seconds. Default: the plan's. */
  ttl?: number | undefined;
  /**
   * Free-form, at most 2048 bytes as JSON; `run_id`, `agent_id`, `actions` (the first 50 run)
   * and `dry_run` have a meaning.
   */
  metadata?: RunMetadata | undefined;
  /** The run timeline's id; sent as `metadata.run_id`. Trimmed; must not be blank. */
  run_id?: string | undefined;
}

/** A governed tool call: policy, caps, deduplication, then the signed call of the tool. */
export interface RunToolParams {
  agent_id: string;
  tool: string;
  /** The tool's arguments. */
  args?: Record<string, unknown> | undefined;
  /** The call's cost in USD, counted against the agent's daily budget. */
  spend_usd?: number | undefined;
  /** The run timeline's id; sent as `args.run_id`. Trimmed; must not be blank. */
  run_id?: string | undefined;
}

/**
 * Agent execution: leases, keyed runs with polling, governed tool calls, and `runFn` for local
 * work done exactly once. Reached as `client.ai`.
 */
export class Ai {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Starts a keyed background run (`{ key, ... }`, answers the lease state) or makes a governed
   * tool call (`{ agent_id, tool, ... }`, answers the tool result). Mixing the two is refused.
   */
  run(params: RunKeyParams, options?: RequestOptions): ApiPromise<LeaseState>;
  run(params: RunToolParams, options?: RequestOptions): ApiPromise<ToolRunResult>;
  run(
    params: RunKeyParams | RunToolParams,
    options?: RequestOptions,
  ): ApiPromise<LeaseState | ToolRunResult> {
    return call(this.#transport, () => runRequest(params), options);
  }

  /**
   * A governed tool call: allowed and executed, blocked by policy (`allowed: false` and the
   * reason in `policy_reason`), or deduplicated (`decision: 'dedup'`).
   */
  runTool(params: RunToolParams, options?: RequestOptions): ApiPromise<ToolRunResult> {
    return call(this.#transport, () => runRequest(params, 'tool'), options);
  }

  /** The state of the lease or run on `key`. `NotFoundError` when the key has none. */
  status(key: string, options?: RequestOptions): ApiPromise<LeaseStatus> {
    return this.#readKey('/v1/ai/status', key, options);
  }

  /** The stored outcome of the work on `key`; `status: 'in_progress'` while it runs. */
  result(key: string, options?: RequestOptions): ApiPromise<AiResult> {
    return this.#readKey('/v1/ai/result', key, options);
  }

  /**
   * Takes the lease on `key` (`acquired`, with a `lease_id`), or tells who has it (`polling`)
   * or how it ended. Low level: `runFn` does the whole cycle.
   */
  lease(
    params: {
      key: string;
      ttl?: number | undefined;
      metadata?: Record<string, unknown> | undefined;
    },
    options?: RequestOptions,
  ): ApiPromise<LeaseState> {
    return call(
      this.#transport,
      () => {
        checkKnownKeys('params', checkObject('params', params), ['key', 'ttl', 'metadata']);
        const body = compact<{ key: string; ttl?: number; metadata?: Record<string, unknown> }>({
          key: checkKey(params.key),
          ttl: optional('ttl', params.ttl, checkTtl),
          metadata: optional('metadata', params.metadata, checkMetadata),
        });
        return { method: 'POST', path: '/v1/ai/lease', body, retry: 'replay' };
      },
      options,
    );
  }

  /** Resets the time left on a held lease to `ttl` seconds (default: its own TTL). */
  extend(
    params: { key: string; lease_id: string; ttl?: number | undefined },
    options?: RequestOptions,
  ): ApiPromise<ExtendResponse> {
    return this.#leaseCall('/v1/ai/extend', params, { ttl: checkTtl }, options);
  }

  /** Finishes a held lease as `completed`, storing `result` for `result(key)`. */
  complete(
    params: {
      key: string;
      lease_id: string;
      result?: Record<string, unknown> | undefined;
      result_hash?: string | undefined;
    },
    options?: RequestOptions,
  ): ApiPromise<LeaseOutcome> {
    return this.#leaseCall(
      '/v1/ai/complete',
      params,
      {
        result: checkObject,
        result_hash: (field, value) => checkString(field, value, { max: 256 }),
      },
      options,
    );
  }

  /** Finishes a held lease as `failed` with `error_code`. */
  fail(
    params: { key: string; lease_id: string; error_code: string; error_hash?: string | undefined },
    options?: RequestOptions,
  ): ApiPromise<LeaseOutcome> {
    return this.#leaseCall(
      '/v1/ai/fail',
      params,
      {
        error_code: (field, value) => checkString(field, value, { max: 128 }),
        error_hash: (field, value) => checkString(field, value, { max: 256 }),
      },
      options,
      ['error_code'],
    );
  }

  /** Cancels a held lease: the key ends `cancelled` and waiters stop. */
  cancel(
    params: { key: string; lease_id: string; reason?: string | undefined },
    options?: RequestOptions,
  ): ApiPromise<LeaseOutcome> {
    return this.#leaseCall(
      '/v1/ai/cancel',
      params,
      {
        reason: (field, value) =>
          checkString(field, value, { min: 0, max: LIMITS.reasonMaxLength }),
      },
      options,
    );
  }

  /**
   * Polls `status(key)` until the work ends (`completed`, `failed`, `cancelled` or `expired`)
   * and gives its `result(key)`. Waits `pollIntervalMs`, doubling up to `maxPollIntervalMs`, or
   * the server's `retry_after_sec` within those bounds. A read that fails for a passing reason
   * (no connection, a timeout, 408, 429, 5xx) is tried again until the deadline; other failures
   * reject at once. Past `timeoutMs` it rejects with `WaitTimeoutError`; `signal` cancels it.
   */
  async wait(key: string, options: WaitOptions = {}): Promise<AiResult> {
    return waitForResult(this, this.#transport.log, checkKey(key), options);
  }

  /**
   * Starts a keyed run and waits for its result, as `run` then `wait`; one deadline covers
   * both. The run is the server's: waiting does not extend its lease.
   */
  async runAndWait(params: RunKeyParams, options: WaitOptions = {}): Promise<AiResult> {
    const request = runRequest(params, 'key');
    const { key } = request.body as { key: string };
    return waitForResult(this, this.#transport.log, key, options, (signal) =>
      call(this.#transport, () => request, { signal }),
    );
  }

  /**
   * Does `fn` exactly once for `key`, under a lease that a heartbeat extends while `fn` runs.
   * See `RunFnOptions` and `RunFnResult`.
   */
  runFn<T>(
    key: string,
    fn: (signal: AbortSignal) => T | Promise<T>,
    options: RunFnOptions = {},
  ): Promise<RunFnResult<T>> {
    return runFn(this, this.#transport.log, key, fn, options);
  }

  #readKey<T>(
    path: '/v1/ai/status' | '/v1/ai/result',
    key: string,
    options: RequestOptions | undefined,
  ): ApiPromise<T> {
    return call(
      this.#transport,
      () => ({ method: 'GET', path, query: { key: checkKey(key) }, retry: 'safe' }),
      options,
    );
  }

  #leaseCall<T>(
    path: '/v1/ai/extend' | '/v1/ai/complete' | '/v1/ai/fail' | '/v1/ai/cancel',
    params: { key: string; lease_id: string },
    fields: Record<string, (field: string, value: unknown) => unknown>,
    options: RequestOptions | undefined,
    required: readonly string[] = [],
  ): ApiPromise<T> {
    return call(
      this.#transport,
      () => {
        const input = checkObject('params', params);
        checkKnownKeys('params', input, ['key', 'lease_id', ...Object.keys(fields)]);
        const body: Record<string, unknown> = {
          key: checkKey(params.key),
          lease_id: checkString('lease_id', params.lease_id),
        };
        for (const [name, check] of Object.entries(fields)) {
          if (input[name] === undefined && required.includes(name)) {
            throw new InvalidInputError(name, 'is required');
          }
          if (input[name] !== undefined) body[name] = check(name, input[name]);
        }
        return { method: 'POST', path, body, retry: 'safe' };
      },
      options,
    );
  }
}

function runRequest(params: RunKeyParams | RunToolParams, only?: 'key' | 'tool') {
  const input = checkObject('params', params) as Partial<RunKeyParams & RunToolParams>;
  const keyMode = input.key !== undefined;
  const toolMode = input.agent_id !== undefined || input.tool !== undefined;
  if (keyMode && toolMode) {
    throw new InvalidInputError(
      'params',
      'mixes the two modes of a run: give `key` (a keyed run) ' +
        'or `agent_id` and `tool` (a tool call)',
    );
  }
  if (!keyMode && !toolMode) {
    throw new InvalidInputError('params', 'needs `key` (a keyed run) or `agent_id` and `tool`');
  }
  if (only === 'key' && !keyMode) {
    throw new InvalidInputError('params', 'needs `key`: runAndWait starts keyed runs');
  }
  if (only === 'tool' && !toolMode) {
    throw new InvalidInputError('params', 'needs `agent_id` and `tool`: runTool makes tool calls');
  }

  const runId = optional('run_id', input.run_id, (field, value) =>
    checkId(field, checkString(field, value).trim()),
  );
  const body = keyMode ? keyRunBody(input, runId) : toolRunBody(input, runId);
  return { method: 'POST', path: '/v1/ai/run', body, retry: 'replay' } as const;
}

function keyRunBody(input: Partial<RunKeyParams>, runId: string | undefined) {
  checkKnownKeys('params', input, ['key', 'ttl', 'metadata', 'run_id']);
  const metadata = optional('metadata', input.metadata, checkMetadata);
  const withRunId = runId === undefined ? metadata : { ...metadata, run_id: runId };
  if (withRunId) checkRunMetadata(withRunId);
  return compact<{ key: string; ttl?: number; metadata?: Record<string, unknown> }>({
    key: checkKey(input.key),
    ttl: optional('ttl', input.ttl, checkTtl),
    metadata: withRunId,
  });
}

function toolRunBody(input: Partial<RunToolParams>, runId: string | undefined) {
  checkKnownKeys('params', input, ['agent_id', 'tool', 'args', 'spend_usd', 'run_id']);
  const args = optional('args', input.args, checkObject);
  return compact<{
    agent_id: string;
    tool: string;
    args?: Record<string, unknown> | undefined;
    spend_usd?: number | undefined;
  }>({
    agent_id: checkId('agent_id', input.agent_id),
    tool: checkToolName('tool', input.tool),
    args: runId === undefined ? args : { ...args, run_id: runId },
    spend_usd: optional('spend_usd', input.spend_usd, (field, value) =>
      checkNumber(field, value, { min: 0 }),
    ),
  });
}

function checkRunMetadata(metadata: Record<string, unknown>): void {
  checkJsonObject('metadata', metadata, LIMITS.metadataMaxBytes);
  optional('metadata.agent_id', metadata.agent_id, checkId);
  optional('metadata.actions', metadata.actions, (field, value) =>
    checkArray(field, value, (item, action) => {
      checkKnownKeys(item, checkObject(item, action), ['tool', 'args', 'spend_usd']);
      const { tool, args, spend_usd } = action as Record<string, unknown>;
      checkToolName(`${item}.tool`, tool);
      optional(`${item}.args`, args, checkObject);
      optional(`${item}.spend_usd`, spend_usd, (name, v) => checkNumber(name, v, { min: 0 }));
    }),
  );
}

function checkTtl(field: string, value: unknown): number {
  return checkInteger(field, value, { min: 1 });
}

function checkMetadata(field: string, value: unknown): Record<string, unknown> {
  return checkJsonObject(field, value, LIMITS.metadataMaxBytes);
}
