// Every SDK method against the Prism mock of the spec, answered with each of the spec's named
// success examples. Each call is checked by the contract harness: Prism validated the request,
// the answer passes the generated validator of its operation, and the SDK's result agrees with
// it. Every call names the example it expects (`Prefer`), so no answer depends on an earlier
// request.

import { describe, expect, inject, it } from 'vitest';
import { TERMINAL_STATUSES } from '../../../src/index.js';
import {
  type OperationCall,
  operationCalls,
  requestExample,
} from '../../support/contract/calls.js';
import { ContractSession } from '../../support/contract/harness.js';

const session = new ContractSession(inject('contract'));
const { client, spec } = session;
const callOf = operationCalls(spec);

const successExamples = spec.operations.flatMap((operation) =>
  [...operation.responses]
    .filter(([status]) => status.startsWith('2'))
    .flatMap(([status, response]) =>
      Object.entries(response.examples).map(([name, value]) => ({
        operationId: operation.operationId,
        status: Number(status),
        name,
        value,
      })),
    ),
);

/** Checks the call of `operationId` answered with the success example `name`. */
async function answeredWith(operationId: string, name: string) {
  return session.check(operationId, (o) => callOf(operationId, name)(client, o), {
    prefer: `example=${name}`,
  });
}

describe('every success example of every operation reaches the SDK intact', () => {
  it('covers every operation of the spec', () => {
    const covered = new Set(successExamples.map((example) => example.operationId));
    expect([...covered].sort()).toEqual(spec.operations.map((o) => o.operationId).sort());
  });

  it.each(successExamples)('$operationId → $status $name', async (example) => {
    const { status, body } = await answeredWith(example.operationId, example.name);

    // The mock answered the example asked for, not one selected by an earlier request.
    expect(status).toBe(example.status);
    expect(body).toStrictEqual(example.value);
  });
});

describe('check-lock outcomes', () => {
  it('`locked`: this call claimed the key', async () => {
    const { result } = await answeredWith('checkLock', 'locked');

    expect(result).toMatchObject({ locked: true, duplicate: false, first_seen_at: null });
  });

  it('`duplicate`: claimed before, with the time of the first claim', async () => {
    const { result } = await answeredWith('checkLock', 'duplicate');

    expect(result).toMatchObject({
      locked: false,
      duplicate: true,
      first_seen_at: '2026-03-31T10:30:00Z',
    });
  });

  it('409 (a server in 409 mode): the same duplicate outcome, not an error', async () => {
    const { status, result, error } = await session.check(
      'checkLock',
      (o) => client.checkLock({ key: 'order:42', ttl: 120 }, o),
      { prefer: 'code=409, example=duplicate_blocked' },
    );

    expect(status).toBe(409);
    expect(error).toBeUndefined();
    expect(result).toMatchObject({
      locked: false,
      duplicate: true,
      status: 'duplicate',
      key: 'order:42',
      ttl: 120,
      first_seen_at: '2026-03-31T10:30:00Z',
    });
  });
});

describe('leases and keyed runs', () => {
  it.each([
    ['acquireLease', 'acquired'],
    ['aiRun', 'acquired'],
  ])('%s `acquired`: the caller holds the lease and its id', async (operationId, name) => {
    const { result } = await answeredWith(operationId, name);

    expect(result).toMatchObject({ status: 'acquired', lease_id: 'lease_abc123xyz', charged: 1 });
  });

  it.each([
    ['acquireLease', 'polling'],
    ['aiRun', 'polling'],
  ])('%s `polling`: someone else holds it; no id, a poll interval', async (operationId, name) => {
    const { result } = await answeredWith(operationId, name);

    expect(result).toMatchObject({ status: 'polling', lease_id: null, charged: 0 });
    expect((result as { retry_after_sec: number }).retry_after_sec).toBeGreaterThan(0);
  });

  it('every terminal state reaches the SDK as the spec names it', async () => {
    const seen = new Set<string>();
    for (const example of successExamples) {
      const status = (example.value as { status?: unknown }).status;
      if (typeof status !== 'string' || !TERMINAL_STATUSES.has(status)) continue;

      const { result } = await answeredWith(example.operationId, example.name);
      expect((result as { status: string }).status).toBe(status);
      seen.add(status);
    }

    expect([...seen].sort()).toEqual([...TERMINAL_STATUSES].sort());
  });
});

describe('governed tool calls', () => {
  it.each([
    ['executed', true, 'ok'],
    ['blocked', false, 'tool_explicitly_blocked'],
    ['dedup', true, 'tool_idempotency'],
  ])('`%s`', async (decision, allowed, reason) => {
    const { result } = await answeredWith('aiRun', decision);

    expect(result).toMatchObject({ decision, allowed, policy_reason: reason });
  });
});

describe('helpers that make several requests', () => {
  it('ai.runAndWait: run, status until a terminal one, then the result', async () => {
    const { result, exchanges } = await session.checkFlow(
      () =>
        client.ai.runAndWait(requestExample(spec, 'aiRun', 'keyMode'), {
          pollIntervalMs: 1,
          maxPollIntervalMs: 1,
        }),
      {
        prefer: script({
          aiRun: ['acquired'],
          getLeaseStatus: ['in_progress', 'completed'],
          getLeaseResult: ['completed'],
        }),
      },
    );

    expect(exchanges.map((e) => e.exchange.url.pathname)).toEqual([
      '/v1/ai/run',
      '/v1/ai/status',
      '/v1/ai/status',
      '/v1/ai/result',
    ]);
    expect(result).toStrictEqual(exchanges.at(-1)?.body);
  });

  it('ai.runFn: lease, the work, complete with its result, then the stored result', async () => {
    const { result, exchanges } = await session.checkFlow(
      () => client.ai.runFn('support_chat:abc123', () => ({ rows: 1280 }), { ttl: 300 }),
      {
        prefer: script({
          acquireLease: ['acquired'],
          completeLease: ['completed'],
          getLeaseResult: ['completed'],
        }),
      },
    );

    expect(exchanges.map((e) => e.exchange.url.pathname)).toEqual([
      '/v1/ai/lease',
      '/v1/ai/complete',
      '/v1/ai/result',
    ]);
    expect(result).toMatchObject({ outcome: 'ran', value: { rows: 1280 } });
  });
});

/**
 * The examples a helper's requests are answered with, per operation, in order; the last one
 * answers every later request of that operation.
 */
function script(examples: Record<string, string[]>): (operationId: string) => string {
  return (operationId) => {
    const queue = examples[operationId];
    if (!queue?.length) throw new Error(`the script has no example for ${operationId}`);
    const name = queue.length > 1 ? queue.shift() : queue[0];
    return `example=${name}`;
  };
}

describe('request shapes Prism must accept', () => {
  const cases: {
    name: string;
    operationId: string;
    prefer: string;
    run: OperationCall;
    /** What the request must carry beyond being valid: its JSON body, or its path. */
    sends?: { body?: unknown; path?: string };
  }[] = [
    {
      name: 'checkLock with `meta`, sent as `metadata`',
      operationId: 'checkLock',
      prefer: 'example=locked',
      run: (c, o) => c.checkLock({ key: 'k', meta: { a: 1 } }, o),
      sends: { body: { key: 'k', metadata: { a: 1 } } },
    },
    {
      name: 'policyFromTemplate without overrides',
      operationId: 'policyFromTemplate',
      prefer: 'example=supportBot',
      run: (c, o) => c.gov.policyFromTemplate({ agent_id: 'bot', template: 'read_only' }, o),
    },
    {
      name: 'getPolicy with an id to encode (a b/c)',
      operationId: 'getPolicy',
      prefer: 'example=supportBot',
      run: (c, o) => c.gov.getPolicy('a b/c', o),
      sends: { path: '/v1/policies/a%20b%2Fc' },
    },
    {
      name: 'listTools without a scope',
      operationId: 'listTools',
      prefer: 'example=two',
      run: (c, o) => c.gov.listTools({}, o),
    },
    {
      name: 'disableAgent without a reason',
      operationId: 'disableAgent',
      prefer: 'example=disabled',
      run: (c, o) => c.gov.disableAgent('support_bot', {}, o),
    },
    {
      name: 'enableAgent without a reason',
      operationId: 'enableAgent',
      prefer: 'example=enabled',
      run: (c, o) => c.gov.enableAgent('support_bot', {}, o),
    },
    {
      name: 'metrics without days',
      operationId: 'getMetrics',
      prefer: 'example=twoDays',
      run: (c, o) => c.metrics({}, o),
    },
  ];

  it.each(cases)('$name', async ({ operationId, prefer, run, sends }) => {
    const { error, exchange } = await session.check(operationId, (o) => run(client, o), {
      prefer,
    });

    expect(error).toBeUndefined();
    if (sends?.body !== undefined) {
      expect(JSON.parse(exchange.requestBody ?? 'null')).toStrictEqual(sends.body);
    }
    if (sends?.path !== undefined) expect(exchange.url.pathname).toBe(sends.path);
  });
});
