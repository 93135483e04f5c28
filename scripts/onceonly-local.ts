// `npm run local`: serves the local OnceOnly server (`onceonly-sdk/testing`) over HTTP, for
// trying the API, the SDK or another client against real behaviour without the network.
//
//   npm run local -- [--port 8080] [--host 127.0.0.1] [--plan pro] [--api-key <key>]...
//                    [--duplicate-status-code 200|409] [--worker-delay-ms 0]
//                    [--cors] [--cors-origin <origin>]...
//
// It prints the base URL and the key to use, and stops on Ctrl+C (SIGINT) or SIGTERM. State is
// in memory and lost when it stops. Registered tools are called with the global `fetch`.

import { realpathSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import {
  createLocalServer,
  DEFAULT_API_KEY,
  type LocalServer,
  type LocalServerOptions,
  PLANS,
  type PlanName,
} from '../src/testing/index.js';

export interface ServeOptions extends LocalServerOptions {
  /** The TCP port; 0 lets the system pick a free one. Default 8080. */
  port?: number;
  /** The address to listen on. Default `127.0.0.1` (this machine only). */
  host?: string;
}

export interface RunningLocalServer {
  /** The base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  local: LocalServer;
  /** Stops listening, closes open connections and drops waiting runs. */
  close(): Promise<void>;
}

/** Starts the local server over HTTP and resolves once it is listening. */
export function serveLocal(options: ServeOptions = {}): Promise<RunningLocalServer> {
  const { port = 8080, host = '127.0.0.1', ...serverOptions } = options;
  const local = createLocalServer(serverOptions);

  return new Promise((resolve, reject) => {
    // The adapter passes Node bindings as a second argument; the server takes the request only.
    const server = serve({
      fetch: (request: Request) => local.fetch(request),
      port,
      hostname: host,
    });
    server.once('error', reject);
    server.once('listening', () => {
      const { port: boundPort } = server.address() as AddressInfo;
      const close = () =>
        new Promise<void>((done, fail) => {
          local.reset();
          server.close((error) => (error ? fail(error) : done()));
          if ('closeAllConnections' in server) server.closeAllConnections();
        });
      resolve({ url: `http://${urlHost(host)}:${boundPort}`, local, close });
    });
  });
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

const USAGE = `Usage: onceonly-local [options]
       (in the SDK's repository: npm run local -- [options])

  --port <n>                    TCP port, 0 for a free one (default 8080)
  --host <address>              address to listen on (default 127.0.0.1)
  --plan <plan>                 ${Object.keys(PLANS).join(', ')} (default pro)
  --api-key <key>               a key to accept; repeat for more (default ${DEFAULT_API_KEY})
  --duplicate-status-code <n>   200 or 409 for check-lock duplicates (default 200)
  --worker-delay-ms <n>         delay before a keyed run's worker starts (default 0)
  --cors                        let web pages of any origin call the server (default off)
  --cors-origin <origin>        let pages of this origin call it; repeat for more`;

/** The server options of the command line, or a message saying what is wrong with it. */
export function parseCommandLine(args: string[]): ServeOptions | string {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      plan: { type: 'string' },
      'api-key': { type: 'string', multiple: true },
      'duplicate-status-code': { type: 'string' },
      'worker-delay-ms': { type: 'string' },
      cors: { type: 'boolean' },
      'cors-origin': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return USAGE;

  const port = Number(values.port ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) return '--port must be 0 to 65535';
  const code = Number(values['duplicate-status-code'] ?? 200);
  if (code !== 200 && code !== 409) return '--duplicate-status-code must be 200 or 409';
  const workerDelayMs = Number(values['worker-delay-ms'] ?? 0);
  if (!(workerDelayMs >= 0)) return '--worker-delay-ms must be a number, 0 or more';
  const plan = values.plan ?? 'pro';
  if (!Object.hasOwn(PLANS, plan)) return `--plan must be one of ${Object.keys(PLANS).join(', ')}`;

  return {
    port,
    host: values.host ?? '127.0.0.1',
    plan: plan as PlanName,
    duplicateStatusCode: code,
    workerDelayMs,
    ...(values['api-key'] && { apiKeys: values['api-key'] }),
    ...(values.cors && { cors: true }),
    ...(values['cors-origin'] && !values.cors && { cors: values['cors-origin'] }),
  };
}

async function main(): Promise<void> {
  let options: ServeOptions | string;
  try {
    options = parseCommandLine(process.argv.slice(2));
  } catch (error) {
    options = `${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`;
  }
  if (typeof options === 'string') {
    const help = options === USAGE;
    (help ? console.log : console.error)(options);
    process.exitCode = help ? 0 : 2;
    return;
  }

  const server = await serveLocal(options);
  // A key given on the command line is the user's; only the built-in one is printed whole.
  const keys = options.apiKeys ?? [DEFAULT_API_KEY];
  const key = options.apiKeys ? `the key given with --api-key (…${keys[0]?.slice(-3)})` : keys[0];
  console.log(`OnceOnly local server (plan ${server.local.plan}) at ${server.url}`);
  console.log(`  ONCEONLY_BASE_URL=${server.url}`);
  console.log(options.apiKeys ? `  API key: ${key}` : `  ONCEONLY_API_KEY=${key}`);
  console.log('Press Ctrl+C to stop.');

  const stop = async (signal: NodeJS.Signals) => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await server.close();
    console.log(`Stopped (${signal}).`);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

// Run as a command, not imported: the script given to Node is this file, reached directly or,
// as an installed package's command, through the symlink npm made for it.
if (isEntry(process.argv[1])) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}

function isEntry(script: string | undefined): boolean {
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}
