// Proof that `npm test` (a plain `vitest run`) never sends the server scenarios to
// ONCEONLY_BASE_URL: a developer may have it set for the demo, and the scenarios create tools and
// policies and disable an agent. The project of that server exists only when
// `npm run test:contract` asks for it; server-run.test.ts proves that it then runs.

import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const VITEST = path.join(
  path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')),
  'vitest.mjs',
);
const LIST_LIMIT_MS = 60_000;

/** The projects `vitest` would run with `env`, from `vitest list --filesOnly`. */
async function projectsWith(env: Record<string, string>): Promise<Set<string>> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(VITEST|ONCEONLY_)/.test(name)),
  );
  const { stdout } = await promisify(execFile)(process.execPath, [VITEST, 'list', '--filesOnly'], {
    cwd: ROOT,
    env: { ...inherited, NO_COLOR: '1', ...env },
  });
  return new Set([...stdout.matchAll(/^\[([^\]]+)\]/gm)].map((match) => match[1] ?? ''));
}

const server = { ONCEONLY_BASE_URL: 'http://127.0.0.1:9', ONCEONLY_API_KEY: 'once_live_any' };

describe('the project of a server named by ONCEONLY_BASE_URL', () => {
  it(
    'is not part of `vitest run`, even with ONCEONLY_BASE_URL set',
    async () => {
      const projects = await projectsWith(server);

      expect(projects).toContain('contract-local');
      expect(projects).not.toContain('contract-remote');
    },
    LIST_LIMIT_MS,
  );

  it(
    'exists when `npm run test:contract` asks for it',
    async () => {
      const projects = await projectsWith({ ...server, ONCEONLY_CONTRACT_REMOTE: '1' });

      expect(projects).toContain('contract-remote');
    },
    LIST_LIMIT_MS,
  );
});
