// Local work done exactly once under a lease: the monthly report is built by one worker, however
// many start it. Two workers start it here at the same time: one builds it (`ran`), the other
// waits for its result (`waited`). Run it again and both find it built (`finished`).
//
//   npm run demo -- examples/run-fn.ts
//
// or against any server, e.g. the local one (`npm run local -- --port 8080`):
//
//   ONCEONLY_BASE_URL=http://127.0.0.1:8080 ONCEONLY_API_KEY=once_live_local \
//     npx tsx examples/run-fn.ts

import { OnceOnly } from 'onceonly-sdk';

const client = new OnceOnly();
const key = 'report:2026-03';

async function worker(name: string): Promise<string> {
  const run = await client.ai.runFn(
    key,
    async (signal) => {
      // Long work; `signal` aborts if the lease is lost, so stop then.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      signal.throwIfAborted();
      return { rows: 1280, url: 'https://files.example.com/report-2026-03.csv', by: name };
    },
    { ttl: 300, extendEveryMs: 60_000, timeoutMs: 120_000, pollIntervalMs: 250 },
  );

  if (run.outcome === 'not_acquired') return `${name}: ${key} is being built elsewhere`;
  if (run.outcome === 'ran') {
    return `${name}: ran, built ${key} here: ${run.value.rows} rows at ${run.value.url}`;
  }
  const stored = JSON.stringify(run.result.result);
  return `${name}: ${run.outcome}, ${key} ${run.result.status}: ${stored}`;
}

for (const line of await Promise.all([worker('worker A'), worker('worker B')])) {
  console.log(line);
}
