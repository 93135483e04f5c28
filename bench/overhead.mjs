// One row of the check-lock overhead table, in its own process: the same check-lock request
// made `seqCalls` times one after another (latency per call), then `concCalls` times with
// `inFlight` calls open at once (throughput). Each row sends the same headers and body and
// reads and parses the same answer; only the client differs.
import diagnostics from 'node:diagnostics_channel';
import { childInput, report } from './lib/child.mjs';
import { rawFetch, rawHttp } from './lib/raw-clients.mjs';
import { sdkClient } from './lib/sdk.mjs';
import { median } from './lib/stats.mjs';

const input = childInput();
const { row, url, seqCalls, concCalls, inFlight, warmupCalls } = input;
const API_KEY = 'once_test_bench';

/** Each row: a function making one check-lock call, and the transport it goes through. */
const rows = {
  fetch: async () => ({ transport: 'global fetch (undici)', call: rawFetch(url, API_KEY) }),
  http: async () => ({ transport: 'node:http, keep-alive Agent', call: rawHttp(url, API_KEY) }),
  'sdk-fetch': async () => sdkRow('fetch'),
  'sdk-node': async () => sdkRow('node'),
};

async function sdkRow(kind) {
  const { client, transport } = await sdkClient(input.sdk, kind, {
    apiKey: API_KEY,
    baseUrl: url,
  });
  return {
    transport,
    call: async () => {
      const lock = await client.checkLock({ key: 'bench:k', ttl: 60 });
      if (!lock.locked) throw new Error('unexpected answer');
      return lock;
    },
  };
}

async function sequential(call, calls) {
  const times = new Array(calls);
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await call();
    times[i] = performance.now() - t0;
  }
  const wallMs = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  return {
    medianUs: median(times) * 1000,
    meanUs: (wallMs / calls) * 1000,
    cpuUsPerCall: (user + system) / calls,
  };
}

async function concurrent(call, calls, width) {
  let started = 0;
  const worker = async () => {
    while (started < calls) {
      started++;
      await call();
    }
  };
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: width }, worker));
  const wallMs = performance.now() - t0;
  const { user, system } = process.cpuUsage(cpu);
  return { callsPerSec: calls / (wallMs / 1000), cpuUsPerCall: (user + system) / calls };
}

/**
 * Counts the requests that each of Node's HTTP clients starts while `work` runs, from their
 * diagnostics channels: proof of which one a row really went through. Only during the warm-up,
 * since a subscriber makes every request publish.
 */
async function countClients(work) {
  const seen = { undici: 0, 'node:http': 0 };
  const onUndici = () => seen.undici++;
  const onHttp = () => seen['node:http']++;
  diagnostics.subscribe('undici:request:create', onUndici);
  diagnostics.subscribe('http.client.request.start', onHttp);
  try {
    await work();
  } finally {
    diagnostics.unsubscribe('undici:request:create', onUndici);
    diagnostics.unsubscribe('http.client.request.start', onHttp);
  }
  return seen;
}

const { transport, call } = await rows[row]();
// Warm up both paths: the JIT, and the pool of keep-alive connections that the loaded part uses.
const clientsSeen = await countClients(async () => {
  await sequential(call, warmupCalls);
  await concurrent(call, Math.max(warmupCalls, inFlight * 5), inFlight);
});

const seq = await sequential(call, seqCalls);
const conc = await concurrent(call, concCalls, inFlight);
report({ row, transport, clientsSeen, seq, conc });
