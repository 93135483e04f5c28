// How `runAndWait` polls, with its default options, for jobs of known length. A scripted fetch
// plays the API: `/ai/run` starts the job, `/ai/status` says `in_progress` until the job's end
// and `completed` from then on, `/ai/result` gives the result. Counts the status calls and how
// long after the job's end `runAndWait` returned. `clock: 'real'` waits in real time;
// `clock: 'fake'` runs the same code on a virtual clock (bench/lib/fake-clock.mjs).
import { childInput, report } from './lib/child.mjs';
import { installFakeClock } from './lib/fake-clock.mjs';
import { sdkClient } from './lib/sdk.mjs';

const { sdk, clock: clockKind, scenarios } = childInput();
const fake = clockKind === 'fake' ? installFakeClock() : null;
const now = fake ? fake.now : () => performance.now();

function json(body) {
  return new Response(JSON.stringify(body), {
    status: 200,
    headers: { 'Content-Type': 'application/json' },
  });
}

/** A fetch that answers one keyed run lasting `jobMs`, and records what was asked when. */
function scriptedApi(key, jobMs, hintSec) {
  const log = { startedAt: null, statusCalls: [], calls: 0 };
  const done = () => log.startedAt !== null && now() >= log.startedAt + jobMs;
  const fetch = async (input, init) => {
    const url = new URL(input);
    log.calls++;
    if (init.method === 'POST' && url.pathname === '/v1/ai/run') {
      log.startedAt = now();
      return json({
        ok: true,
        status: 'acquired',
        key,
        ttl: 300,
        ttl_left: null,
        lease_id: 'lease_bench',
        version: 1,
        first_seen_at: new Date().toISOString(),
        done_at: null,
        result_hash: null,
        error_code: null,
        retry_after_sec: null,
        usage: 1,
        limit: 1000,
        charged: 1,
      });
    }
    if (url.pathname === '/v1/ai/status') {
      log.statusCalls.push(Math.round(now() - log.startedAt));
      const finished = done();
      return json({
        ok: true,
        status: finished ? 'completed' : 'in_progress',
        key,
        ttl_left: finished ? null : 300,
        lease_id: null,
        version: 1,
        first_seen_at: null,
        done_at: finished ? new Date().toISOString() : null,
        result_hash: null,
        error_code: null,
        retry_after_sec: finished ? null : hintSec,
      });
    }
    if (url.pathname === '/v1/ai/result') {
      const finished = done();
      return json({
        ok: finished,
        status: finished ? 'completed' : 'in_progress',
        key,
        result: finished ? { answer: 42 } : null,
        result_hash: null,
        error_code: null,
        done_at: null,
      });
    }
    return new Response('{"detail":"not scripted"}', { status: 404 });
  };
  return { fetch, log };
}

/** Makes the client first: loading the SDK reads files, which the fake clock cannot drive. */
async function prepare({ jobMs, hintSec }) {
  const key = `bench:run:${jobMs}:${hintSec}`;
  const api = scriptedApi(key, jobMs, hintSec);
  const { client } = await sdkClient(sdk, 'fetch', {
    apiKey: 'once_test_bench',
    baseUrl: 'http://api.bench.invalid',
    fetch: api.fetch,
  });
  return { key, jobMs, hintSec, api, client };
}

async function scenario({ key, jobMs, hintSec, api, client }) {
  const result = await client.ai.runAndWait({ key });
  const returnedAt = now() - api.log.startedAt;
  if (result.status !== 'completed') throw new Error(`run ended ${result.status}`);
  return {
    jobMs,
    hintSec,
    statusPolls: api.log.statusCalls.length,
    requests: api.log.calls,
    returnedAtMs: Math.round(returnedAt),
    lateMs: Math.round(returnedAt - jobMs),
    pollsAtMs: api.log.statusCalls,
  };
}

const prepared = await Promise.all(scenarios.map(prepare));
const work = Promise.all(prepared.map(scenario));
const results = fake ? await fake.run(work) : await work;
report({ clock: clockKind, results });
