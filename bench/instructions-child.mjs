// One count of `bench/instructions.mjs`, run under callgrind: `calls` check-locks through one
// client, `width` at a time, then exit. Input: the server's URL, the row, calls and width.

import { rawFetch, rawHttp } from './lib/raw-clients.mjs';
import { sdkClient, sdkSource } from './lib/sdk.mjs';

const [url, row, calls, width] = process.argv.slice(2);
const API_KEY = 'once_test_bench';

async function clientCall() {
  if (row === 'http') return rawHttp(url, API_KEY);
  if (row === 'fetch') return rawFetch(url, API_KEY);
  const kind = row === 'sdk-node' ? 'node' : 'fetch';
  const { client } = await sdkClient(sdkSource(), kind, { apiKey: API_KEY, baseUrl: url });
  return () => client.checkLock({ key: 'bench:k', ttl: 60 });
}

const call = await clientCall();
let started = 0;
const worker = async () => {
  while (started < Number(calls)) {
    started++;
    await call();
  }
};
await Promise.all(Array.from({ length: Number(width) }, worker));
process.exit(0);
