// Deno: the bundle runs with network access to the loopback address only. No environment
// permission is given, and the run has a terminal, so an environment read that asks for
// permission shows up as a prompt (and a run that never ends) instead of passing unseen.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
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

const deno = findBinary('Deno', path.join(ROOT, 'node_modules/.bin/deno'));
/** util-linux's `script` gives the run a pseudo-terminal, where Deno would prompt. */
const SCRIPT = '/usr/bin/script';

describe('Deno', () => {
  let server: SmokeServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.close());

  it('runs the smoke scenario with --allow-net=127.0.0.1 alone, without a prompt', async (ctx) => {
    if (!('path' in deno)) return ctx.skip(deno.missing);
    const bundle = inject('runtimeBundles').deno;
    const command = [
      deno.path,
      'run',
      '--allow-net=127.0.0.1',
      bundle,
      server.url,
      API_KEY,
      'deno',
    ];
    const options = { cwd: path.dirname(bundle), timeoutMs: 30_000 };
    const finished = existsSync(SCRIPT)
      ? await run(SCRIPT, ['-qec', command.map(shellQuote).join(' '), '/dev/null'], options)
      : await run(command[0] as string, command.slice(1), options);

    expect(finished.stdout + finished.stderr).not.toMatch(/Deno requests/);
    expectOutcome(parseOutcome(finished), server, 'deno');
  });
});

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
