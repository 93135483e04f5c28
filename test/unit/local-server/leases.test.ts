import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../../src/index.js';
import { DAY, harness, MINUTE, SECOND, T0_ISO } from './support.js';

describe('local server: leases', () => {
  it('gives the first caller the lease and the others a polling answer', async () => {
    const { client, advance } = harness();

    const acquired = await client.ai.lease({ key: 'report', ttl: 300 });
    expect(acquired).toMatchObject({
      ok: true,
      status: 'acquired',
      ttl: 300,
      ttl_left: null,
      version: 1,
      first_seen_at: T0_ISO,
      retry_after_sec: null,
      usage: 1,
      limit: 1_000_000,
      charged: 1,
    });
    expect(acquired.lease_id).toMatch(/^lease_/);

    advance(60 * SECOND);
    const other = await client.ai.lease({ key: 'report', ttl: 300 });
    expect(other).toMatchObject({
      status: 'polling',
      lease_id: null,
      ttl_left: 240,
      retry_after_sec: 5,
      version: 1,
      first_seen_at: T0_ISO,
      usage: 1,
      charged: 0,
    });

    const status = await client.ai.status('report');
    expect(status).toMatchObject({ status: 'in_progress', ttl_left: 240, lease_id: null });
  });

  it("uses the plan's default TTL when none is given", async () => {
    const { client } = harness({ plan: 'free' });
    expect((await client.ai.lease({ key: 'k' })).ttl).toBe(60);
  });

  it('extend resets the time left to ttl from now and bumps the version', async () => {
    const { client, advance } = harness();
    const { lease_id } = await client.ai.lease({ key: 'job', ttl: 300 });
    const params = { key: 'job', lease_id: lease_id as string };

    advance(200 * SECOND);
    expect((await client.ai.status('job')).ttl_left).toBe(100);
    const extended = await client.ai.extend({ ...params, ttl: 120 });
    expect(extended).toEqual({ ok: true, status: 'extended', key: 'job', ttl: 120, version: 2 });
    expect((await client.ai.status('job')).ttl_left).toBe(120);

    advance(100 * SECOND);
    const again = await client.ai.extend(params);
    expect(again).toMatchObject({ ttl: 300, version: 3 });
    expect(await client.ai.status('job')).toMatchObject({ ttl_left: 300, version: 3 });
  });

  it('lets a lease expire at its TTL; the key can then be acquired anew', async () => {
    const { client, advance } = harness();
    const first = await client.ai.lease({ key: 'job', ttl: 30 });

    advance(29 * SECOND);
    expect((await client.ai.status('job')).status).toBe('in_progress');
    advance(1 * SECOND);
    expect(await client.ai.status('job')).toMatchObject({
      status: 'expired',
      error_code: 'lease_expired',
      done_at: '2026-03-31T10:30:30Z',
      ttl_left: null,
    });
    expect(await client.ai.result('job')).toMatchObject({
      ok: false,
      status: 'expired',
      error_code: 'lease_expired',
      result: null,
    });

    const extend = client.ai.extend({ key: 'job', lease_id: first.lease_id as string });
    await expect(extend).rejects.toBeInstanceOf(ConflictError);
    await expect(extend).rejects.toMatchObject({
      status: 409,
      detail: { error: 'lease_expired', status: 'expired' },
    });

    const second = await client.ai.lease({ key: 'job', ttl: 30 });
    expect(second).toMatchObject({ status: 'acquired', version: 1, charged: 1 });
    expect(second.lease_id).not.toBe(first.lease_id);
    expect(second.first_seen_at).toBe('2026-03-31T10:30:30Z');
  });

  it('completes a lease, stores its result, and answers a repeat with the same outcome', async () => {
    const { client, advance } = harness();
    const { lease_id } = await client.ai.lease({ key: 'report', ttl: 300 });
    const params = { key: 'report', lease_id: lease_id as string, result: { rows: 1280 } };

    advance(10 * SECOND);
    const done = await client.ai.complete(params);
    expect(done).toMatchObject({
      ok: true,
      status: 'completed',
      key: 'report',
      lease_id,
      done_at: '2026-03-31T10:30:10Z',
      error_code: null,
    });
    expect(done.result_hash).toMatch(/^[0-9a-f]{64}$/);

    advance(10 * SECOND);
    expect(await client.ai.complete(params)).toEqual(done);
    expect(await client.ai.result('report')).toEqual({
      ok: true,
      status: 'completed',
      key: 'report',
      result: { rows: 1280 },
      result_hash: done.result_hash,
      error_code: null,
      done_at: '2026-03-31T10:30:10Z',
    });

    const later = await client.ai.lease({ key: 'report' });
    expect(later).toMatchObject({ status: 'completed', charged: 0, lease_id: null });
    expect((await client.usage({ kind: 'ai' })).usage).toBe(1);
  });

  it('keeps a given result_hash', async () => {
    const { client } = harness();
    const { lease_id } = await client.ai.lease({ key: 'k' });
    const params = { key: 'k', lease_id: lease_id as string, result_hash: 'abc123' };
    expect((await client.ai.complete(params)).result_hash).toBe('abc123');
  });

  it('fails a lease with its error_code; a repeat answers the same', async () => {
    const { client } = harness();
    const { lease_id } = await client.ai.lease({ key: 'k' });
    const params = { key: 'k', lease_id: lease_id as string, error_code: 'fn_error' };

    const failed = await client.ai.fail(params);
    expect(failed).toMatchObject({ status: 'failed', error_code: 'fn_error' });
    expect(await client.ai.fail(params)).toEqual(failed);
    expect(await client.ai.result('k')).toMatchObject({
      ok: false,
      status: 'failed',
      result: null,
    });
    expect((await client.ai.lease({ key: 'k' })).status).toBe('failed');
  });

  it('cancels a lease: terminal, error_code cancelled, and the key stays taken', async () => {
    const { client } = harness();
    const { lease_id } = await client.ai.lease({ key: 'k' });
    const params = { key: 'k', lease_id: lease_id as string, reason: 'user stopped it' };

    const cancelled = await client.ai.cancel(params);
    expect(cancelled).toMatchObject({ status: 'cancelled', error_code: 'cancelled' });
    expect(await client.ai.cancel(params)).toEqual(cancelled);
    expect((await client.ai.status('k')).status).toBe('cancelled');
    expect((await client.ai.lease({ key: 'k' })).status).toBe('cancelled');
  });

  it('answers 409 lease_mismatch to a lease_id that does not hold the key', async () => {
    const { client } = harness();
    await client.ai.lease({ key: 'k' });
    const wrong = { key: 'k', lease_id: 'lease_not_mine' };

    for (const call of [
      client.ai.extend(wrong),
      client.ai.complete(wrong),
      client.ai.fail({ ...wrong, error_code: 'x' }),
      client.ai.cancel(wrong),
    ]) {
      await expect(call).rejects.toMatchObject({
        status: 409,
        detail: { error: 'lease_mismatch', status: 'in_progress' },
      });
    }
  });

  it('answers 409 lease_finished to a lease finished in another way', async () => {
    const { client } = harness();
    const { lease_id } = await client.ai.lease({ key: 'k' });
    const params = { key: 'k', lease_id: lease_id as string };
    await client.ai.fail({ ...params, error_code: 'boom' });

    for (const call of [
      client.ai.complete(params),
      client.ai.cancel(params),
      client.ai.extend(params),
    ]) {
      await expect(call).rejects.toMatchObject({
        status: 409,
        detail: { error: 'lease_finished', status: 'failed' },
      });
    }
  });

  it('answers 404 lease_not_found for a key without a lease', async () => {
    const { client } = harness();
    const calls = [
      client.ai.status('nope'),
      client.ai.result('nope'),
      client.ai.extend({ key: 'nope', lease_id: 'lease_x' }),
      client.ai.complete({ key: 'nope', lease_id: 'lease_x' }),
    ];
    for (const call of calls) {
      await expect(call).rejects.toBeInstanceOf(NotFoundError);
      await expect(call).rejects.toMatchObject({ detail: { error: 'lease_not_found' } });
    }
  });

  it('answers in_progress from result while the lease is live', async () => {
    const { client } = harness();
    await client.ai.lease({ key: 'k' });
    expect(await client.ai.result('k')).toEqual({
      ok: false,
      status: 'in_progress',
      key: 'k',
      result: null,
      result_hash: null,
      error_code: null,
      done_at: null,
    });
  });

  it('replays the acquisition to a retry with the same X-Request-Id', async () => {
    const { raw, advance } = harness();
    const request = { body: { key: 'k', ttl: 300 }, headers: { 'X-Request-Id': 'lease-call-1' } };

    const first = await raw('POST', '/v1/ai/lease', request);
    advance(5 * SECOND);
    const retry = await raw('POST', '/v1/ai/lease', request);
    expect(retry.body).toEqual(first.body);
    expect(retry.body.lease_id).toMatch(/^lease_/);

    const other = await raw('POST', '/v1/ai/lease', { body: { key: 'k' } });
    expect(other.body.status).toBe('polling');
  });

  it('forgets a finished lease after 7 days', async () => {
    const { client, advance } = harness();
    const { lease_id } = await client.ai.lease({ key: 'k', ttl: 60 });
    await client.ai.complete({ key: 'k', lease_id: lease_id as string });

    advance(7 * DAY - 1);
    expect((await client.ai.status('k')).status).toBe('completed');
    advance(1);
    await expect(client.ai.status('k')).rejects.toBeInstanceOf(NotFoundError);
    expect((await client.ai.lease({ key: 'k' })).status).toBe('acquired');
  });

  it('counts acquisitions as ai usage, polling apart', async () => {
    const { client } = harness();
    await client.ai.lease({ key: 'a' });
    await client.ai.lease({ key: 'a' });
    await client.ai.lease({ key: 'b' });
    const { ai } = await client.usageAll();
    expect(ai).toMatchObject({
      usage: 2,
      charged_total_month: 2,
      polling_total_month: 1,
      requests_total_month: 3,
    });
  });

  it("refuses lease requests past the free plan's 3000 acquisitions a month with 402", async () => {
    const { client, raw } = harness({ plan: 'free' });
    for (let i = 0; i < 3_000; i++) {
      const answer = await raw('POST', '/v1/ai/lease', { body: { key: `k${i}` } });
      expect(answer.body.charged).toBe(1);
    }
    await expect(client.ai.lease({ key: 'more' })).rejects.toMatchObject({
      status: 402,
      detail: { error: 'payment_required', limit: 3_000, usage: 3_000 },
    });
    await expect(client.ai.run({ key: 'more' })).rejects.toMatchObject({ status: 402 });
    expect((await client.usage({ kind: 'ai' })).blocked_total_month).toBe(2);
  });

  it('runs runFn through the client: one worker does the work, the result is stored', async () => {
    const { client } = harness();
    const outcome = await client.ai.runFn('invoice:42', async () => ({ sent: true }), {
      ttl: 60,
    });
    expect(outcome).toMatchObject({ outcome: 'ran' });
    expect((await client.ai.result('invoice:42')).result).toEqual({ sent: true });

    const again = await client.ai.runFn('invoice:42', async () => ({ sent: 'twice' }));
    expect(again.outcome).toBe('finished');
    expect((await client.ai.result('invoice:42')).result).toEqual({ sent: true });
  });

  it('refuses invalid lease bodies with 422', async () => {
    const { raw } = harness();
    const missing = await raw('POST', '/v1/ai/fail', { body: { key: 'k', lease_id: 'l' } });
    expect(missing.status).toBe(422);
    expect(missing.body.detail[0]).toMatchObject({ type: 'missing', loc: ['body', 'error_code'] });
    const extra = await raw('POST', '/v1/ai/extend', { body: { key: 'k', lease_id: 'l', x: 1 } });
    expect(extra.body.detail[0]).toMatchObject({ type: 'extra_forbidden' });
    const noKey = await raw('GET', '/v1/ai/status');
    expect(noKey.body.detail[0]).toMatchObject({ type: 'missing', loc: ['query', 'key'] });
  });

  it('keeps leases and check-locks apart', async () => {
    const { client } = harness();
    await client.checkLock({ key: 'shared' });
    expect((await client.ai.lease({ key: 'shared' })).status).toBe('acquired');
  });

  it('answers polling with the time left, rounded up, and a hint of at most 5 s', async () => {
    const { client, advance } = harness();
    await client.ai.lease({ key: 'k', ttl: 60 });
    advance(MINUTE - 1_500);
    expect(await client.ai.lease({ key: 'k' })).toMatchObject({
      status: 'polling',
      ttl_left: 2,
      retry_after_sec: 2,
    });
  });
});
