// Local work done exactly once under a lease: the monthly report is built by one worker, however
// many start it. The others wait for its result.
//
//   npm run demo -- examples/run-fn.ts

import { OnceOnly } from 'onceonly-sdk';

const client = new OnceOnly();

const run = await client.ai.runFn(
  'report:2026-03',
  async (signal) => {
    // Long work; `signal` aborts if the lease is lost, so stop then.
    await new Promise((resolve) => setTimeout(resolve, 200));
    signal.throwIfAborted();
    return { rows: 1280, url: 'https://files.example.com/report-2026-03.csv' };
  },
  { ttl: 300, extendEveryMs: 60_000, timeoutMs: 120_000 },
);

if (run.outcome === 'not_acquired') {
  console.log(`report:2026-03 is being built elsewhere (${run.status})`);
} else if (run.outcome === 'ran') {
  console.log(`report:2026-03 built here: ${run.value.rows} rows at ${run.value.url}`);
} else {
  console.log(
    `report:2026-03 ${run.outcome}: ${run.result.status} ${JSON.stringify(run.result.result)}`,
  );
}
