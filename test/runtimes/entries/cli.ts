// Node, Deno and Bun: `<runtime> run cli.mjs <baseUrl> <apiKey> <runtime>` prints the outcome as one
// line of JSON. The input comes as arguments, so no environment permission is needed; a failure
// rejects the top-level await, which exits non-zero with the error on stderr.

import * as sdk from 'onceonly-sdk';
import { runScenario } from '../scenario.js';

const runtime = globalThis as { Deno?: { args: string[] }; process?: { argv: string[] } };
const [baseUrl = '', apiKey = '', name = ''] =
  runtime.Deno?.args ?? runtime.process?.argv.slice(2) ?? [];

const outcome = await runScenario(sdk, { baseUrl, apiKey, runtime: name });
console.log(JSON.stringify(outcome));
