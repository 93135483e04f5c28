import { describe, expect, it } from 'vitest';
import { DAY, HOUR, harness, T0, toolFetch } from './support.js';

const AGENT = 'support_bot';
const tool = (name: string) => ({
  name,
  url: `https://tools.test/${name}`,
  auth: { type: 'hmac_sha256' as const, secret: 'whsec_agents_tests' },
});

/** A server with send_email and delete_user registered; the policy blocks delete_user. */
async function setup() {
  const h = harness({ fetchTool: toolFetch() });
  await h.client.gov.createTool(tool('send_email'));
  await h.client.gov.createTool(tool('delete_user'));
  await h.client.gov.upsertPolicy({ agent_id: AGENT, blocked_tools: ['delete_user'] });
  return h;
}

describe('local server: agent logs and metrics', () => {
  it('logs every decision, newest first, with spend only where the call was not blocked', async () => {
    const { client, advance } = await setup();
    await client.ai.runTool({
      agent_id: AGENT,
      tool: 'send_email',
      args: { n: 1 },
      spend_usd: 0.25,
    });
    advance(1_000);
    await client.ai.runTool({ agent_id: AGENT, tool: 'delete_user', args: { id: 7 } });
    advance(1_000);
    await client.ai.runTool({ agent_id: AGENT, tool: 'send_email', args: { n: 1 } });

    const logs = await client.gov.agentLogs(AGENT);
    expect(logs.map(({ args_hash: _, ...item }) => item)).toEqual([
      {
        ts: T0 / 1000 + 2,
        agent_id: AGENT,
        tool: 'send_email',
        allowed: true,
        decision: 'dedup',
        policy_reason: 'tool_idempotency',
        risk_level: 'low',
        spend_usd: 0,
      },
      {
        ts: T0 / 1000 + 1,
        agent_id: AGENT,
        tool: 'delete_user',
        allowed: false,
        decision: 'blocked',
        policy_reason: 'tool_explicitly_blocked',
        risk_level: 'medium',
      },
      {
        ts: T0 / 1000,
        agent_id: AGENT,
        tool: 'send_email',
        allowed: true,
        decision: 'executed',
        policy_reason: 'ok',
        risk_level: 'low',
        spend_usd: 0.25,
      },
    ]);
    expect(logs[0]?.args_hash).toBe(logs[2]?.args_hash);
    expect(logs[0]?.args_hash).not.toBe(logs[1]?.args_hash);
    expect(await client.gov.agentLogs(AGENT, { limit: 1 })).toHaveLength(1);
  });

  it('aggregates metrics over the period asked', async () => {
    const { client, advance } = await setup();
    await client.ai.runTool({
      agent_id: AGENT,
      tool: 'send_email',
      args: { n: 1 },
      spend_usd: 0.5,
    });
    advance(2 * HOUR);
    await client.ai.runTool({
      agent_id: AGENT,
      tool: 'send_email',
      args: { n: 2 },
      spend_usd: 0.25,
    });
    await client.ai.runTool({ agent_id: AGENT, tool: 'delete_user', args: {} });

    expect(await client.gov.agentMetrics(AGENT)).toEqual({
      agent_id: AGENT,
      period: 'day',
      total_actions: 3,
      blocked_actions: 1,
      total_spend_usd: 0.75,
      top_tools: [
        { tool: 'send_email', count: 2 },
        { tool: 'delete_user', count: 1 },
      ],
    });
    expect(await client.gov.agentMetrics(AGENT, { period: 'hour' })).toMatchObject({
      total_actions: 2,
      total_spend_usd: 0.25,
    });
    advance(2 * DAY);
    expect(await client.gov.agentMetrics(AGENT, { period: 'week' })).toMatchObject({
      total_actions: 3,
    });
    expect((await client.gov.agentMetrics(AGENT)).total_actions).toBe(0);
  });

  it('answers an agent without calls with an empty log and zero metrics', async () => {
    const { client } = harness();
    expect(await client.gov.agentLogs('quiet_bot')).toEqual([]);
    expect(await client.gov.agentMetrics('quiet_bot', { period: 'week' })).toEqual({
      agent_id: 'quiet_bot',
      period: 'week',
      total_actions: 0,
      blocked_actions: 0,
      total_spend_usd: 0,
      top_tools: [],
    });
  });

  it('keeps the log 7 days', async () => {
    const { client, advance } = await setup();
    await client.ai.runTool({ agent_id: AGENT, tool: 'send_email', args: { n: 1 } });
    advance(7 * DAY);
    await client.ai.runTool({ agent_id: AGENT, tool: 'send_email', args: { n: 2 } });
    expect(await client.gov.agentLogs(AGENT)).toHaveLength(1);
  });

  it('refuses a period outside hour, day and week with 422', async () => {
    const { raw } = harness();
    const answer = await raw('GET', '/v1/agents/bot/metrics?period=month');
    expect(answer.status).toBe(422);
    expect(answer.body.detail[0]).toMatchObject({ type: 'enum', loc: ['query', 'period'] });
  });
});
