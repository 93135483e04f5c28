// The check-lock overhead rows for a runtime other than Node (Deno, Bun), run by that runtime:
// raw `fetch` and the SDK, the same request one after another and 100 in flight, in one
// process, in the order the parent asks (it alternates between rounds). The SDK is the built
// package as the runtime resolves it (bundled by run.mjs with the runtime's conditions, so its
// `fetch` transport). Prints one line of JSON.
//
//   <runtime> run <bundle> '<JSON input>'
import { OnceOnly } from 'onceonly-sdk';

const runtime = globalThis;
const args = runtime.Deno?.args ?? runtime.process?.argv.slice(2) ?? [];
const { url, seqCalls, concCalls, inFlight, warmupCalls, sdkFirst } = JSON.parse(args[0] ?? '{}');
const API_KEY = 'once_test_bench';
const BODY = JSON.stringify({ key: 'bench:k', ttl: 60 });

function rawFetch() {
  const target = `${url}/v1/check-lock`;
  return async () => {
    const headers = {
      Accept: 'application/json',
      'Content-Type': 'application/json',
      Authorization: `Bearer ${API_KEY}`,
      'X-Request-Id': crypto.randomUUID(),
    };
    const response = await fetch(target, { method: 'POST', headers, body: BODY });
    const data = JSON.parse(await response.text());
    if (data.status !== 'locked') throw new Error(`unexpected answer ${response.status}`);
    return data;
  };
}

function sdk() {
  const client = new OnceOnly({ apiKey: API_KEY, baseUrl: url });
  return async () => {
    const lock = await client.checkLock({ key: 'bench:k', ttl: 60 });
    if (!lock.locked) throw new Error('unexpected answer');
    return lock;
  };
}

async function sequential(call, calls) {
  const times = new Array(calls);
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await call();
    times[i] = performance.now() - t0;
  }
  times.sort((a, b) => a - b);
  return { medianUs: times[Math.floor(calls / 2)] * 1000 };
}

async function concurrent(call, calls, width) {
  let started = 0;
  const worker = async () => {
    while (started < calls) {
      started++;
      await call();
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: width }, worker));
  return { callsPerSec: calls / ((performance.now() - t0) / 1000) };
}

const rows = [
  ['fetch', rawFetch()],
  ['sdk', sdk()],
];
if (sdkFirst) rows.reverse();
const results = {};
for (const [row, call] of rows) {
  await sequential(call, warmupCalls);
  await concurrent(call, Math.max(warmupCalls, inFlight * 5), inFlight);
  results[row] = {
    seq: await sequential(call, seqCalls),
    conc: await concurrent(call, concCalls, inFlight),
  };
}
console.log(JSON.stringify(results));
