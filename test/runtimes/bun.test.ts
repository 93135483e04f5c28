// Bun: the same command-line bundle as Deno's, run by `bun run`.

import path from 'node:path';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import {
  API_KEY,
  expectOutcome,
  findBinary,
  parseOutcome,
  ROOT,
  run,
  type SmokeServer,
  startServer,
} from './support.js';

const bun = findBinary('Bun', path.join(ROOT, 'node_modules/.bin/bun'));

describe('Bun', () => {
  let server: SmokeServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.close());

  it('runs the smoke scenario', async (ctx) => {
    if (!('path' in bun)) return ctx.skip(bun.missing);
    const bundle = inject('runtimeBundles').bun;
    const finished = await run(bun.path, ['run', bundle, server.url, API_KEY, 'bun'], {
      cwd: path.dirname(bundle),
      timeoutMs: 30_000,
    });
    expectOutcome(parseOutcome(finished), server, 'bun');
  });
});
