import { describe, expect, it } from 'vitest';
import { InvalidInputError, type OnceOnly } from '../../src/index.js';
import {
  aiResult,
  json,
  leaseState,
  leaseStatus,
  type ScriptedApi,
  scriptedApi,
} from '../support/scripted-api.js';

const KEY = 'report:2026-03';
const OUTCOME = { ok: true, status: 'completed', key: KEY, lease_id: 'lease_1' };
const TOOL_RESULT = { ok: true, allowed: true, decision: 'executed', result: { id: 'm1' } };

/** A fake API answering every `/v1/ai/*` operation with a valid body. */
function aiApi(): ScriptedApi {
  return scriptedApi({
    'POST /v1/ai/run': json(leaseState(KEY, 'acquired')),
    'POST /v1/ai/lease': json(leaseState(KEY, 'acquired')),
    'POST /v1/ai/extend': json({ ok: true, status: 'extended', key: KEY, ttl: 300, version: 2 }),
    'POST /v1/ai/complete': json(OUTCOME),
    'POST /v1/ai/fail': json({ ...OUTCOME, status: 'failed', error_code: 'boom' }),
    'POST /v1/ai/cancel': json({ ...OUTCOME, status: 'cancelled', error_code: 'cancelled' }),
    'GET /v1/ai/status': json(leaseStatus(KEY, 'in_progress')),
    'GET /v1/ai/result': json(aiResult(KEY, 'completed', { result: { rows: 3 } })),
  });
}

/** The one request sent, which must be the only one. */
function only(api: ScriptedApi) {
  expect(api.requests).toHaveLength(1);
  return api.requests[0] as NonNullable<(typeof api.requests)[0]>;
}

/** Refused before sending: rejects with InvalidInputError and no request reaches the API. */
async function expectRefused(api: ScriptedApi, promise: PromiseLike<unknown>, field?: string) {
  const error = await Promise.resolve(promise).then(
    () => expect.unreachable('the call was not refused'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidInputError);
  if (field !== undefined) expect((error as InvalidInputError).field).toBe(field);
  expect(api.requests).toHaveLength(0);
}

describe('ai.run in key mode', () => {
  it('POSTs {key, ttl, metadata} to /v1/ai/run and gives the lease state', async () => {
    const api = aiApi();
    const state = await api.client().ai.run({ key: KEY, ttl: 60, metadata: { note: 'x' } });

    const request = only(api);
    expect(request.route).toBe('POST /v1/ai/run');
    expect(request.body).toEqual({ key: KEY, ttl: 60, metadata: { note: 'x' } });
    expect(state).toEqual(leaseState(KEY, 'acquired'));
  });

  it('sends only the key when ttl and metadata are not given', async () => {
    const api = aiApi();
    await api.client().ai.run({ key: KEY });
    expect(only(api).body).toStrictEqual({ key: KEY });
  });

  it('puts the trimmed run_id in metadata.run_id and keeps the other metadata', async () => {
    const api = aiApi();
    await api.client().ai.run({
      key: KEY,
      run_id: '  run-7 ',
      metadata: { agent_id: 'support_bot', note: 'x' },
    });
    expect(only(api).body).toEqual({
      key: KEY,
      metadata: { agent_id: 'support_bot', note: 'x', run_id: 'run-7' },
    });
  });

  it('makes metadata {run_id} when only run_id is given', async () => {
    const api = aiApi();
    await api.client().ai.run({ key: KEY, run_id: 'run-7' });
    expect(only(api).body).toStrictEqual({ key: KEY, metadata: { run_id: 'run-7' } });
  });

  it('does not change the caller’s metadata object', async () => {
    const api = aiApi();
    const metadata = { note: 'x' };
    await api.client().ai.run({ key: KEY, run_id: 'run-7', metadata });
    expect(metadata).toStrictEqual({ note: 'x' });
  });

  it.each([
    ['blank', '   '],
    ['empty', ''],
    ['not a string', 7 as unknown as string],
  ])('refuses a %s run_id without sending', async (_, runId) => {
    const api = aiApi();
    await expectRefused(api, api.client().ai.run({ key: KEY, run_id: runId }), 'run_id');
  });

  it.each([
    ['a ttl of 0', { key: KEY, ttl: 0 }],
    ['a fractional ttl', { key: KEY, ttl: 1.5 }],
    ['an empty key', { key: '' }],
    ['a key over 256 characters', { key: 'k'.repeat(257) }],
    ['metadata over 2048 bytes', { key: KEY, metadata: { blob: 'x'.repeat(2048) } }],
    ['an unknown field', { key: KEY, tll: 60 }],
  ])('refuses %s without sending', async (_, params) => {
    const api = aiApi();
    await expectRefused(api, api.client().ai.run(params as { key: string }));
  });
});

describe('ai.run in tool mode', () => {
  it('POSTs {agent_id, tool, args, spend_usd} and gives the tool result', async () => {
    const api = aiApi();
    api.script('POST /v1/ai/run', json(TOOL_RESULT));
    const result = await api.client().ai.run({
      agent_id: 'support_bot',
      tool: 'send_email',
      args: { to: 'a@example.com' },
      spend_usd: 0.01,
    });

    const request = only(api);
    expect(request.route).toBe('POST /v1/ai/run');
    expect(request.body).toStrictEqual({
      agent_id: 'support_bot',
      tool: 'send_email',
      args: { to: 'a@example.com' },
      spend_usd: 0.01,
    });
    expect(result).toEqual(TOOL_RESULT);
  });

  it('sends only agent_id and tool when nothing else is given', async () => {
    const api = aiApi();
    await api.client().ai.run({ agent_id: 'support_bot', tool: 'send_email' });
    expect(only(api).body).toStrictEqual({ agent_id: 'support_bot', tool: 'send_email' });
  });

  it('puts the trimmed run_id in args.run_id and keeps the other args', async () => {
    const api = aiApi();
    await api.client().ai.run({
      agent_id: 'support_bot',
      tool: 'send_email',
      args: { to: 'a@example.com' },
      run_id: '\trun-7\n',
    });
    expect(only(api).body).toStrictEqual({
      agent_id: 'support_bot',
      tool: 'send_email',
      args: { to: 'a@example.com', run_id: 'run-7' },
    });
  });

  it('makes args {run_id} when only run_id is given', async () => {
    const api = aiApi();
    await api.client().ai.run({ agent_id: 'support_bot', tool: 'send_email', run_id: 'r1' });
    expect((only(api).body as { args: unknown }).args).toStrictEqual({ run_id: 'r1' });
  });

  it('refuses a blank run_id without sending', async () => {
    const api = aiApi();
    const call = api.client().ai.run({ agent_id: 'a', tool: 'send_email', run_id: ' ' });
    await expectRefused(api, call, 'run_id');
  });

  it.each([
    ['a negative spend_usd', { agent_id: 'a', tool: 't', spend_usd: -1 }],
    ['a tool name with a space', { agent_id: 'a', tool: 'send email' }],
    ['a blank agent_id', { agent_id: '  ', tool: 't' }],
    ['args that are an array', { agent_id: 'a', tool: 't', args: [1] }],
    ['a tool without agent_id', { tool: 't' }],
    ['an agent_id without tool', { agent_id: 'a' }],
  ])('refuses %s without sending', async (_, params) => {
    const api = aiApi();
    await expectRefused(api, api.client().ai.run(params as never));
  });
});

describe('ai.run with both modes or neither', () => {
  it.each([
    ['key with agent_id and tool', { key: KEY, agent_id: 'a', tool: 't' }],
    ['key with tool', { key: KEY, tool: 't' }],
    ['key with agent_id', { key: KEY, agent_id: 'a' }],
  ])('refuses %s (mixed modes) without sending', async (_, params) => {
    const api = aiApi();
    await expectRefused(api, api.client().ai.run(params as never), 'params');
  });

  it.each([
    ['an empty object', {}],
    ['only ttl and metadata', { ttl: 60, metadata: {} }],
    ['null', null],
  ])('refuses %s (neither mode) without sending', async (_, params) => {
    const api = aiApi();
    await expectRefused(api, api.client().ai.run(params as never), 'params');
  });
});

describe('ai.runTool', () => {
  it('makes a tool-mode run', async () => {
    const api = aiApi();
    api.script('POST /v1/ai/run', json(TOOL_RESULT));
    const result = await api.client().ai.runTool({ agent_id: 'a', tool: 't', args: { n: 1 } });
    expect(only(api).body).toStrictEqual({ agent_id: 'a', tool: 't', args: { n: 1 } });
    expect(result).toEqual(TOOL_RESULT);
  });

  it('refuses key-mode params without sending', async () => {
    const api = aiApi();
    await expectRefused(api, api.client().ai.runTool({ key: KEY } as never), 'params');
  });

  it('refuses params mixing the modes without sending', async () => {
    const api = aiApi();
    const call = api.client().ai.runTool({ key: KEY, agent_id: 'a', tool: 't' } as never);
    await expectRefused(api, call, 'params');
  });
});

describe('ai.status and ai.result', () => {
  const AWKWARD_KEY = 'order 1&x=2#frag/é?+%';

  it.each([
    ['status', '/v1/ai/status', (client: OnceOnly, key: string) => client.ai.status(key)],
    ['result', '/v1/ai/result', (client: OnceOnly, key: string) => client.ai.result(key)],
  ])('%s GETs %s with the key as the one query parameter, encoded', async (_, path, method) => {
    const api = aiApi();
    await method(api.client(), AWKWARD_KEY);

    const request = only(api);
    expect(request.route).toBe(`GET ${path}`);
    expect([...request.query.keys()]).toEqual(['key']);
    expect(request.query.get('key')).toBe(AWKWARD_KEY);
    expect(request.url).not.toContain('#');
    expect(request.body).toBeUndefined();
  });

  it('status gives the lease status and result gives the stored result', async () => {
    const api = aiApi();
    const client = api.client();
    expect(await client.ai.status(KEY)).toEqual(leaseStatus(KEY, 'in_progress'));
    expect(await client.ai.result(KEY)).toEqual(
      aiResult(KEY, 'completed', { result: { rows: 3 } }),
    );
  });

  it.each([
    ['status', (client: OnceOnly, key: string) => client.ai.status(key)],
    ['result', (client: OnceOnly, key: string) => client.ai.result(key)],
  ])('%s refuses an empty key without sending', async (_, method) => {
    const api = aiApi();
    await expectRefused(api, method(api.client(), ''), 'key');
  });
});

describe('ai.lease', () => {
  it('POSTs {key, ttl, metadata} to /v1/ai/lease and gives the lease state', async () => {
    const api = aiApi();
    const state = await api.client().ai.lease({ key: KEY, ttl: 300, metadata: { by: 'cron' } });
    const request = only(api);
    expect(request.route).toBe('POST /v1/ai/lease');
    expect(request.body).toStrictEqual({ key: KEY, ttl: 300, metadata: { by: 'cron' } });
    expect(state).toEqual(leaseState(KEY, 'acquired'));
  });

  it('sends only the key when nothing else is given', async () => {
    const api = aiApi();
    await api.client().ai.lease({ key: KEY });
    expect(only(api).body).toStrictEqual({ key: KEY });
  });

  it.each([
    ['a ttl of 0', { key: KEY, ttl: 0 }],
    ['a ttl that is a string', { key: KEY, ttl: '60' }],
    ['metadata that is an array', { key: KEY, metadata: [] }],
    ['an unknown field', { key: KEY, lease_id: 'x' }],
    ['a missing key', {}],
  ])('refuses %s without sending', async (_, params) => {
    const api = aiApi();
    await expectRefused(api, api.client().ai.lease(params as never));
  });
});

describe('ai.extend', () => {
  it('POSTs {key, lease_id, ttl} to /v1/ai/extend', async () => {
    const api = aiApi();
    const answer = await api.client().ai.extend({ key: KEY, lease_id: 'lease_1', ttl: 120 });
    const request = only(api);
    expect(request.route).toBe('POST /v1/ai/extend');
    expect(request.body).toStrictEqual({ key: KEY, lease_id: 'lease_1', ttl: 120 });
    expect(answer.status).toBe('extended');
  });

  it('leaves ttl out when not given (the lease keeps its own)', async () => {
    const api = aiApi();
    await api.client().ai.extend({ key: KEY, lease_id: 'lease_1' });
    expect(only(api).body).toStrictEqual({ key: KEY, lease_id: 'lease_1' });
  });

  it.each([
    ['a missing lease_id', { key: KEY }, 'lease_id'],
    ['an empty lease_id', { key: KEY, lease_id: '' }, 'lease_id'],
    ['a ttl of -5', { key: KEY, lease_id: 'l', ttl: -5 }, 'ttl'],
    ['an unknown field', { key: KEY, lease_id: 'l', result: {} }, 'params.result'],
  ])('refuses %s without sending', async (_, params, field) => {
    const api = aiApi();
    await expectRefused(api, api.client().ai.extend(params as never), field);
  });
});

describe('ai.complete', () => {
  it('POSTs {key, lease_id, result, result_hash} to /v1/ai/complete', async () => {
    const api = aiApi();
    const outcome = await api.client().ai.complete({
      key: KEY,
      lease_id: 'lease_1',
      result: { rows: 3, nested: { ok: true } },
      result_hash: 'h1',
    });
    const request = only(api);
    expect(request.route).toBe('POST /v1/ai/complete');
    expect(request.body).toStrictEqual({
      key: KEY,
      lease_id: 'lease_1',
      result: { rows: 3, nested: { ok: true } },
      result_hash: 'h1',
    });
    expect(outcome).toEqual(OUTCOME);
  });

  it('sends no result field when there is no result', async () => {
    const api = aiApi();
    await api.client().ai.complete({ key: KEY, lease_id: 'lease_1' });
    expect(only(api).body).toStrictEqual({ key: KEY, lease_id: 'lease_1' });
  });

  it.each([
    ['a result that is an array', { key: KEY, lease_id: 'l', result: [1] }, 'result'],
    ['a result that is a number', { key: KEY, lease_id: 'l', result: 3 }, 'result'],
    [
      'a result_hash over 256',
      { key: KEY, lease_id: 'l', result_hash: 'h'.repeat(257) },
      'result_hash',
    ],
    ['a missing lease_id', { key: KEY }, 'lease_id'],
  ])('refuses %s without sending', async (_, params, field) => {
    const api = aiApi();
    await expectRefused(api, api.client().ai.complete(params as never), field);
  });
});

describe('ai.fail', () => {
  it('POSTs {key, lease_id, error_code, error_hash} to /v1/ai/fail', async () => {
    const api = aiApi();
    await api.client().ai.fail({
      key: KEY,
      lease_id: 'lease_1',
      error_code: 'boom',
      error_hash: 'e1',
    });
    const request = only(api);
    expect(request.route).toBe('POST /v1/ai/fail');
    expect(request.body).toStrictEqual({
      key: KEY,
      lease_id: 'lease_1',
      error_code: 'boom',
      error_hash: 'e1',
    });
  });

  it('sends only key, lease_id and error_code when no error_hash is given', async () => {
    const api = aiApi();
    await api.client().ai.fail({ key: KEY, lease_id: 'lease_1', error_code: 'boom' });
    expect(only(api).body).toStrictEqual({ key: KEY, lease_id: 'lease_1', error_code: 'boom' });
  });

  it.each([
    ['a missing error_code', { key: KEY, lease_id: 'l' }],
    ['an empty error_code', { key: KEY, lease_id: 'l', error_code: '' }],
    ['an error_code over 128 characters', { key: KEY, lease_id: 'l', error_code: 'e'.repeat(129) }],
  ])('refuses %s without sending', async (_, params) => {
    const api = aiApi();
    await expectRefused(api, api.client().ai.fail(params as never), 'error_code');
  });
});

describe('ai.cancel', () => {
  it('POSTs {key, lease_id, reason} to /v1/ai/cancel', async () => {
    const api = aiApi();
    const outcome = await api.client().ai.cancel({
      key: KEY,
      lease_id: 'lease_1',
      reason: 'by user',
    });
    const request = only(api);
    expect(request.route).toBe('POST /v1/ai/cancel');
    expect(request.body).toStrictEqual({ key: KEY, lease_id: 'lease_1', reason: 'by user' });
    expect(outcome.status).toBe('cancelled');
  });

  it('sends no reason when none is given', async () => {
    const api = aiApi();
    await api.client().ai.cancel({ key: KEY, lease_id: 'lease_1' });
    expect(only(api).body).toStrictEqual({ key: KEY, lease_id: 'lease_1' });
  });

  it('refuses a reason over 512 characters without sending', async () => {
    const api = aiApi();
    const call = api.client().ai.cancel({ key: KEY, lease_id: 'l', reason: 'r'.repeat(513) });
    await expectRefused(api, call, 'reason');
  });

  it('refuses a missing lease_id without sending', async () => {
    const api = aiApi();
    await expectRefused(api, api.client().ai.cancel({ key: KEY } as never), 'lease_id');
  });
});

describe('X-Request-Id on every ai operation', () => {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const operations: [string, (client: OnceOnly) => PromiseLike<unknown>][] = [
    ['run (key mode)', (c) => c.ai.run({ key: KEY })],
    ['run (tool mode)', (c) => c.ai.run({ agent_id: 'a', tool: 't' })],
    ['runTool', (c) => c.ai.runTool({ agent_id: 'a', tool: 't' })],
    ['status', (c) => c.ai.status(KEY)],
    ['result', (c) => c.ai.result(KEY)],
    ['lease', (c) => c.ai.lease({ key: KEY })],
    ['extend', (c) => c.ai.extend({ key: KEY, lease_id: 'l' })],
    ['complete', (c) => c.ai.complete({ key: KEY, lease_id: 'l' })],
    ['fail', (c) => c.ai.fail({ key: KEY, lease_id: 'l', error_code: 'e' })],
    ['cancel', (c) => c.ai.cancel({ key: KEY, lease_id: 'l' })],
  ];

  it.each(operations)('%s sends a UUID X-Request-Id', async (_, operation) => {
    const api = aiApi();
    await operation(api.client());
    expect(only(api).headers.get('X-Request-Id')).toMatch(UUID);
  });

  it('gives each call its own id', async () => {
    const api = aiApi();
    const client = api.client();
    for (const [, operation] of operations) await operation(client);
    const ids = api.requests.map((request) => request.headers.get('X-Request-Id'));
    expect(new Set(ids).size).toBe(operations.length);
  });
});
