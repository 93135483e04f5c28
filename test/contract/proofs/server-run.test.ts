// Proof that a run of the server scenarios, as a self-hoster starts it (`npm run test:contract`
// with ONCEONLY_BASE_URL), reports what it is for. The server is the local server, changed in
// three ways that a real server could show:
//
//   - it forgets every check-lock at once (each claim is answered by a fresh server), so a second
//     claim is `locked` again: every answer fits the spec, but the scenario's check fails;
//   - GET /v1/me answers only the plan, all the spec asks of it;
//   - it registers a tool and disables an agent, but answers both calls off the spec.
//
// The run must fail; its report must show check-lock failed with the failed test and its message,
// the notification scenario passed, and the tool deleted and the agent enabled again.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalServer } from '../../../src/testing/index.js';
import type { ContractReport } from '../../support/contract/report.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const API_KEY = 'once_live_contract_proof';
const RUN_LIMIT_MS = 180_000;
/** The scenarios this proof needs, one or two per file, by test name. */
const TESTS = ['claims a key once', 'notification setting', 'registers a tool', 'kill switch'];

const local = createLocalServer({ apiKeys: [API_KEY] });
/** `METHOD /path status` of every request the server answered, in order. */
const received: string[] = [];

async function answer(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  const response = await changed(`${request.method} ${pathname}`, request);
  received.push(`${request.method} ${pathname} ${response.status}`);
  return response;
}

/** The local server's answer, changed as the file's header says. */
async function changed(route: string, request: Request): Promise<Response> {
  if (route === 'POST /v1/check-lock') {
    return createLocalServer({ apiKeys: [API_KEY] }).fetch(request);
  }
  const response = await local.fetch(request);
  if (route === 'GET /v1/me') {
    const { plan } = (await response.json()) as { plan: string };
    return answerWith(response, { plan });
  }
  if (route === 'POST /v1/tools') return answerWith(response, { registered: true });
  if (/^POST \/v1\/agents\/[^/]+\/disable$/.test(route)) {
    return answerWith(response, { disabled: 'yes' });
  }
  return response;
}

/** `body` in place of the answer, with its status and headers (`X-Request-Id` among them). */
function answerWith(response: Response, body: unknown): Response {
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  return Response.json(body, { status: response.status, headers });
}

const server = serve({ fetch: answer, port: 0, hostname: '127.0.0.1' });
let dir: string | undefined;
let run: { code: number | null; output: string };
let report: ContractReport;

beforeAll(async () => {
  if (!server.listening) await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  dir = mkdtempSync(path.join(tmpdir(), 'onceonly-server-run-'));
  const reportFile = path.join(dir, 'report.json');

  run = await testContract(['-t', TESTS.join('|')], {
    ONCEONLY_BASE_URL: `http://127.0.0.1:${port}`,
    ONCEONLY_API_KEY: API_KEY,
    ONCEONLY_CONTRACT_PREFIX: 'proof-',
    ONCEONLY_CONTRACT_REPORT: reportFile,
  });
  report = JSON.parse(readFileSync(reportFile, 'utf8')) as ContractReport;
}, RUN_LIMIT_MS);

afterAll(async () => {
  try {
    const closed = new Promise((resolve) => server.close(resolve));
    if ('closeAllConnections' in server) server.closeAllConnections();
    await closed;
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
});

/** Runs `npm run test:contract` (its script) with `env` and resolves with its exit and output. */
function testContract(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  // The run is a user's: nothing of this vitest run's own environment leaks into it.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(VITEST|ONCEONLY_)/.test(name)),
  );
  const child = spawn(process.execPath, ['scripts/test-contract.mjs', ...args], {
    cwd: ROOT,
    env: { ...inherited, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

function entry(operationId: string) {
  const found = report.operations.find((operation) => operation.operationId === operationId);
  if (!found) throw new Error(`the report has no ${operationId}`);
  return found;
}

describe('npm run test:contract against a server', () => {
  it('fails the run', () => {
    expect(run.code, run.output).toBe(1);
  });

  it('marks check-lock failed when its scenario fails, with the test and its message', () => {
    const checkLock = entry('checkLock');

    expect(checkLock.result).toBe('failed');
    expect(checkLock.violations).toEqual([]);
    expect(checkLock.failures).toEqual([
      {
        test: expect.stringContaining('a second claim within the TTL is a duplicate'),
        message: expect.stringContaining("expected 'locked' to be 'duplicate'"),
      },
    ]);
    expect(report.summary.failed).toBeGreaterThanOrEqual(1);
    expect(run.output).toMatch(/checkLock .* FAILED \(1\)\n {6}test failed: .*duplicate/);
  });

  it('passes the notification scenario on a server whose GET /v1/me says only the plan', () => {
    expect(entry('getMe').result).toBe('passed');
    expect(entry('updateNotifications')).toMatchObject({ result: 'passed', calls: 1 });
  });

  it('deletes the tool and enables the agent again after answers off the spec', async () => {
    expect(entry('createTool').violations).toContainEqual(
      expect.objectContaining({ where: 'response', field: expect.stringMatching(/^body\./) }),
    );
    expect(entry('disableAgent').result).toBe('failed');

    // The agent was disabled (200 from the server), then enabled again by the cleanup.
    const disabled = received.findIndex((line) => /\/disable 200$/.test(line));
    expect(disabled, received.join('\n')).toBeGreaterThanOrEqual(0);
    expect(received.slice(disabled)).toContainEqual(expect.stringMatching(/\/enable 200$/));

    const listed = await local.fetch('http://local/v1/tools?scope_id=global', {
      headers: { Authorization: `Bearer ${API_KEY}` },
    });
    expect(await listed.json()).toEqual([]);
  });
});
