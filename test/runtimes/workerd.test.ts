// workerd (the Workers runtime): the worker bundle is served by `workerd serve` on a port the
// system picks, and a request to it runs the scenario against the local server. The worker's
// outbound network may reach loopback addresses only.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Outcome, ScenarioInput } from './scenario.js';
import {
  API_KEY,
  expectNoNodeImports,
  expectOutcome,
  findBinary,
  ROOT,
  type SmokeServer,
  startServer,
} from './support.js';

const workerd = findBinary('workerd', path.join(ROOT, 'node_modules/.bin/workerd'));

/** No `nodejs_compat`: the worker has Web APIs only, as on a default Workers deployment. */
function config(bundleName: string): string {
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "smoke", worker = .smoke),
    (name = "loopback", network = (allow = ["local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "smoke")],
);

const smoke :Workerd.Worker = (
  modules = [(name = "worker", esModule = embed "${bundleName}")],
  compatibilityDate = "2026-11-01",
  globalOutbound = "loopback",
);
`;
}

describe('workerd', () => {
  let server: SmokeServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.close());

  it('has a bundle without Node modules', () => {
    expectNoNodeImports(readFileSync(inject('runtimeBundles').worker, 'utf8'));
  });

  it('runs the smoke scenario in a worker', async (ctx) => {
    if (!('path' in workerd)) return ctx.skip(workerd.missing);
    const bundle = inject('runtimeBundles').worker;
    const configFile = path.join(path.dirname(bundle), 'workerd.capnp');
    writeFileSync(configFile, config(path.basename(bundle)));

    // workerd writes `{"event":"listen","socket":"http","port":N}` to fd 3 once it listens.
    const child = spawn(workerd.path, ['serve', configFile, '--control-fd=3'], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    let output = '';
    for (const stream of [child.stdout, child.stderr] as Readable[]) {
      stream.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
      });
    }
    try {
      const port = await listenPort(child.stdio[3] as Readable, child);
      if (port === undefined) throw new Error(`workerd did not start:\n${output}`);

      const input: ScenarioInput = { baseUrl: server.url, apiKey: API_KEY, runtime: 'workerd' };
      const query = new URLSearchParams({ input: JSON.stringify(input) });
      const response = await fetch(`http://127.0.0.1:${port}/?${query}`);
      const body = (await response.json()) as Outcome | { error: string };

      expect(body, output).not.toHaveProperty('error');
      expect(response.status).toBe(200);
      expectOutcome(body as Outcome, server, 'workerd');
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    }
  });
});

/** The port of the `http` socket, or `undefined` when workerd exits first. */
async function listenPort(
  control: Readable,
  child: ReturnType<typeof spawn>,
): Promise<number | undefined> {
  const exited = once(child, 'exit').then(() => undefined);
  const listening = (async () => {
    for await (const line of createInterface({ input: control })) {
      const event = JSON.parse(line) as { event?: string; socket?: string; port?: number };
      if (event.event === 'listen' && event.socket === 'http') return event.port;
    }
    return undefined;
  })();
  return Promise.race([listening, exited]);
}
