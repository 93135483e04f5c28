// `npm run demo`: runs examples/quickstart.ts against a local OnceOnly API.
//
// By default it serves the stateful local server (`onceonly-sdk/testing`, see
// scripts/onceonly-local.ts) on a free loopback port, in this process, and stops it afterwards.
// The server starts empty, as a real one does: each example registers what it uses. The demo
// only provides what a real deployment has besides the server: tool endpoints. Calls to
// tools.example.com are answered in-process by a small fake that checks OnceOnly's signature
// with the tool's secret (shared with the example through the environment), so governed calls
// really run. Keyed runs take 1.5 s, so their progress shows.
//
//   npm run demo                      the quickstart, on the local server
//   npm run demo -- <file>            another example
//   npm run demo -- --prism [<file>]  on a Prism mock of the spec instead (stateless: the
//                                     spec's example answers)
//
// With ONCEONLY_BASE_URL (and ONCEONLY_API_KEY) set it runs against that server instead, e.g. a
// self-hosted OnceOnly.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { withPrism } from './lib/prism.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const usePrism = args.includes('--prism');
const example = path.resolve(
  ROOT,
  args.find((arg) => !arg.startsWith('--')) ?? 'examples/quickstart.ts',
);

if (!existsSync(example)) {
  console.error(
    `No example at ${path.relative(ROOT, example)}: give a path such as examples/audit.ts`,
  );
  process.exit(2);
}

const WORKER_DELAY_MS = 1_500;

/** The secret of a tool, as the examples read it: `<NAME>_SECRET`, else a demo default. */
const secretOf = (/** @type {string} */ name) =>
  process.env[`${name.toUpperCase()}_SECRET`] ?? `whsec_demo_${name}`;

/** The fake tool endpoints: each checks the signature with its secret and answers JSON. */
const TOOLS = [
  {
    name: 'send_email',
    path: '/send-email',
    secret: secretOf('send_email'),
    /** @param {Record<string, unknown>} args @param {number} n */
    answer: (args, n) => ({ message_id: `msg_${String(n).padStart(4, '0')}`, to: args.to }),
  },
  {
    name: 'create_ticket',
    path: '/create-ticket',
    secret: secretOf('create_ticket'),
    /** @param {Record<string, unknown>} _args @param {number} n */
    answer: (_args, n) => ({ ticket_id: `T-${1000 + n}` }),
  },
  {
    name: 'delete_user',
    path: '/delete-user',
    secret: secretOf('delete_user'),
    /** @param {Record<string, unknown>} args */
    answer: (args) => ({ deleted: args.user_id ?? null }),
  },
];

/** The tools' secrets, as the examples read them from the environment. */
const TOOL_SECRETS = Object.fromEntries(
  TOOLS.map((tool) => [`${tool.name.toUpperCase()}_SECRET`, tool.secret]),
);

/**
 * Runs the example with tsx and resolves to its exit code.
 *
 * @param {Record<string, string>} env
 */
async function runExample(env) {
  const child = spawn(process.execPath, ['--import', 'tsx', example], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: 'inherit',
  });
  const [code] = await once(child, 'exit');
  return typeof code === 'number' ? code : 1;
}

/**
 * A `fetch` for the local server's tool calls: tools.example.com is answered here, after its
 * signature is verified; any other host is refused, so the demo never leaves this machine.
 *
 * @param {(request: Request, secret: string) => Promise<{ body: string }>} verify
 * @returns {(input: string, init: RequestInit) => Promise<Response>}
 */
function fakeTools(verify) {
  let calls = 0;
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const tool = TOOLS.find((t) => url.hostname === 'tools.example.com' && url.pathname === t.path);
    if (!tool) return Response.json({ error: 'unknown tool endpoint' }, { status: 404 });
    try {
      const { body } = await verify(request, tool.secret);
      calls += 1;
      return Response.json(tool.answer(JSON.parse(body).args ?? {}, calls));
    } catch (error) {
      return Response.json({ error: /** @type {Error} */ (error).message }, { status: 401 });
    }
  };
}

/**
 * Serves the local server on a free loopback port, with the fake tool endpoints, runs `fn` with
 * its base URL and key, and stops it whatever happens.
 *
 * @template T
 * @param {(url: string, apiKey: string) => Promise<T>} fn
 */
async function withLocalServer(fn) {
  const { serveLocal } = await tsImport('./onceonly-local.ts', import.meta.url);
  const { verifyToolSignature } = await tsImport('../src/index.ts', import.meta.url);
  const { DEFAULT_API_KEY } = await tsImport('../src/testing/index.ts', import.meta.url);

  const server = await serveLocal({
    port: 0,
    fetchTool: fakeTools(verifyToolSignature),
    workerDelayMs: WORKER_DELAY_MS,
  });
  try {
    console.log(`Started a local OnceOnly server at ${server.url} (npm run local serves one too)`);
    return await fn(server.url, DEFAULT_API_KEY);
  } finally {
    await server.close();
  }
}

let code;
if (process.env.ONCEONLY_BASE_URL) {
  code = await runExample({});
} else if (usePrism) {
  code = await withPrism(async (url) => {
    console.log(`Started a mock of the OnceOnly API (Prism) at ${url}`);
    return runExample({
      ONCEONLY_BASE_URL: url,
      ONCEONLY_API_KEY: process.env.ONCEONLY_API_KEY ?? 'once_live_demo_key',
    });
  });
} else {
  code = await withLocalServer((url, apiKey) =>
    runExample({ ONCEONLY_BASE_URL: url, ONCEONLY_API_KEY: apiKey, ...TOOL_SECRETS }),
  );
}
process.exitCode = code;
