// Proof that the contract check compares what the SDK gives back with the answer it got: SDK
// methods changed to drop, rename or nest wrong a field of their result, or to swallow an error,
// must each fail the check with a `result` violation naming the operation and the field. The
// server is the local server, reached directly: its answers fit the spec, so only the SDK side
// can be at fault.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveLocal } from '../../../scripts/onceonly-local.js';
import type { RequestOptions } from '../../../src/index.js';
import { ContractSession, ContractViolationError } from '../../support/contract/harness.js';

const SPEC = new URL('../../../openapi/onceonly.yaml', import.meta.url).pathname;
const API_KEY = 'once_live_contract_proof';

let server: Awaited<ReturnType<typeof serveLocal>> | undefined;
let session: ContractSession;

beforeAll(async () => {
  server = await serveLocal({ port: 0, apiKeys: [API_KEY] });
  session = new ContractSession({
    kind: 'local',
    url: server.url,
    upstream: server.url,
    specPath: SPEC,
    apiKey: API_KEY,
    prefix: 'proof-',
    reportDir: null,
  });
});

afterAll(() => server?.close());

/** The ContractViolationError the check of `run` fails with. */
async function violationOf<T>(
  operationId: string,
  run: (options: RequestOptions) => PromiseLike<T>,
): Promise<ContractViolationError> {
  const error = await session.check(operationId, run).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ContractViolationError);
  return error as ContractViolationError;
}

describe('an SDK result that does not agree with the answer', () => {
  it('passes the unchanged method, so the check tells the two apart', async () => {
    const { result, error } = await session.check('getMe', (o) => session.client.me(o));

    expect(error).toBeUndefined();
    expect(result).toMatchObject({ plan: 'pro' });
  });

  it('a dropped field: the operation and the field', async () => {
    const violation = await violationOf('getMe', async (o) => {
      const { plan, ...rest } = await session.client.me(o);
      return rest;
    });

    expect(violation.operationId).toBe('getMe');
    expect(violation.violations).toEqual([
      { where: 'result', field: 'plan', message: 'differs from the response body', sent: 'pro' },
    ]);
    expect(violation.message).toMatch(/^getMe: /);
    expect(violation.message).toContain('result plan: differs from the response body');
  });

  it('a renamed field: the field the answer has', async () => {
    const violation = await violationOf('checkLock', async (o) => {
      const { ttl, ...rest } = await session.client.checkLock({ key: 'proof:renamed', ttl: 60 }, o);
      return { ...rest, ttl_sec: ttl };
    });

    expect(violation.operationId).toBe('checkLock');
    expect(violation.violations).toContainEqual(
      expect.objectContaining({ where: 'result', field: 'ttl', sent: 60 }),
    );
  });

  it('a nested field: its dotted path', async () => {
    const agentId = 'proof-agent';
    await session.client.gov.upsertPolicy({ agent_id: agentId, max_actions_per_hour: 10 });

    const violation = await violationOf('getPolicy', async (o) => {
      const envelope = await session.client.gov.getPolicy(agentId, o);
      return { ...envelope, policy: { ...envelope.policy, max_actions_per_hour: 100 } };
    });

    expect(violation.operationId).toBe('getPolicy');
    expect(violation.violations).toContainEqual(
      expect.objectContaining({ where: 'result', field: 'policy.max_actions_per_hour', sent: 10 }),
    );
  });

  it('an error answer the SDK swallows: the operation, and the error it should have thrown', async () => {
    const violation = await violationOf('getTool', (o) =>
      session.client.gov.getTool('proof-no-such-tool', { scope_id: 'global' }, o).catch(() => null),
    );

    expect(violation.operationId).toBe('getTool');
    expect(violation.violations).toEqual([
      expect.objectContaining({
        where: 'result',
        field: '-',
        message: 'expected an ApiError for 404, got a result',
      }),
    ]);
  });
});
