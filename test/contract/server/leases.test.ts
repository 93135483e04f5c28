// Leases and keyed runs on a server that keeps state: acquire, poll, extend, finish in each of
// the three ways, read status and result, and run the SDK's helpers that drive them.

import { afterAll, describe, expect, it } from 'vitest';
import type { LeaseState } from '../../../src/index.js';
import { failedWith, serverKit, succeeded } from '../../support/contract/server-kit.js';

const kit = serverKit('lease');
const { session } = kit;
const { client } = session;

afterAll(() => kit.cleanUp());

/** Acquires a fresh key's lease, checked, and gives its state (with the `lease_id`). */
async function acquire(what: string): Promise<LeaseState & { lease_id: string }> {
  const key = kit.name(what);
  const lease = succeeded(
    await session.check('acquireLease', (o) => client.ai.lease({ key, ttl: 60 }, o)),
  );
  expect(lease).toMatchObject({ status: 'acquired', key, version: 1 });
  expect(typeof lease.lease_id).toBe('string');
  return lease as LeaseState & { lease_id: string };
}

describe('leases', () => {
  it('acquire → polling for others → status → extend → complete → result', async () => {
    const { key, lease_id } = await acquire('complete');

    const other = succeeded(
      await session.check('acquireLease', (o) => client.ai.lease({ key, ttl: 60 }, o)),
    );
    expect(other).toMatchObject({ status: 'polling', key, lease_id: null });

    const running = succeeded(
      await session.check('getLeaseStatus', (o) => client.ai.status(key, o)),
    );
    expect(running.status).toBe('in_progress');
    const early = succeeded(await session.check('getLeaseResult', (o) => client.ai.result(key, o)));
    expect(early).toMatchObject({ ok: false, status: 'in_progress', result: null });

    const extended = succeeded(
      await session.check('extendLease', (o) => client.ai.extend({ key, lease_id, ttl: 60 }, o)),
    );
    expect(extended).toMatchObject({ ok: true, status: 'extended', key, version: 2 });

    const result = { rows: 1280, source: 'contract test' };
    const done = succeeded(
      await session.check('completeLease', (o) => client.ai.complete({ key, lease_id, result }, o)),
    );
    expect(done).toMatchObject({ ok: true, status: 'completed', key });

    // Repeating a finish that succeeded answers the same outcome: it is safe to retry.
    const again = succeeded(
      await session.check('completeLease', (o) => client.ai.complete({ key, lease_id, result }, o)),
    );
    expect(again).toMatchObject({ ok: true, status: 'completed', key });

    const final = succeeded(await session.check('getLeaseStatus', (o) => client.ai.status(key, o)));
    expect(final.status).toBe('completed');
    const stored = succeeded(
      await session.check('getLeaseResult', (o) => client.ai.result(key, o)),
    );
    expect(stored).toMatchObject({ ok: true, status: 'completed', key, result });

    const late = await session.check('extendLease', (o) => client.ai.extend({ key, lease_id }, o));
    failedWith(late, 409, 'lease_finished');
  });

  it('acquire → fail: the key ends `failed` with the error code', async () => {
    const { key, lease_id } = await acquire('fail');

    const failed = succeeded(
      await session.check('failLease', (o) =>
        client.ai.fail({ key, lease_id, error_code: 'contract_failure' }, o),
      ),
    );
    expect(failed).toMatchObject({ status: 'failed', key, error_code: 'contract_failure' });

    const stored = succeeded(
      await session.check('getLeaseResult', (o) => client.ai.result(key, o)),
    );
    expect(stored).toMatchObject({ ok: false, status: 'failed', error_code: 'contract_failure' });
  });

  it('acquire → cancel: the key ends `cancelled`', async () => {
    const { key, lease_id } = await acquire('cancel');

    const cancelled = succeeded(
      await session.check('cancelLease', (o) =>
        client.ai.cancel({ key, lease_id, reason: 'contract test' }, o),
      ),
    );
    expect(cancelled).toMatchObject({ status: 'cancelled', key });

    const status = succeeded(
      await session.check('getLeaseStatus', (o) => client.ai.status(key, o)),
    );
    expect(status.status).toBe('cancelled');
  });

  it('a lease id that does not hold the key is a 409; a key without a lease a 404', async () => {
    const { key, lease_id } = await acquire('mismatch');

    const wrong = await session.check('completeLease', (o) =>
      client.ai.complete({ key, lease_id: `${lease_id}-not-mine` }, o),
    );
    failedWith(wrong, 409, 'lease_mismatch');

    const unknown = await session.check('getLeaseStatus', (o) =>
      client.ai.status(kit.name('never-leased'), o),
    );
    failedWith(unknown, 404, 'lease_not_found');

    succeeded(await session.check('cancelLease', (o) => client.ai.cancel({ key, lease_id }, o)));
  });
});

describe('keyed runs and the helpers', () => {
  it('ai.runAndWait: the server runs the work to a terminal state and its timeline', async () => {
    const key = kit.name('run');
    const runId = kit.name('run-timeline');

    const { result, exchanges } = await session.checkFlow(() =>
      client.ai.runAndWait(
        { key, ttl: 60, run_id: runId, metadata: { actions: [] } },
        { timeoutMs: 30_000, pollIntervalMs: 50, maxPollIntervalMs: 500 },
      ),
    );

    expect(exchanges[0]?.exchange.url.pathname).toBe('/v1/ai/run');
    expect(exchanges.at(-1)?.exchange.url.pathname).toBe('/v1/ai/result');
    expect(result).toMatchObject({ ok: true, status: 'completed', key });

    // The server writes `run_started` and `run_finished` to the run's timeline itself.
    const timeline = succeeded(await session.check('getRun', (o) => client.getRun(runId, {}, o)));
    expect(timeline.events.map((event) => event.type)).toEqual(
      expect.arrayContaining(['run_started', 'run_finished']),
    );
  });

  it('ai.runFn: runs once; a second runFn on the key finds it finished', async () => {
    const key = kit.name('run-fn');
    let runs = 0;
    const work = () => {
      runs += 1;
      return { runs };
    };

    const first = await session.checkFlow(() => client.ai.runFn(key, work, { ttl: 60 }));
    expect(first.result).toMatchObject({ outcome: 'ran', value: { runs: 1 } });

    const second = await session.checkFlow(() => client.ai.runFn(key, work, { ttl: 60 }));
    expect(second.result).toMatchObject({ outcome: 'finished', result: { result: { runs: 1 } } });
    expect(runs).toBe(1);
  });
});
