// `npm run test:contract`: the contract kit (docs/contract-testing.md).
//
//   npm run test:contract                     the SDK against a Prism mock of the spec, and the
//                                             local server through a validating Prism proxy
//   ONCEONLY_BASE_URL=... ONCEONLY_API_KEY=... npm run test:contract
//                                             your server through the validating proxy, alone
//
// Any further arguments go to vitest, e.g. a scenario file or `-t <test name>`. The project of
// your server exists only when this script asks for it (ONCEONLY_CONTRACT_REMOTE=1), so a plain
// `vitest run` or `npm test` never sends the scenarios to ONCEONLY_BASE_URL.

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const VITEST = path.join(
  path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')),
  'vitest.mjs',
);

const remote = Boolean(process.env.ONCEONLY_BASE_URL);
if (remote && !process.env.ONCEONLY_API_KEY) {
  console.error('ONCEONLY_BASE_URL is set but ONCEONLY_API_KEY is not: set both, or neither.');
  process.exit(2);
}

const projects = remote ? ['contract-remote'] : ['contract', 'contract-local'];
const args = ['run', ...projects.flatMap((name) => ['--project', name]), ...process.argv.slice(2)];
const env = remote ? { ...process.env, ONCEONLY_CONTRACT_REMOTE: '1' } : process.env;
const child = spawn(process.execPath, [VITEST, ...args], { stdio: 'inherit', env });

child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exitCode = code ?? 1;
});
