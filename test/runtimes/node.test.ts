// Node: the scenario runs in the test's own process, against the SDK's source.

import { afterAll, beforeAll, describe, it } from 'vitest';
import * as sdk from '../../src/index.js';
import { runScenario } from './scenario.js';
import { API_KEY, expectOutcome, type SmokeServer, startServer } from './support.js';

describe('Node', () => {
  let server: SmokeServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.close());

  it(`runs the smoke scenario (Node ${process.versions.node})`, async () => {
    const outcome = await runScenario(sdk, {
      baseUrl: server.url,
      apiKey: API_KEY,
      runtime: 'node',
    });
    expectOutcome(outcome, server, 'node');
  });
});
