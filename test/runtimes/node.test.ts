// Node: the command-line bundle, built from the package with Node's conditions, runs in a
// Node process of its own. It sends through the package's Node transport (node:http), as an
// application on Node does.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  API_KEY,
  expectOutcome,
  parseOutcome,
  run,
  type SmokeServer,
  startServer,
} from './support.js';

describe('Node', () => {
  let server: SmokeServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.close());

  it('has a bundle with the node:http transport', () => {
    const bundle = readFileSync(inject('runtimeBundles').node, 'utf8');
    expect(bundle).toMatch(/import\(["']node:http["']\)/);
  });

  it(`runs the smoke scenario (Node ${process.versions.node})`, async () => {
    const bundle = inject('runtimeBundles').node;
    const finished = await run(process.execPath, [bundle, server.url, API_KEY, 'node'], {
      cwd: path.dirname(bundle),
      timeoutMs: 30_000,
    });
    expectOutcome(parseOutcome(finished), server, 'node');
  });
});
