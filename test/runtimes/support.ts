// What each runtime's smoke test shares: the local server with CORS and a signature-checking
// echo tool behind it, the checks on a scenario's outcome, and runtime binaries that are
// required in CI and may be missing elsewhere.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { type RunningLocalServer, serveLocal } from '../../scripts/onceonly-local.js';
import { verifyToolSignature } from '../../src/index.js';
import type { Finished } from '../support/run.js';
import { ECHO_TOOL, type Outcome } from './scenario.js';

export { type Finished, run } from '../support/run.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const API_KEY = 'once_live_runtime_smoke';

export interface SmokeServer extends RunningLocalServer {
  /** The arguments of each call the echo tool accepted, with the agent that made it. */
  toolCalls: { agent_id: string; args: unknown }[];
}

/**
 * The local server on a free loopback port, open to pages of any origin. Its calls to the echo
 * tool are answered here, after the signature is checked; any other tool URL is refused, so
 * nothing leaves this machine.
 */
export async function startServer(): Promise<SmokeServer> {
  const toolCalls: SmokeServer['toolCalls'] = [];
  const server = await serveLocal({
    port: 0,
    apiKeys: [API_KEY],
    cors: true,
    onError: (error) => console.error('[runtimes] local server error', error),
    fetchTool: async (url, init) => {
      if (url !== ECHO_TOOL.url) return Response.json({ error: 'no such tool' }, { status: 404 });
      const { body } = await verifyToolSignature(new Request(url, init), ECHO_TOOL.secret);
      const call = JSON.parse(body) as { agent_id: string; args: Record<string, unknown> };
      toolCalls.push({ agent_id: call.agent_id, args: call.args });
      return Response.json({ echoed: call.args });
    },
  });
  return Object.assign(server, { toolCalls });
}

/** Checks what a runtime saw against what a user of the SDK relies on. */
export function expectOutcome(outcome: Outcome, server: SmokeServer, runtime: string): void {
  expect(outcome.runtime).toBe(runtime);
  expect(outcome.baseUrl).toBe(`${server.url}/v1`);

  const key = `smoke:${runtime}:lock`;
  expect(outcome.first).toEqual({
    locked: true,
    duplicate: false,
    status: 'locked',
    key,
    first_seen_at: null,
    request_id: expect.stringMatching(/^[!-~]{1,128}$/),
    ambiguousDuplicate: false,
  });
  expect(outcome.second).toEqual({
    locked: false,
    duplicate: true,
    status: 'duplicate',
    key,
    first_seen_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
    request_id: expect.stringMatching(/^[!-~]{1,128}$/),
    ambiguousDuplicate: false,
  });
  expect(outcome.second.request_id).not.toBe(outcome.first.request_id);

  expect(outcome.call).toEqual({
    allowed: true,
    decision: 'executed',
    policy_reason: 'ok',
    result: { echoed: { text: `hello from ${runtime}` } },
  });

  expect(outcome.run).toEqual({
    status: 'completed',
    error_code: null,
    result: expect.objectContaining({ actions_executed: 1 }),
  });
  expect(outcome.statuses.at(-1)).toBe('completed');

  // The tool really ran, for this runtime's agent: once for the call, once inside the run.
  const agent_id = `smoke_${runtime}`;
  expect(server.toolCalls).toEqual([
    { agent_id, args: { text: `hello from ${runtime}` } },
    { agent_id, args: { text: 'in a run' } },
  ]);
}

/**
 * The binary of a runtime, or the reason it cannot run here. In CI (`CI=true`) a missing one is
 * an error, so the suite fails rather than passing with a runtime left out.
 */
export function findBinary(name: string, file: string): { path: string } | { missing: string } {
  if (existsSync(file)) return { path: file };
  const missing = `${name} is not installed (no ${file})`;
  if (process.env.CI === 'true') throw new Error(`${missing}; CI must provide it`);
  console.warn(`[runtimes] skipping ${name}: ${missing}`);
  return { missing };
}

/** The outcome a command printed as its last JSON line, or an error that shows its output. */
export function parseOutcome(finished: Finished): Outcome {
  const line = finished.stdout
    .split(/\r?\n/)
    .reverse()
    .find((text) => text.startsWith('{'));
  if (finished.code !== 0 || line === undefined) {
    const output = `${finished.stdout}\n${finished.stderr}`.trim();
    throw new Error(`exit code ${finished.code}, no outcome printed:\n${output}`);
  }
  return JSON.parse(line) as Outcome;
}

/** Fails on any `node:` import left in a bundle meant for a browser or a worker. */
export function expectNoNodeImports(bundle: string): void {
  const nodeImports = bundle.match(/(?:from|import|require)\s*\(?\s*["']node:[\w/]+["']/g);
  expect(nodeImports ?? []).toEqual([]);
}
