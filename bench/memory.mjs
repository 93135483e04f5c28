// A leak check: the heap after 10k check-locks against the loopback server, measured after a
// full garbage collection (run with --expose-gc), compared with the heap after a warm-up.
// Growth that scales with the number of calls would mean each call leaves something behind.
import { childInput, report } from './lib/child.mjs';
import { sdkClient } from './lib/sdk.mjs';

const { sdk, kind, url, calls, inFlight } = childInput();
const { client, transport } = await sdkClient(sdk, kind, {
  apiKey: 'once_test_bench',
  baseUrl: url,
});

async function batch(count) {
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started++;
      await client.checkLock({ key: `bench:${started}`, ttl: 60 });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

async function settledHeap() {
  // Two collections with a turn between them let finalizers and weak references settle.
  globalThis.gc();
  await new Promise((resolve) => setImmediate(resolve));
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

await batch(1_000);
const before = await settledHeap();
await batch(calls);
const after = await settledHeap();
report({ kind, transport, calls, heapBefore: before, heapAfter: after, growth: after - before });
