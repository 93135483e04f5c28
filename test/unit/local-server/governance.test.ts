import { afterEach, describe, expect, it, vi } from 'vitest';
import { zToolCallWebhookRequest } from '../../../generated/zod/zod.gen.js';
import { NotFoundError, verifyToolSignature } from '../../../src/index.js';
import { HOUR, harness, MINUTE, settle, T0, toolFetch, until, useFakeTime } from './support.js';

const SECRET = 'whsec_tool_secret_42';
const EMAIL = {
  name: 'send_email',
  url: 'https://tools.test/send-email',
  auth: { type: 'hmac_sha256' as const, secret: SECRET },
};
const AGENT = 'support_bot';

/** A server whose tools answer through `tool`, with send_email registered. */
async function withEmailTool(
  tool = toolFetch((_, n) => Response.json({ message_id: `msg_${n}` })),
  options: Parameters<typeof harness>[0] = {},
) {
  const h = harness({ fetchTool: tool, ...options });
  await h.client.gov.createTool(EMAIL);
  return { ...h, tool };
}

const call = (args: Record<string, unknown> = { to: 'a@example.com' }, spend_usd?: number) => ({
  agent_id: AGENT,
  tool: 'send_email',
  args,
  ...(spend_usd !== undefined && { spend_usd }),
});

afterEach(() => {
  vi.useRealTimers();
});

describe('local server: governed tool calls', () => {
  it('calls the tool with a genuine OnceOnly signature and answers its result', async () => {
    const { client, tool } = await withEmailTool();

    const result = await client.ai.runTool(call({ to: 'a@example.com', subject: 'Hi' }));
    expect(result).toEqual({
      ok: true,
      allowed: true,
      decision: 'executed',
      policy_reason: 'ok',
      risk_level: 'low',
      result: { message_id: 'msg_1' },
    });

    expect(tool.calls).toHaveLength(1);
    const request = tool.calls[0] as Request;
    expect(request.method).toBe('POST');
    expect(request.url).toBe(EMAIL.url);
    const { body } = await verifyToolSignature(request, SECRET, { now: T0 });
    expect(JSON.parse(body)).toEqual({
      tool: 'send_email',
      agent_id: AGENT,
      args: { to: 'a@example.com', subject: 'Hi' },
    });
    expect(request.headers.get('X-OnceOnly-Timestamp')).toBe(String(T0 / 1000));
  });

  it("sends the request the spec's toolCall webhook describes", async () => {
    const { client, tool } = await withEmailTool();
    await client.ai.runTool({ ...call({ to: 'a@example.com' }), run_id: 'run_7' });

    const request = tool.calls[0] as Request;
    const sent = zToolCallWebhookRequest.safeParse({
      body: await request.json(),
      headers: Object.fromEntries(
        ['X-OnceOnly-Signature', 'X-OnceOnly-Timestamp', 'X-OnceOnly-Signature-Alg'].map((name) => [
          name,
          request.headers.get(name),
        ]),
      ),
    });
    expect(sent.error).toBeUndefined();
    expect(sent.data?.body).toEqual({
      tool: 'send_email',
      agent_id: AGENT,
      args: { to: 'a@example.com', run_id: 'run_7' },
    });
    expect(request.headers.get('Content-Type')).toBe('application/json');
  });

  it('answers an unknown tool with 404 tool_not_found', async () => {
    const { client } = await withEmailTool();
    const unknown = client.ai.runTool({ agent_id: AGENT, tool: 'launch_rocket' });
    await expect(unknown).rejects.toBeInstanceOf(NotFoundError);
    await expect(unknown).rejects.toMatchObject({ detail: { error: 'tool_not_found' } });
  });

  it("prefers the agent's own tool to the global one", async () => {
    const tool = toolFetch((request) => Response.json({ url: request.url }));
    const { client } = await withEmailTool(tool);
    await client.gov.createTool({
      ...EMAIL,
      scope_id: `agent:${AGENT}`,
      url: 'https://own.test/e',
    });

    expect((await client.ai.runTool(call())).result).toEqual({ url: 'https://own.test/e' });
    const other = await client.ai.runTool({ ...call(), agent_id: 'other_bot' });
    expect(other.result).toEqual({ url: EMAIL.url });
  });

  it('blocks every call of a disabled agent (kill switch) until it is enabled again', async () => {
    const { client, tool } = await withEmailTool();

    const status = await client.gov.disableAgent(AGENT, { reason: 'incident 4711' });
    expect(status).toEqual({
      agent_id: AGENT,
      is_enabled: false,
      disabled_reason: 'incident 4711',
      disabled_at: '2026-03-31T10:30:00Z',
    });
    expect(await client.ai.runTool(call())).toEqual({
      ok: false,
      allowed: false,
      decision: 'blocked',
      policy_reason: 'agent_disabled',
      risk_level: 'high',
      result: null,
    });
    expect(tool.calls).toHaveLength(0);

    expect(await client.gov.enableAgent(AGENT)).toEqual({
      agent_id: AGENT,
      is_enabled: true,
      disabled_reason: null,
      disabled_at: null,
    });
    expect((await client.ai.runTool(call())).decision).toBe('executed');
  });

  it('keeps the first disable time when the agent is disabled twice', async () => {
    const { client, advance } = harness();
    await client.gov.disableAgent('bot');
    advance(MINUTE);
    const again = await client.gov.disableAgent('bot', { reason: 'still' });
    expect(again).toMatchObject({ disabled_at: '2026-03-31T10:30:00Z', disabled_reason: 'still' });
  });

  it('blocks a disabled tool', async () => {
    const { client } = await withEmailTool();
    await client.gov.toggleTool('send_email', { enabled: false });
    expect(await client.ai.runTool(call())).toMatchObject({
      allowed: false,
      decision: 'blocked',
      policy_reason: 'tool_disabled',
      risk_level: 'medium',
    });
  });

  it('applies blocked_tools and allowed_tools', async () => {
    const { client } = await withEmailTool();
    await client.gov.createTool({ ...EMAIL, name: 'create_ticket' });

    await client.gov.upsertPolicy({ agent_id: AGENT, blocked_tools: ['send_email'] });
    expect(await client.ai.runTool(call())).toMatchObject({
      decision: 'blocked',
      policy_reason: 'tool_explicitly_blocked',
    });

    await client.gov.upsertPolicy({ agent_id: AGENT, allowed_tools: ['create_ticket'] });
    expect((await client.ai.runTool(call())).policy_reason).toBe('tool_not_in_allowed_list');
    const ticket = await client.ai.runTool({ ...call(), tool: 'create_ticket' });
    expect(ticket.decision).toBe('executed');
  });

  it('caps actions per hour over the last 60 minutes', async () => {
    const { client, advance } = await withEmailTool();
    await client.gov.upsertPolicy({ agent_id: AGENT, max_actions_per_hour: 2 });

    expect((await client.ai.runTool(call({ n: 1 }))).decision).toBe('executed');
    advance(30 * MINUTE);
    expect((await client.ai.runTool(call({ n: 2 }))).decision).toBe('executed');
    expect(await client.ai.runTool(call({ n: 3 }))).toMatchObject({
      allowed: false,
      policy_reason: 'max_actions_per_hour_exceeded',
    });

    advance(30 * MINUTE + 1);
    expect((await client.ai.runTool(call({ n: 4 }))).decision).toBe('executed');
  });

  it('caps calls per tool per UTC day', async () => {
    const { client, advance } = await withEmailTool();
    await client.gov.upsertPolicy({ agent_id: AGENT, max_calls_per_tool: { send_email: 1 } });

    expect((await client.ai.runTool(call({ n: 1 }))).decision).toBe('executed');
    expect((await client.ai.runTool(call({ n: 2 }))).policy_reason).toBe(
      'max_calls_per_tool_exceeded',
    );
    // 2026-03-31T10:30 + 13.5 h is the next UTC day.
    advance(13 * HOUR + 30 * MINUTE);
    expect((await client.ai.runTool(call({ n: 3 }))).decision).toBe('executed');
  });

  it('counts spend_usd against the daily budget', async () => {
    const { client } = await withEmailTool();
    await client.gov.upsertPolicy({ agent_id: AGENT, max_spend_usd_per_day: 1 });

    expect((await client.ai.runTool(call({ n: 1 }, 0.6))).decision).toBe('executed');
    expect((await client.ai.runTool(call({ n: 2 }, 0.4))).decision).toBe('executed');
    expect(await client.ai.runTool(call({ n: 3 }, 0.01))).toMatchObject({
      allowed: false,
      decision: 'blocked',
      policy_reason: 'max_spend_usd_per_day_exceeded',
    });
  });

  it("prices a call by the policy's pricing_rules before the caller's spend_usd", async () => {
    const { client } = await withEmailTool();
    await client.gov.upsertPolicy({
      agent_id: AGENT,
      max_spend_usd_per_day: 0.05,
      pricing_rules: [{ tool: 'send_email', price_usd: 0.02 }],
    });

    expect((await client.ai.runTool(call({ n: 1 }, 0))).decision).toBe('executed');
    expect((await client.ai.runTool(call({ n: 2 }, 0))).decision).toBe('executed');
    expect((await client.ai.runTool(call({ n: 3 }, 0))).policy_reason).toBe(
      'max_spend_usd_per_day_exceeded',
    );
    const logs = await client.gov.agentLogs(AGENT);
    expect(logs.map((item) => item.spend_usd)).toEqual([undefined, 0.02, 0.02]);
  });

  it('answers an identical call with dedup and the first result, without calling the tool', async () => {
    const { client, tool, advance } = await withEmailTool();

    const first = await client.ai.runTool(call({ to: 'a@example.com', subject: 'Hi' }));
    advance(HOUR);
    const again = await client.ai.runTool(call({ subject: 'Hi', to: 'a@example.com' }));
    expect(again).toEqual({
      ok: true,
      allowed: true,
      decision: 'dedup',
      policy_reason: 'tool_idempotency',
      risk_level: 'low',
      result: first.result,
    });
    expect(tool.calls).toHaveLength(1);

    const different = await client.ai.runTool(call({ to: 'b@example.com', subject: 'Hi' }));
    expect(different.decision).toBe('executed');
    const otherAgent = await client.ai.runTool({
      ...call({ to: 'a@example.com', subject: 'Hi' }),
      agent_id: 'bot_2',
    });
    expect(otherAgent.decision).toBe('executed');
    expect(tool.calls).toHaveLength(3);
  });

  it('answers a retry of a paid call with dedup although it used up the cap and budget', async () => {
    const pay = { ...EMAIL, name: 'pay', url: 'https://tools.test/pay' };
    const tool = toolFetch((_, n) => Response.json({ payment_id: `pay_${n}` }));
    const { client, advance } = harness({ fetchTool: tool });
    await client.gov.createTool(pay);
    await client.gov.upsertPolicy({
      agent_id: AGENT,
      max_calls_per_tool: { pay: 1 },
      max_spend_usd_per_day: 5,
    });
    const payment = { agent_id: AGENT, tool: 'pay', args: { invoice: 'INV-1' }, spend_usd: 5 };

    expect(await client.ai.runTool(payment)).toMatchObject({
      decision: 'executed',
      result: { payment_id: 'pay_1' },
    });
    advance(MINUTE);
    expect(await client.ai.runTool(payment)).toEqual({
      ok: true,
      allowed: true,
      decision: 'dedup',
      policy_reason: 'tool_idempotency',
      risk_level: 'low',
      result: { payment_id: 'pay_1' },
    });
    expect(tool.calls).toHaveLength(1);

    // The cap and the budget still hold for a call that is not a retry.
    const other = await client.ai.runTool({ ...payment, args: { invoice: 'INV-2' } });
    expect(other).toMatchObject({
      decision: 'blocked',
      policy_reason: 'max_calls_per_tool_exceeded',
    });
    expect(tool.calls).toHaveLength(1);
  });

  it('does not count a dedup against the caps', async () => {
    const { client, tool } = await withEmailTool();
    await client.gov.upsertPolicy({ agent_id: AGENT, max_actions_per_hour: 2 });

    await client.ai.runTool(call({ n: 1 }));
    expect((await client.ai.runTool(call({ n: 1 }))).decision).toBe('dedup');
    expect((await client.ai.runTool(call({ n: 2 }))).decision).toBe('executed');
    expect((await client.ai.runTool(call({ n: 3 }))).policy_reason).toBe(
      'max_actions_per_hour_exceeded',
    );
    expect(tool.calls).toHaveLength(2);
  });

  it('blocks a retry by the kill switch and the tool lists before deduplication', async () => {
    const { client, tool } = await withEmailTool();
    await client.ai.runTool(call());

    await client.gov.upsertPolicy({ agent_id: AGENT, blocked_tools: ['send_email'] });
    expect((await client.ai.runTool(call())).policy_reason).toBe('tool_explicitly_blocked');
    await client.gov.upsertPolicy({ agent_id: AGENT });
    await client.gov.disableAgent(AGENT);
    expect((await client.ai.runTool(call())).policy_reason).toBe('agent_disabled');

    await client.gov.enableAgent(AGENT);
    expect((await client.ai.runTool(call())).decision).toBe('dedup');
    expect(tool.calls).toHaveLength(1);
  });

  it('executes an identical call again after 24 hours', async () => {
    const { client, tool, advance } = await withEmailTool();
    await client.ai.runTool(call());
    advance(24 * HOUR);
    expect((await client.ai.runTool(call())).decision).toBe('executed');
    expect(tool.calls).toHaveLength(2);
  });

  it('retries a failing tool max_retries times, then answers tool_error', async () => {
    const tool = toolFetch(() => new Response('upstream down', { status: 503 }));
    const { client } = await withEmailTool(tool);
    await client.gov.createTool({ ...EMAIL, max_retries: 3 });

    expect(await client.ai.runTool(call())).toEqual({
      ok: false,
      allowed: true,
      decision: 'executed',
      policy_reason: 'tool_error',
      risk_level: 'medium',
      result: null,
    });
    expect(tool.calls).toHaveLength(4);
    const [event] = await client.events({ limit: 1 });
    expect(event).toMatchObject({ type: 'tool_call', status: 'error' });
    expect(event?.message).toContain('503');
  });

  it('does not retry a tool that refuses the call (4xx), nor remember the failure for dedup', async () => {
    let fail = true;
    const tool = toolFetch(() =>
      fail ? Response.json({ error: 'bad' }, { status: 400 }) : Response.json({ done: 1 }),
    );
    const { client } = await withEmailTool(tool);

    expect((await client.ai.runTool(call())).policy_reason).toBe('tool_error');
    expect(tool.calls).toHaveLength(1);
    fail = false;
    expect(await client.ai.runTool(call())).toMatchObject({
      decision: 'executed',
      result: { done: 1 },
    });
  });

  it('answers tool_error for a tool that does not answer a JSON object', async () => {
    const tool = toolFetch(() => new Response('<html>ok</html>', { status: 200 }));
    const { client } = await withEmailTool(tool);
    expect((await client.ai.runTool(call())).policy_reason).toBe('tool_error');
    expect(tool.calls).toHaveLength(1);
  });

  it('gives up on a tool after its timeout_ms, on every attempt', async () => {
    useFakeTime();
    const tool = toolFetch(
      (request) =>
        new Promise<Response>((_, reject) => {
          request.signal.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    );
    const { client } = await withEmailTool(tool, { fakeClock: true });
    await client.gov.createTool({ ...EMAIL, timeout_ms: 1_000, max_retries: 1 });

    let answered = false;
    const pending = client.ai.runTool(call()).finally(() => {
      answered = true;
    });
    await until(() => tool.calls.length === 1);
    await vi.advanceTimersByTimeAsync(999);
    expect(answered).toBe(false);
    expect(tool.calls).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(1);
    await until(() => tool.calls.length === 2);
    await vi.advanceTimersByTimeAsync(999);
    expect(answered).toBe(false);

    const result = await settle(pending, 1);
    expect(result).toMatchObject({ ok: false, decision: 'executed', policy_reason: 'tool_error' });
    expect(tool.calls).toHaveLength(2);
  });

  it('treats a tool that cannot be reached as a tool error', async () => {
    const tool = toolFetch(() => Promise.reject(new TypeError('fetch failed')));
    const { client } = await withEmailTool(tool);
    await client.gov.createTool({ ...EMAIL, max_retries: 0 });
    expect((await client.ai.runTool(call())).policy_reason).toBe('tool_error');
  });

  it('writes the call to the run timeline named by args.run_id', async () => {
    const { client } = await withEmailTool();
    await client.ai.runTool({ ...call(), run_id: 'run_42' });

    const timeline = await client.getRun('run_42');
    expect(timeline.events.map((event) => [event.type, event.status])).toEqual([
      ['tool_call', 'start'],
      ['tool_result', 'ok'],
    ]);
    expect(timeline.events[1]).toMatchObject({ tool: 'send_email', agent_id: AGENT });
  });
});
