/**
 * Agents (`/v1/agents/{agent_id}/...`): the kill switch, the decision log and metrics. Any agent
 * id works, whether or not it has called before; an agent without calls has an empty log and
 * zero metrics.
 */
import type { App, Ctx, ServerContext } from './context.js';
import { recentDecisions } from './governance.js';
import { json, readBody, readPath, readQuery } from './http.js';
import type { AgentRecord } from './state.js';
import { DAY_MS, HOUR_MS, isoTime, unixSeconds } from './time.js';
import { recordAccountEvent } from './timeline.js';
import type { Schemas } from './types.js';
import { ID, int, obj, oneOf, str } from './validation.js';

/** How many tools `top_tools` lists. */
export const TOP_TOOLS = 10;

const SWITCH_BODY = obj({ reason: str({ max: 512 }) });
const PERIODS: Record<Schemas['MetricsPeriod'], number> = {
  hour: HOUR_MS,
  day: DAY_MS,
  week: 7 * DAY_MS,
};

export function registerAgents(app: App, ctx: ServerContext): void {
  app.post('/v1/agents/:agent_id/disable', async (c) => {
    const target = await switchTarget(c);
    if (target instanceof Response) return target;

    const { agentId, reason } = target;
    const agent = agentOf(ctx, agentId);
    // Disabling a disabled agent keeps the time it was first disabled.
    if (agent.isEnabled) agent.disabledAtMs = ctx.now();
    agent.isEnabled = false;
    agent.disabledReason = reason ?? agent.disabledReason;
    const event = { ts: unixSeconds(ctx.now()), type: 'agent_disabled', agent_id: agentId };
    recordAccountEvent(ctx.state, event);
    return json(c, statusOf(agentId, agent));
  });

  app.post('/v1/agents/:agent_id/enable', async (c) => {
    const target = await switchTarget(c);
    if (target instanceof Response) return target;

    const agent = agentOf(ctx, target.agentId);
    Object.assign(agent, { isEnabled: true, disabledReason: null, disabledAtMs: null });
    const event = { ts: unixSeconds(ctx.now()), type: 'agent_enabled', agent_id: target.agentId };
    recordAccountEvent(ctx.state, event);
    return json(c, statusOf(target.agentId, agent));
  });

  app.get('/v1/agents/:agent_id/logs', (c) => {
    const agentId = readPath(c, 'agent_id', ID);
    if (agentId instanceof Response) return agentId;
    const query = readQuery<{ limit?: number }>(c, { limit: int({ min: 1, max: 500 }) });
    if (query instanceof Response) return query;

    const items: Schemas['AgentLogItem'][] = recentDecisions(ctx.state, ctx.now())
      .filter((entry) => entry.agentId === agentId)
      .reverse()
      .slice(0, query.limit ?? 100)
      .map((entry) => ({
        ts: unixSeconds(entry.atMs),
        agent_id: entry.agentId,
        tool: entry.tool,
        allowed: entry.allowed,
        decision: entry.decision,
        policy_reason: entry.policyReason,
        risk_level: entry.riskLevel,
        args_hash: entry.argsHash,
        ...(entry.spendUsd === null ? {} : { spend_usd: entry.spendUsd }),
      }));
    return json(c, items);
  });

  app.get('/v1/agents/:agent_id/metrics', (c) => {
    const agentId = readPath(c, 'agent_id', ID);
    if (agentId instanceof Response) return agentId;
    const query = readQuery<{ period?: Schemas['MetricsPeriod'] }>(c, {
      period: oneOf(Object.keys(PERIODS)),
    });
    if (query instanceof Response) return query;

    const period = query.period ?? 'day';
    const since = ctx.now() - PERIODS[period];
    const entries = recentDecisions(ctx.state, ctx.now()).filter(
      (entry) => entry.agentId === agentId && entry.atMs > since,
    );
    const counts = new Map<string, number>();
    for (const entry of entries) counts.set(entry.tool, (counts.get(entry.tool) ?? 0) + 1);
    const metrics: Schemas['AgentMetrics'] = {
      agent_id: agentId,
      period,
      total_actions: entries.length,
      blocked_actions: entries.filter((entry) => !entry.allowed).length,
      total_spend_usd: entries.reduce((sum, entry) => sum + (entry.spendUsd ?? 0), 0),
      top_tools: [...counts]
        .sort(([toolA, a], [toolB, b]) => b - a || (toolA < toolB ? -1 : 1))
        .slice(0, TOP_TOOLS)
        .map(([tool, count]) => ({ tool, count })),
    };
    return json(c, metrics);
  });
}

/** The agent of the path and the optional `reason` of the body; or the 422 to answer. */
async function switchTarget(c: Ctx): Promise<{ agentId: string; reason?: string } | Response> {
  const agentId = readPath(c, 'agent_id', ID);
  if (agentId instanceof Response) return agentId;
  const body = await readBody<Schemas['AgentSwitchRequest']>(c, SWITCH_BODY, { optional: true });
  if (body instanceof Response) return body;
  return body.reason === undefined ? { agentId } : { agentId, reason: body.reason };
}

function agentOf(ctx: ServerContext, agentId: string): AgentRecord {
  let agent = ctx.state.agents.get(agentId);
  if (!agent) {
    agent = { isEnabled: true, disabledReason: null, disabledAtMs: null };
    ctx.state.agents.set(agentId, agent);
  }
  return agent;
}

function statusOf(agentId: string, agent: AgentRecord): Schemas['AgentStatus'] {
  return {
    agent_id: agentId,
    is_enabled: agent.isEnabled,
    disabled_reason: agent.disabledReason,
    disabled_at: agent.disabledAtMs === null ? null : isoTime(agent.disabledAtMs),
  };
}
