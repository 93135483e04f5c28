/**
 * The governance pipeline of a tool call, in the spec's order: policy (the kill switch, the
 * tool's own switch, the policy's tool lists), deduplication, caps and budget, then the signed
 * call. Deduplication comes before the caps, so a retry of a call that succeeded gets its
 * first answer back even when that call used up a cap or the budget.
 *
 * - Caps count the agent's executed calls (a call whose tool failed included):
 *   `max_actions_per_hour` over the last 60 minutes, `max_calls_per_tool` and
 *   `max_spend_usd_per_day` over the current UTC day.
 * - A call's cost is the policy's `pricing_rules` price for the tool when it has one, else the
 *   call's `spend_usd`, else 0; a call that would take the day's spend past the budget is
 *   blocked.
 * - An identical call (same agent, tool and arguments, compared as canonical JSON) within 24
 *   hours of one that succeeded is answered `dedup` with that call's result, without calling
 *   the tool. Failed calls are not remembered, so they can be retried.
 * - `risk_level`: `high` for a disabled agent, `medium` for other blocks and tool errors, `low`
 *   otherwise.
 *
 * Every decision goes to the agent's log (kept 7 days), the account's events and, when the
 * call belongs to a run, the run's timeline.
 */
import type { ServerContext } from './context.js';
import { callTool } from './dispatch.js';
import { canonicalJson, sha256Hex } from './ids.js';
import type { DecisionRecord, DedupRecord, State, ToolRecord } from './state.js';
import { DAY_MS, HOUR_MS, unixSeconds, utcDay } from './time.js';
import { appendRunEvent, recordAccountEvent } from './timeline.js';
import { findTool } from './tools.js';
import type { Schemas } from './types.js';

export const DEDUP_WINDOW_MS = DAY_MS;
export const DECISION_RETENTION_MS = 7 * DAY_MS;

type ToolRunResult = Schemas['ToolRunResult'];
type Verdict = Pick<DecisionRecord, 'allowed' | 'decision' | 'policyReason' | 'riskLevel'>;

const EXECUTED: Verdict = {
  allowed: true,
  decision: 'executed',
  policyReason: 'ok',
  riskLevel: 'low',
};
const TOOL_ERROR: Verdict = { ...EXECUTED, policyReason: 'tool_error', riskLevel: 'medium' };
const DEDUP: Verdict = { ...EXECUTED, decision: 'dedup', policyReason: 'tool_idempotency' };

function blocked(reason: string): Verdict {
  const riskLevel = reason === 'agent_disabled' ? 'high' : 'medium';
  return { allowed: false, decision: 'blocked', policyReason: reason, riskLevel };
}

export interface GovernedCall {
  agentId: string;
  tool: string;
  args: Record<string, unknown>;
  spendUsd: number | undefined;
  /** The run timeline the call belongs to, if any. */
  runId: string | null;
}

/** What the rules need to know of a call. */
type CallRef = Pick<GovernedCall, 'agentId' | 'tool' | 'spendUsd'>;

/**
 * Runs `call` through the pipeline against `state`. `null` when the agent can reach no tool of
 * that name (the API's 404 `tool_not_found`).
 */
export async function governedCall(
  ctx: ServerContext,
  state: State,
  call: GovernedCall,
): Promise<ToolRunResult | null> {
  const tool = findTool(state, call.agentId, call.tool);
  if (!tool) return null;

  const startedAt = ctx.now();
  const argsHash = await sha256Hex(canonicalJson(call.args));
  const cost = costOf(state, call);
  if (call.runId !== null) {
    appendRunEvent(state, call.runId, {
      ts: unixSeconds(startedAt),
      type: 'tool_call',
      status: 'start',
      tool: call.tool,
      agent_id: call.agentId,
    });
  }
  const conclude = (
    verdict: Verdict,
    outcome: { ok: boolean; result: Record<string, unknown> | null; spendUsd: number | null },
    failure?: string,
  ): ToolRunResult => {
    const { agentId } = call;
    const entry = { atMs: startedAt, agentId, tool: call.tool, argsHash, ...verdict };
    record(ctx, state, call, { ...entry, spendUsd: outcome.spendUsd }, failure);
    return {
      ok: outcome.ok,
      allowed: verdict.allowed,
      decision: verdict.decision,
      policy_reason: verdict.policyReason,
      risk_level: verdict.riskLevel,
      result: outcome.result,
    };
  };

  const screening = screenCall(state, call, tool, argsHash, startedAt);
  if (screening.kind === 'blocked') {
    return conclude(blocked(screening.reason), { ok: false, result: null, spendUsd: null });
  }
  if (screening.kind === 'dedup') {
    return conclude(DEDUP, { ok: true, result: screening.first.result, spendUsd: 0 });
  }

  const payload = { tool: call.tool, agent_id: call.agentId, args: call.args };
  const outcome = await callTool(ctx, tool, payload);
  if (!outcome.ok) {
    return conclude(TOOL_ERROR, { ok: false, result: null, spendUsd: cost }, outcome.reason);
  }
  state.dedup.set(dedupKey(call, argsHash), { atMs: startedAt, result: outcome.result });
  return conclude(EXECUTED, { ok: true, result: outcome.result, spendUsd: cost });
}

/** What the pipeline makes of a call before it is dispatched. */
export type Screening =
  | { kind: 'blocked'; reason: string }
  | { kind: 'dedup'; first: DedupRecord }
  | { kind: 'dispatch' };

/**
 * Runs `call` through the pipeline up to its dispatch: policy, then deduplication, then caps
 * and budget. Changes nothing, so a dry run can ask it too. `argsHash` is the SHA-256 of the
 * call's canonical arguments.
 */
export function screenCall(
  state: State,
  call: CallRef,
  tool: ToolRecord,
  argsHash: string,
  now: number,
): Screening {
  const refused = checkPolicy(state, call, tool);
  if (refused !== null) return { kind: 'blocked', reason: refused };

  const first = state.dedup.get(dedupKey(call, argsHash));
  if (first && now - first.atMs < DEDUP_WINDOW_MS) return { kind: 'dedup', first };

  const capped = checkCaps(state, call, costOf(state, call), now);
  return capped === null ? { kind: 'dispatch' } : { kind: 'blocked', reason: capped };
}

function dedupKey(call: CallRef, argsHash: string): string {
  return `${call.agentId}\n${call.tool}\n${argsHash}`;
}

/** The kill switch, the tool's own switch and the policy's tool lists. */
function checkPolicy(state: State, call: CallRef, tool: ToolRecord): string | null {
  if (state.agents.get(call.agentId)?.isEnabled === false) return 'agent_disabled';
  if (!tool.enabled) return 'tool_disabled';

  const policy = state.policies.get(call.agentId);
  if (policy?.blocked_tools?.includes(call.tool)) return 'tool_explicitly_blocked';
  if (policy?.allowed_tools && !policy.allowed_tools.includes(call.tool)) {
    return 'tool_not_in_allowed_list';
  }
  return null;
}

/** The policy's caps and budget, counted over the agent's executed calls. */
function checkCaps(state: State, call: CallRef, cost: number, now: number): string | null {
  const policy = state.policies.get(call.agentId);
  if (!policy) return null;

  const executed = recentDecisions(state, now).filter(
    (entry) => entry.agentId === call.agentId && entry.decision === 'executed',
  );
  const today = executed.filter((entry) => utcDay(entry.atMs) === utcDay(now));
  const hourCap = policy.max_actions_per_hour;
  if (hourCap !== undefined && executed.filter((e) => e.atMs > now - HOUR_MS).length >= hourCap) {
    return 'max_actions_per_hour_exceeded';
  }
  const toolCap = policy.max_calls_per_tool?.[call.tool];
  if (toolCap !== undefined && today.filter((e) => e.tool === call.tool).length >= toolCap) {
    return 'max_calls_per_tool_exceeded';
  }
  const budget = policy.max_spend_usd_per_day;
  const spent = today.reduce((sum, entry) => sum + (entry.spendUsd ?? 0), 0);
  if (budget !== undefined && spent + cost > budget + 1e-9) return 'max_spend_usd_per_day_exceeded';
  return null;
}

/** The decisions still kept (7 days), oldest first; older ones are dropped here. */
export function recentDecisions(state: State, now: number): DecisionRecord[] {
  const oldest = now - DECISION_RETENTION_MS;
  while (state.decisions.length > 0 && (state.decisions[0] as DecisionRecord).atMs <= oldest) {
    state.decisions.shift();
  }
  return state.decisions;
}

/** What a call costs: the policy's price for the tool, else the call's own `spend_usd`, else 0. */
export function costOf(state: State, call: CallRef): number {
  const rule = state.policies.get(call.agentId)?.pricing_rules?.find((r) => r.tool === call.tool);
  return rule?.price_usd ?? call.spendUsd ?? 0;
}

/** Writes a decision to the agent's log, the account's events and the run's timeline. */
function record(
  ctx: ServerContext,
  state: State,
  call: GovernedCall,
  entry: DecisionRecord,
  failure?: string,
): void {
  state.decisions.push(entry);

  const status = entry.decision === 'executed' ? (failure ? 'error' : 'ok') : entry.decision;
  const ts = unixSeconds(ctx.now());
  const message = failure ?? entry.policyReason;
  recordAccountEvent(state, {
    ts,
    type: 'tool_call',
    agent_id: entry.agentId,
    tool: entry.tool,
    status,
    message,
  });
  if (call.runId !== null) {
    appendRunEvent(state, call.runId, {
      ts,
      type: 'tool_result',
      status,
      tool: entry.tool,
      agent_id: entry.agentId,
      message,
      duration_ms: Math.max(0, ctx.now() - entry.atMs),
      data: { allowed: entry.allowed, decision: entry.decision, policy_reason: entry.policyReason },
    });
  }
}
