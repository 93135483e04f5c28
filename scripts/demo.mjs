// `npm run demo`: runs examples/quickstart.ts against a local OnceOnly API.
//
// Without ONCEONLY_BASE_URL it starts a Prism mock of openapi/onceonly.yaml on a free loopback
// port and stops it afterwards. With ONCEONLY_BASE_URL (and ONCEONLY_API_KEY) it runs against
// that server instead, e.g. a self-hosted OnceOnly. Another example: `npm run demo -- <file>`.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { withPrism } from './lib/prism.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const example = path.resolve(ROOT, process.argv[2] ?? 'examples/quickstart.ts');

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

const ownServer = process.env.ONCEONLY_BASE_URL;
const code = ownServer
  ? await runExample({})
  : await withPrism(async (url) => {
      console.log(`Started a mock of the OnceOnly API (Prism) at ${url}`);
      return runExample({
        ONCEONLY_BASE_URL: url,
        ONCEONLY_API_KEY: process.env.ONCEONLY_API_KEY ?? 'once_live_demo_key',
      });
    });
process.exitCode = code;
