/**
 * `POST /v1/ai/run`. Key mode (`key`) takes a lease like `/v1/ai/lease`; when it is acquired a
 * background worker runs the first 50 of `metadata.actions` through the governance pipeline of
 * `metadata.agent_id`, writes the run's timeline under `metadata.run_id` (default: the key)
 * and finishes the lease. Tool mode (`agent_id` and `tool`) is one governed call, answered at
 * once. A body mixing the modes, or naming neither, is 422 `invalid_run_mode`.
 *
 * A run ends `completed` with `{ actions_executed, actions: [...] }` as its result, or `failed`
 * at the first action that does not succeed, with its `policy_reason` (`tool_error`, a block
 * reason) or `tool_not_found` as `error_code`; actions without `metadata.agent_id` fail it
 * with `agent_id_required`. With `metadata.dry_run: true` the actions are only checked against
 * the rules: no tool is called, nothing is counted, and the result lists each verdict.
 */
import type { App, ServerContext } from './context.js';
import { governedCall, type Screening, screenCall } from './governance.js';
import { checked, codeError, json, readBody } from './http.js';
import { canonicalJson, sha256Hex } from './ids.js';
import { acquireLease, currentLease, finishLease, isConflict } from './leases.js';
import type { LeaseRecord, State } from './state.js';
import { unixSeconds } from './time.js';
import { appendRunEvent, recordAccountEvent } from './timeline.js';
import { findTool } from './tools.js';
import type { Schemas } from './types.js';
import { refuseOverLimit } from './usage.js';
import {
  bool,
  ID,
  json as jsonObject,
  KEY,
  list,
  METADATA_MAX_BYTES,
  num,
  obj,
  required,
  TOOL_NAME,
  TTL,
} from './validation.js';

/** How many of `metadata.actions` a run executes. */
export const MAX_RUN_ACTIONS = 50;

type RunMetadata = Schemas['RunMetadata'];

const ACTION = obj({ tool: required(TOOL_NAME), args: jsonObject(), spend_usd: num({ min: 0 }) });
const METADATA = obj(
  { run_id: ID, agent_id: ID, actions: list(ACTION), dry_run: bool() },
  { closed: false, maxBytes: METADATA_MAX_BYTES },
);
const KEYED_BODY = obj({ key: required(KEY), ttl: TTL, metadata: METADATA });
const TOOL_BODY = obj({
  agent_id: required(ID),
  tool: required(TOOL_NAME),
  args: jsonObject(),
  spend_usd: num({ min: 0 }),
});

export function registerRuns(app: App, ctx: ServerContext): void {
  app.post('/v1/ai/run', async (c) => {
    const raw = await readBody<Record<string, unknown>>(c, obj({}, { closed: false }));
    if (raw instanceof Response) return raw;
    const keyMode = 'key' in raw;
    const toolMode = 'agent_id' in raw || 'tool' in raw;
    if (keyMode === toolMode) {
      const message = 'must use one mode or the other: `key`, or `agent_id` and `tool`';
      return codeError(c, 422, 'invalid_run_mode', message);
    }

    if (keyMode) {
      const body = checked<Schemas['RunKeyedRequest']>(c, raw, KEYED_BODY);
      if (body instanceof Response) return body;
      const refused = refuseOverLimit(c, ctx, 'ai');
      if (refused) return refused;

      const requestId = c.get('clientRequestId');
      const { answer, acquired } = acquireLease(ctx, { key: body.key, ttl: body.ttl, requestId });
      if (acquired) startRun(ctx, acquired, body.metadata ?? {});
      return json(c, answer);
    }

    const body = checked<Schemas['RunToolRequest']>(c, raw, TOOL_BODY);
    if (body instanceof Response) return body;
    const args = body.args ?? {};
    const runId = typeof args.run_id === 'string' && args.run_id.trim() !== '' ? args.run_id : null;
    const call = { agentId: body.agent_id, tool: body.tool, args, spendUsd: body.spend_usd, runId };
    const result = await governedCall(ctx, ctx.state, call);
    if (!result) {
      const message = `no tool ${body.tool} in scope agent:${body.agent_id} or global`;
      return codeError(c, 404, 'tool_not_found', message);
    }
    return json(c, result);
  });
}

/** Writes `run_started` and schedules the run's work on the worker. */
function startRun(ctx: ServerContext, lease: LeaseRecord, metadata: RunMetadata): void {
  const { state } = ctx;
  const now = ctx.now();
  const runId = metadata.run_id ?? lease.key;
  lease.workerDueAtMs = now + ctx.worker.delayMs;

  const ts = unixSeconds(now);
  appendRunEvent(state, runId, {
    ts,
    type: 'run_started',
    status: 'started',
    lease_id: lease.leaseId,
    agent_id: metadata.agent_id ?? null,
    data: { key: lease.key, actions: Math.min(metadata.actions?.length ?? 0, MAX_RUN_ACTIONS) },
  });
  recordAccountEvent(state, {
    ts,
    type: 'run_started',
    key: lease.key,
    run_id: runId,
    status: 'started',
  });
  ctx.worker.schedule(() => work(ctx, state, lease, runId, metadata));
}

interface RunEnd {
  errorCode: string | null;
  result: Record<string, unknown>;
}

/** The run's work, on the state it started on: the actions, then the lease's end. */
async function work(
  ctx: ServerContext,
  state: State,
  lease: LeaseRecord,
  runId: string,
  metadata: RunMetadata,
): Promise<void> {
  let end: RunEnd;
  try {
    end = await runActions(ctx, state, lease, runId, metadata);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    end = { errorCode: 'internal_error', result: { message } };
  }

  const now = ctx.now();
  const failed = end.errorCode !== null;
  const outcome = finishLease(state, now, {
    key: lease.key,
    leaseId: lease.leaseId,
    status: failed ? 'failed' : 'completed',
    result: failed ? null : end.result,
    resultHash: failed ? null : await sha256Hex(canonicalJson(end.result)),
    errorCode: end.errorCode,
  });
  // The lease may have been lost meanwhile (it expired, or its holder cancelled it); the
  // record then tells how it ended.
  const status = isConflict(outcome) ? lease.status : outcome.status;
  const ts = unixSeconds(now);
  appendRunEvent(state, runId, {
    ts,
    type: 'run_finished',
    status,
    lease_id: lease.leaseId,
    message: end.errorCode ?? status,
    data: { ...end.result, error_code: isConflict(outcome) ? lease.errorCode : end.errorCode },
  });
  recordAccountEvent(state, { ts, type: 'run_finished', key: lease.key, run_id: runId, status });
}

async function runActions(
  ctx: ServerContext,
  state: State,
  lease: LeaseRecord,
  runId: string,
  metadata: RunMetadata,
): Promise<RunEnd> {
  const actions = (metadata.actions ?? []).slice(0, MAX_RUN_ACTIONS);
  const agentId = metadata.agent_id;
  const done: Record<string, unknown>[] = [];
  const end = (errorCode: string | null): RunEnd => ({
    errorCode,
    result: metadata.dry_run
      ? { dry_run: true, actions_checked: done.length, actions: done }
      : { actions_executed: done.length, actions: done },
  });
  if (agentId === undefined) return end(actions.length > 0 ? 'agent_id_required' : null);
  // A lease lost meanwhile (expired, cancelled, taken anew) stops the work.
  const held = () =>
    currentLease(state, lease.key, ctx.now()) === lease && lease.status === 'in_progress';

  for (const action of actions) {
    if (!held()) break;
    const call = {
      agentId,
      tool: action.tool,
      args: action.args ?? {},
      spendUsd: action.spend_usd,
      runId,
    };

    if (metadata.dry_run) {
      const tool = findTool(state, call.agentId, call.tool);
      if (!tool) return end('tool_not_found');
      const argsHash = await sha256Hex(canonicalJson(call.args));
      done.push({
        tool: call.tool,
        ...dryVerdict(screenCall(state, call, tool, argsHash, ctx.now())),
      });
      continue;
    }

    const result = await governedCall(ctx, state, call);
    if (!result) return end('tool_not_found');
    done.push({ tool: call.tool, ...result });
    if (!result.ok) return end(result.policy_reason ?? 'tool_error');
  }
  return end(null);
}

/** What a dry run reports of an action: whether the rules let it through, and why. */
function dryVerdict(screening: Screening): { allowed: boolean; policy_reason: string } {
  if (screening.kind === 'blocked') return { allowed: false, policy_reason: screening.reason };
  const reason = screening.kind === 'dedup' ? 'tool_idempotency' : 'ok';
  return { allowed: true, policy_reason: reason };
}
