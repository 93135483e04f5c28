import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { harness, SECOND, settle, toolFetch, useFakeTime } from './support.js';

const AGENT = 'support_bot';
const TOOL = {
  name: 'send_email',
  url: 'https://tools.test/send-email',
  auth: { type: 'hmac_sha256' as const, secret: 'whsec_run_secret' },
};

/** A server on fake time whose keyed runs start 1 s after they are acquired. */
async function setup(reply?: Parameters<typeof toolFetch>[0]) {
  const tool = toolFetch(reply ?? ((_, n) => Response.json({ message_id: `msg_${n}` })));
  const h = harness({ fakeClock: true, workerDelayMs: 1_000, fetchTool: tool });
  await h.client.gov.createTool(TOOL);
  return { ...h, tool };
}

const action = (to: string) => ({ tool: 'send_email', args: { to } });

beforeEach(useFakeTime);
afterEach(() => {
  vi.useRealTimers();
});

describe('local server: keyed runs', () => {
  it('acquires the key, runs the actions after workerDelayMs, and completes the run', async () => {
    const { client, local, tool } = await setup();

    const started = await client.ai.run({
      key: 'chat:1',
      ttl: 1_800,
      metadata: {
        agent_id: AGENT,
        run_id: 'run_chat_1',
        actions: [action('a@x.io'), action('b@x.io')],
      },
    });
    expect(started).toMatchObject({ status: 'acquired', ttl: 1_800, version: 1, charged: 1 });
    expect(await client.ai.status('chat:1')).toMatchObject({
      status: 'in_progress',
      retry_after_sec: 1,
    });

    await vi.advanceTimersByTimeAsync(999);
    expect(tool.calls).toHaveLength(0);
    expect((await client.ai.status('chat:1')).status).toBe('in_progress');

    await vi.advanceTimersByTimeAsync(1);
    await local.flush();
    expect(tool.calls).toHaveLength(2);
    const result = await client.ai.result('chat:1');
    expect(result).toMatchObject({ ok: true, status: 'completed', error_code: null });
    expect(result.result).toMatchObject({
      actions_executed: 2,
      actions: [
        { tool: 'send_email', decision: 'executed', result: { message_id: 'msg_1' } },
        { tool: 'send_email', decision: 'executed', result: { message_id: 'msg_2' } },
      ],
    });

    const timeline = await client.getRun('run_chat_1');
    expect(timeline.events.map((event) => [event.type, event.status])).toEqual([
      ['run_started', 'started'],
      ['tool_call', 'start'],
      ['tool_result', 'ok'],
      ['tool_call', 'start'],
      ['tool_result', 'ok'],
      ['run_finished', 'completed'],
    ]);
    expect(timeline.events[0]?.lease_id).toBe(started.lease_id);
  });

  it('shows in_progress, then completed, to runAndWait', async () => {
    const { client } = await setup();
    const seen: string[] = [];

    const result = await settle(
      client.ai.runAndWait(
        { key: 'chat:2', metadata: { agent_id: AGENT, actions: [action('a@x.io')] } },
        { onStatus: (status) => seen.push(status.status) },
      ),
    );
    expect(result.status).toBe('completed');
    expect(seen[0]).toBe('in_progress');
    expect(seen.at(-1)).toBe('completed');
  });

  it('writes the timeline under the key when metadata has no run_id', async () => {
    const { client, local } = await setup();
    await client.ai.run({ key: 'chat:3', metadata: {} });
    await local.flush();
    const timeline = await client.getRun('chat:3');
    expect(timeline.events.map((event) => event.type)).toEqual(['run_started', 'run_finished']);
    expect((await client.ai.result('chat:3')).result).toEqual({ actions_executed: 0, actions: [] });
  });

  it('answers polling to a second run of a key in progress, without starting it again', async () => {
    const { client, local, tool } = await setup();
    const run = { key: 'chat:4', metadata: { agent_id: AGENT, actions: [action('a@x.io')] } };
    await client.ai.run(run);
    expect(await client.ai.run(run)).toMatchObject({ status: 'polling', charged: 0 });

    await local.flush();
    expect(tool.calls).toHaveLength(1);
    expect((await client.ai.run(run)).status).toBe('completed');
  });

  it('fails the run at a tool error, with error_code tool_error', async () => {
    const { client, local, tool } = await setup(() => new Response('down', { status: 500 }));
    await client.gov.createTool({ ...TOOL, max_retries: 0 });
    await client.ai.run({
      key: 'chat:5',
      metadata: { agent_id: AGENT, actions: [action('a@x.io'), action('b@x.io')] },
    });
    await local.flush();

    expect(await client.ai.result('chat:5')).toMatchObject({
      ok: false,
      status: 'failed',
      error_code: 'tool_error',
      result: null,
    });
    expect(tool.calls).toHaveLength(1);
    const events = (await client.getRun('chat:5')).events;
    expect(events.at(-1)).toMatchObject({ type: 'run_finished', status: 'failed' });
  });

  it('fails the run at an action that policy blocks, with the reason as error_code', async () => {
    const { client, local, tool } = await setup();
    await client.gov.upsertPolicy({ agent_id: AGENT, blocked_tools: ['send_email'] });
    await client.ai.run({ key: 'chat:6', metadata: { agent_id: AGENT, actions: [action('a')] } });
    await local.flush();

    const result = await client.ai.result('chat:6');
    expect(result).toMatchObject({ status: 'failed', error_code: 'tool_explicitly_blocked' });
    expect(tool.calls).toHaveLength(0);
    const logs = await client.gov.agentLogs(AGENT);
    expect(logs[0]).toMatchObject({ decision: 'blocked', allowed: false });
  });

  it('fails the run on an unknown tool, and on actions without an agent_id', async () => {
    const { client, local } = await setup();
    await client.ai.run({
      key: 'chat:7',
      metadata: { agent_id: AGENT, actions: [{ tool: 'no_such_tool' }] },
    });
    await client.ai.run({ key: 'chat:8', metadata: { actions: [action('a')] } });
    await local.flush();

    expect((await client.ai.result('chat:7')).error_code).toBe('tool_not_found');
    expect((await client.ai.result('chat:8')).error_code).toBe('agent_id_required');
  });

  it('runs only the first 50 actions', async () => {
    const { client, local, tool } = await setup();
    // Short names and arguments: 60 actions must fit in the 2048 bytes of metadata.
    await client.gov.createTool({ ...TOOL, name: 't' });
    const actions = Array.from({ length: 60 }, (_, n) => ({ tool: 't', args: { n } }));
    await client.ai.run({ key: 'bulk', metadata: { agent_id: AGENT, actions } });
    await local.flush();

    expect(tool.calls).toHaveLength(50);
    expect((await client.ai.result('bulk')).result).toMatchObject({ actions_executed: 50 });
  });

  it('checks the actions of a dry run without calling any tool', async () => {
    const { client, local, tool } = await setup();
    await client.gov.upsertPolicy({ agent_id: AGENT, allowed_tools: ['send_email'] });
    await client.gov.createTool({ ...TOOL, name: 'delete_user' });
    await client.ai.run({
      key: 'dry',
      metadata: {
        agent_id: AGENT,
        dry_run: true,
        actions: [action('a'), { tool: 'delete_user', args: { id: 1 } }],
      },
    });
    await local.flush();

    expect(tool.calls).toHaveLength(0);
    expect((await client.ai.result('dry')).result).toEqual({
      dry_run: true,
      actions_checked: 2,
      actions: [
        { tool: 'send_email', allowed: true, policy_reason: 'ok' },
        { tool: 'delete_user', allowed: false, policy_reason: 'tool_not_in_allowed_list' },
      ],
    });
    expect(await client.gov.agentLogs(AGENT)).toEqual([]);
  });

  it('reports in a dry run an action already made as a dedup, ahead of the caps', async () => {
    const { client, local, tool } = await setup();
    await client.gov.upsertPolicy({ agent_id: AGENT, max_calls_per_tool: { send_email: 1 } });
    await client.ai.runTool({ agent_id: AGENT, ...action('a') });

    await client.ai.run({
      key: 'dry:again',
      metadata: { agent_id: AGENT, dry_run: true, actions: [action('a'), action('b')] },
    });
    await local.flush();

    expect((await client.ai.result('dry:again')).result).toMatchObject({
      actions: [
        { tool: 'send_email', allowed: true, policy_reason: 'tool_idempotency' },
        { tool: 'send_email', allowed: false, policy_reason: 'max_calls_per_tool_exceeded' },
      ],
    });
    expect(tool.calls).toHaveLength(1);
  });

  it('does not finish a run whose lease was cancelled before its worker started', async () => {
    const { client, local, tool } = await setup();
    const started = await client.ai.run({
      key: 'chat:9',
      metadata: { agent_id: AGENT, actions: [action('a')] },
    });
    await client.ai.cancel({ key: 'chat:9', lease_id: started.lease_id as string });
    await local.flush();

    expect(tool.calls).toHaveLength(0);
    expect((await client.ai.status('chat:9')).status).toBe('cancelled');
    const finished = (await client.getRun('chat:9')).events.at(-1);
    expect(finished).toMatchObject({ type: 'run_finished', status: 'cancelled' });
  });

  it('stops a run whose lease expired before its worker started', async () => {
    const tool = toolFetch();
    const { client, local } = harness({ fakeClock: true, workerDelayMs: 15_000, fetchTool: tool });
    await client.gov.createTool(TOOL);
    await client.ai.run({
      key: 'slow',
      ttl: 10,
      metadata: { agent_id: AGENT, actions: [action('a')] },
    });

    await vi.advanceTimersByTimeAsync(15_000);
    await local.flush();
    expect(tool.calls).toHaveLength(0);
    expect(await client.ai.status('slow')).toMatchObject({
      status: 'expired',
      error_code: 'lease_expired',
    });
    const finished = (await client.getRun('slow')).events.at(-1);
    expect(finished).toMatchObject({ type: 'run_finished', status: 'expired' });
  });

  it('replays a run acquisition to a retry with the same X-Request-Id, starting it once', async () => {
    const { raw, local, tool } = await setup();
    const request = {
      body: { key: 'chat:10', metadata: { agent_id: AGENT, actions: [action('a')] } },
      headers: { 'X-Request-Id': 'run-call-1' },
    };
    const first = await raw('POST', '/v1/ai/run', request);
    const retry = await raw('POST', '/v1/ai/run', request);
    expect(retry.body).toEqual(first.body);
    await local.flush();
    expect(tool.calls).toHaveLength(1);
  });

  it('refuses a body that mixes the modes, or names neither, with 422 invalid_run_mode', async () => {
    const { raw } = await setup();
    for (const body of [
      { key: 'k', agent_id: AGENT, tool: 'send_email' },
      { key: 'k', tool: 'x' },
      {},
    ]) {
      const answer = await raw('POST', '/v1/ai/run', { body });
      expect(answer.status).toBe(422);
      expect(answer.body.detail).toMatchObject({ error: 'invalid_run_mode' });
    }
    const toolOnly = await raw('POST', '/v1/ai/run', { body: { agent_id: AGENT } });
    expect(toolOnly.body.detail[0]).toMatchObject({ type: 'missing', loc: ['body', 'tool'] });
    const badAction = await raw('POST', '/v1/ai/run', {
      body: { key: 'k', metadata: { actions: [{ tool: 'x', spend_usd: -1 }] } },
    });
    expect(badAction.body.detail[0]).toMatchObject({
      type: 'greater_than_equal',
      loc: ['body', 'metadata', 'actions', 0, 'spend_usd'],
    });
  });

  it('starts nothing after reset, and forgets the run', async () => {
    const { client, local, tool } = await setup();
    await client.ai.run({ key: 'chat:11', metadata: { agent_id: AGENT, actions: [action('a')] } });
    local.reset();
    await vi.advanceTimersByTimeAsync(10 * SECOND);
    await local.flush();

    expect(tool.calls).toHaveLength(0);
    await expect(client.ai.status('chat:11')).rejects.toMatchObject({ status: 404 });
    await expect(client.gov.getTool('send_email')).rejects.toMatchObject({ status: 404 });
  });
});
