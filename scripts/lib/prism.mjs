// Starts and stops Prism on the OpenAPI spec, for contract tests and demos: a mock that answers
// from the spec's examples, or a validating proxy in front of a real server.
//
//   const prism = await startPrism();            // { url, stop }
//   try { ... fetch(`${prism.url}/v1/...`) } finally { await prism.stop(); }
//
//   await withPrism(async (url) => { ... });      // the same, with the stop built in
//
//   // A proxy that checks every request and answer against the spec; with `--errors` it
//   // refuses a bad request (422) and replaces an answer that breaks the spec (500).
//   await startPrism({ mode: 'proxy', upstream: 'http://127.0.0.1:8080', args: ['--errors'] });
//
// Prism listens on 127.0.0.1 on a free port, so parallel runs never collide. It is stopped by
// `stop()`, when this process exits, and (through exit-with-parent.mjs) when this process dies.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '../..');
const HOST = '127.0.0.1';
const PRISM_CLI = createRequire(import.meta.url).resolve('@stoplight/prism-cli/dist/index.js');
const EXIT_WITH_PARENT = pathToFileURL(path.join(import.meta.dirname, 'exit-with-parent.mjs'));

const POLL_INTERVAL_MS = 100;
const STOP_GRACE_MS = 5_000;
const PORT_ATTEMPTS = 3;
const OUTPUT_LIMIT = 64 * 1024;

/**
 * @typedef {object} PrismOptions
 * @property {string} [spec] Spec to serve, relative to the repository root or absolute.
 *   Default `openapi/onceonly.yaml`.
 * @property {number} [timeoutMs] How long to wait for Prism to answer, in ms. Default 30 000.
 * @property {string[]} [args] Extra `prism mock` or `prism proxy` flags, e.g. `['--errors']`.
 * @property {'mock' | 'proxy'} [mode] `mock` answers from the spec; `proxy` forwards every
 *   request to `upstream` and validates both sides. Default `mock`.
 * @property {string} [upstream] The server a proxy forwards to: its root, without `/v1`, e.g.
 *   `http://127.0.0.1:8080`. Required with `mode: 'proxy'`.
 */

/**
 * @typedef {object} PrismServer
 * @property {string} url Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`.
 * @property {() => Promise<void>} stop Stops Prism and resolves once it has exited. Safe to call
 *   more than once.
 */

/** Prism could not bind its port: another process took it after we found it free. */
class PortTakenError extends Error {}

/**
 * Finds a port that is free now by letting the OS pick one, then releasing it. Another process
 * may take it before Prism binds it; startPrism retries in that case.
 *
 * @returns {Promise<number>}
 */
export async function findFreePort() {
  const server = createServer();
  server.listen(0, HOST);
  await once(server, 'listening');

  const address = server.address();
  server.close();
  await once(server, 'close');

  if (address === null || typeof address === 'string') throw new Error('no TCP port assigned');
  return address.port;
}

/**
 * Keeps the last OUTPUT_LIMIT characters of what a child prints, for error messages.
 *
 * @param {import('node:child_process').ChildProcess} child
 * @returns {() => string}
 */
function captureOutput(child) {
  let text = '';
  const append = (/** @type {string} */ chunk) => {
    text = (text + chunk).slice(-OUTPUT_LIMIT);
  };

  // Both streams must be read, or Prism blocks once a pipe buffer fills up.
  child.stdout?.setEncoding('utf8').on('data', append);
  child.stderr?.setEncoding('utf8').on('data', append);
  child.on('error', (error) => append(`\n${error.message}\n`));

  return () => text;
}

/**
 * Resolves once `url` answers HTTP at all: any status means Prism is listening.
 *
 * @param {string} url
 * @param {Promise<unknown>} exited settles when Prism exits
 * @param {number} timeoutMs
 * @param {() => string} output
 */
async function waitUntilReady(url, exited, timeoutMs, output) {
  let hasExited = false;
  exited.then(() => {
    hasExited = true;
  });

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited) {
      const ErrorType = /EADDRINUSE/.test(output()) ? PortTakenError : Error;
      throw new ErrorType(`Prism exited before it was ready. Its output:\n${output()}`);
    }

    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      return;
    } catch {
      await sleep(POLL_INTERVAL_MS);
    }
  }

  throw new Error(
    `Prism did not answer at ${url} within ${timeoutMs} ms. Its output:\n${output()}`,
  );
}

/**
 * Stops `child`: SIGTERM, then SIGKILL if it is still running after STOP_GRACE_MS.
 *
 * @param {import('node:child_process').ChildProcess} child
 * @param {Promise<unknown>} exited settles when the child exits
 */
async function terminate(child, exited) {
  if (child.exitCode !== null || child.signalCode !== null) return;

  child.kill('SIGTERM');

  // Cancel the grace timer once Prism is gone, so no timer outlives the stop.
  const graceOver = new AbortController();
  const grace = sleep(STOP_GRACE_MS, 'timeout', { signal: graceOver.signal }).catch(() => null);
  const first = await Promise.race([exited.then(() => 'exited'), grace]);
  graceOver.abort();

  if (first === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * Starts one Prism on `port`.
 *
 * @param {number} port
 * @param {Required<Omit<PrismOptions, 'upstream'>> & { upstream: string | undefined }} options
 * @returns {Promise<PrismServer>}
 */
async function launch(port, options) {
  const spec = path.resolve(ROOT, options.spec);
  const target = options.mode === 'proxy' ? [/** @type {string} */ (options.upstream)] : [];
  const prismArgs = [options.mode, '--host', HOST, '--port', String(port), ...options.args];
  prismArgs.push(spec, ...target);
  const nodeArgs = ['--import', EXIT_WITH_PARENT.href, PRISM_CLI];

  // stdin must stay a pipe from this process: exit-with-parent.mjs watches it.
  const child = spawn(process.execPath, [...nodeArgs, ...prismArgs], { cwd: ROOT, stdio: 'pipe' });

  const output = captureOutput(child);

  // 'close' once it has exited and its output is drained; 'error' if it could not start at all.
  const exited = new Promise((resolve) => {
    child.once('close', resolve);
    child.once('error', resolve);
  });

  // A synchronous last resort: 'exit' handlers cannot await, but they can still send a signal.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    await terminate(child, exited);
    process.off('exit', killOnExit);
  };

  const url = `http://${HOST}:${port}`;
  try {
    await waitUntilReady(url, exited, options.timeoutMs, output);
  } catch (error) {
    await stop();
    throw error;
  }

  return { url, stop };
}

/**
 * Starts Prism on the spec (a mock, or a proxy to `upstream`) and resolves once it answers.
 *
 * @param {PrismOptions} [options]
 * @returns {Promise<PrismServer>}
 */
export async function startPrism(options = {}) {
  const mode = options.mode ?? 'mock';
  if (mode !== 'mock' && mode !== 'proxy') throw new Error(`unknown Prism mode ${mode}`);
  if (mode === 'proxy' && !options.upstream) throw new Error('a Prism proxy needs `upstream`');

  const resolved = {
    spec: options.spec ?? 'openapi/onceonly.yaml',
    timeoutMs: options.timeoutMs ?? 30_000,
    args: options.args ?? [],
    mode,
    upstream: options.upstream,
  };

  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(await findFreePort(), resolved);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

/**
 * Runs `fn` with the base URL of a Prism mock, and stops Prism afterwards whatever happens.
 *
 * @template T
 * @param {(url: string) => Promise<T>} fn
 * @param {PrismOptions} [options]
 * @returns {Promise<T>}
 */
export async function withPrism(fn, options) {
  const prism = await startPrism(options);
  try {
    return await fn(prism.url);
  } finally {
    await prism.stop();
  }
}
