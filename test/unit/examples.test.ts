// Every example, run as its header says: on its own (`npx tsx examples/<file>`) against a fresh
// local server, which follows the spec (a policy naming an unregistered tool is a 422, a call
// of one a 404). The server's tool calls reach a fake endpoint that checks the signature with
// the examples' default secret, as a deployed tool would.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { serveLocal } from '../../scripts/onceonly-local.js';
import { verifyToolSignature } from '../../src/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Starting Node with tsx on a busy two-core machine can take seconds: a limit, not a check.
const LIMIT_MS = 60_000;

/** Answers a tool call signed with the tool's default secret; 401 for any other. */
async function toolEndpoint(url: string, init: RequestInit): Promise<Response> {
  const name = new URL(url).pathname.slice(1).replace('-', '_');
  try {
    const { body } = await verifyToolSignature(new Request(url, init), `whsec_demo_${name}`);
    const { args } = JSON.parse(body) as { args: Record<string, unknown> };
    return Response.json({ tool: name, to: args.to ?? null });
  } catch {
    return Response.json({ error: 'bad signature' }, { status: 401 });
  }
}

/** Runs `examples/<file>` against a fresh local server; gives its exit code and output. */
async function runExample(file: string) {
  const server = await serveLocal({ port: 0, fetchTool: toolEndpoint });
  try {
    const env: Record<string, string | undefined> = {
      ...process.env,
      ONCEONLY_BASE_URL: server.url,
      ONCEONLY_API_KEY: 'once_live_local',
    };
    for (const name of Object.keys(env)) if (name.endsWith('_SECRET')) delete env[name];
    const child = spawn(process.execPath, ['--import', 'tsx', `examples/${file}`], {
      cwd: ROOT,
      env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    // 'close', not 'exit': only then has all of the child's output been read.
    const [code] = await once(child, 'close');
    return { code, stdout, stderr, lines: stdout.split('\n') };
  } finally {
    await server.close();
  }
}

describe.concurrent('the examples, each on its own against a fresh local server', () => {
  it(
    'quickstart.ts: claim, tools, policy, an allowed governed call, a run to its end',
    async () => {
      const { code, stdout, stderr, lines } = await runExample('quickstart.ts');
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(lines).toContain(
        'first delivery: payment:invoice:INV-123 locked for 3600 s, charging the invoice',
      );
      expect(stdout).toMatch(/redelivery: duplicate, first seen at \S+Z; skipped/);
      expect(stdout).toContain('tool send_email (global): enabled, 15000 ms timeout, 2 retries');
      expect(lines).toContain(
        'policy support_bot: allows send_email, create_ticket; blocks delete_user; ' +
          '100 actions/hour, $50/day',
      );
      expect(stdout).toContain(
        'governed call send_email: allowed (executed, reason ok), ' +
          'result {"tool":"send_email","to":"user@example.com"}',
      );
      expect(lines).toContain('run support_chat:abc123: completed');
      expect(stdout).toContain(
        'run support_chat:abc123 ended completed, error code none, result {"actions_executed":1',
      );
    },
    LIMIT_MS,
  );

  it(
    'audit.ts: the decision log and the metrics of an allowed and a blocked call',
    async () => {
      const { code, stdout, stderr } = await runExample('audit.ts');
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toMatch(/delete_user: blocked \(tool_explicitly_blocked\)/);
      expect(stdout).toMatch(/send_email: executed \(ok/);
      expect(stdout).toContain('last day: 2 actions, 1 blocked');
    },
    LIMIT_MS,
  );

  it(
    'kill-switch.ts: a call blocked while the agent is disabled',
    async () => {
      const { code, stdout, stderr, lines } = await runExample('kill-switch.ts');
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toMatch(/support_bot: enabled=false, since \S+Z/);
      expect(lines).toContain('governed call while disabled: blocked (agent_disabled)');
      expect(lines).toContain('support_bot: enabled=true');
    },
    LIMIT_MS,
  );

  it(
    'run-fn.ts: two workers, one runs the work and the other waits for its result',
    async () => {
      const { code, stderr, lines } = await runExample('run-fn.ts');
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const outcomes = lines.filter(Boolean).map((line) => line.split(': ')[1]?.split(',')[0]);
      expect(outcomes.sort()).toEqual(['ran', 'waited']);
    },
    LIMIT_MS,
  );

  it(
    'webhook-dedup.ts: the first delivery charges, the second is skipped',
    async () => {
      const { code, stderr, lines } = await runExample('webhook-dedup.ts');
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(lines[0]).toBe('event evt_1PXa: charged 49 USD for INV-123');
      expect(lines[1]).toMatch(/^event evt_1PXa: already handled at \S+Z; skipped$/);
    },
    LIMIT_MS,
  );

  it(
    'tool-backend.ts: a signed call is accepted, a tampered one refused',
    async () => {
      const { code, stderr, lines } = await runExample('tool-backend.ts');
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(lines[0]).toMatch(/^signed call: 200 /);
      expect(lines[1]).toBe('tampered call: 401 {"error":"invalid_signature"}');
    },
    LIMIT_MS,
  );
});
