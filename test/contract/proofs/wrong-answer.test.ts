// Proof that the contract check catches a server that breaks the spec: a small upstream answers
// check-lock with `"ttl": "sixty"` (the spec says an integer), behind the same validating Prism
// proxy that tests a self-hosted server. The SDK's call must fail with a ContractViolationError
// naming the operation and the field; the same call answered correctly must pass, so the check
// tells the two apart.

import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrism } from '../../../scripts/lib/prism.mjs';
import { ContractSession, ContractViolationError } from '../../support/contract/harness.js';

const SPEC = new URL('../../../openapi/onceonly.yaml', import.meta.url).pathname;

/** What the upstream's check-lock answers with the claimed key: set by each test. */
let ttl: unknown = 60;

const upstream = createServer((request, response) => {
  answer(request, response).catch((error: unknown) => {
    response.statusCode = 500;
    response.end(String(error));
  });
});

/** A claim of any key is `locked`, with the `ttl` of the moment. Any other path is a 404. */
async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
  let text = '';
  for await (const chunk of request) text += chunk;
  const requestId = request.headers['x-request-id'];
  if (typeof requestId === 'string') response.setHeader('X-Request-Id', requestId);
  response.setHeader('Content-Type', 'application/json');

  if (request.method !== 'POST' || request.url !== '/v1/check-lock') {
    response.statusCode = 404;
    response.end(JSON.stringify({ detail: 'Not Found' }));
    return;
  }
  const { key } = JSON.parse(text) as { key: string };
  response.end(JSON.stringify({ success: true, status: 'locked', key, ttl, first_seen_at: null }));
}

let prism: { url: string; stop(): Promise<void> } | undefined;
let session: ContractSession;

beforeAll(async () => {
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const { port } = upstream.address() as AddressInfo;
  const upstreamUrl = `http://127.0.0.1:${port}`;

  prism = await startPrism({
    spec: SPEC,
    mode: 'proxy',
    upstream: upstreamUrl,
    args: ['--errors'],
  });
  session = new ContractSession({
    kind: 'remote',
    url: prism.url,
    upstream: upstreamUrl,
    specPath: SPEC,
    apiKey: 'once_live_contract_proof',
    prefix: 'proof-',
    reportDir: null,
  });
});

afterAll(async () => {
  try {
    await prism?.stop();
  } finally {
    const closed = new Promise((resolve) => upstream.close(resolve));
    upstream.closeAllConnections();
    await closed;
  }
});

const claim = () =>
  session.check('checkLock', (o) => session.client.checkLock({ key: 'proof:1', ttl: 60 }, o));

describe('a server whose check-lock answers `ttl` as a string', () => {
  it('fails the call, naming the operation and `body.ttl`', async () => {
    ttl = 'sixty';

    const error = await claim().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ContractViolationError);
    const violation = error as ContractViolationError;
    expect(violation.operationId).toBe('checkLock');
    // One violation, though Prism reports it twice (a header and its problem body).
    expect(violation.violations).toEqual([
      { where: 'response', field: 'body.ttl', message: expect.stringContaining('integer') },
    ]);
    expect(violation.message).toMatch(/^checkLock: /);
    expect(violation.message).toContain('response body.ttl: ');
  });

  it('passes the same call answered as the spec says', async () => {
    ttl = 60;

    const { status, result } = await claim();

    expect(status).toBe(200);
    expect(result).toMatchObject({ locked: true, key: 'proof:1', ttl: 60 });
  });
});
