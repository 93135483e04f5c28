import { describe, expect, it } from 'vitest';
import { OverLimitError } from '../../../src/index.js';
import { API_KEY, BASE_URL, HOUR, harness, SECOND, T0_ISO } from './support.js';

describe('local server: check-lock', () => {
  it('locks the first claim and answers the second within the TTL as a duplicate', async () => {
    const { client, advance } = harness();

    const first = await client.checkLock({ key: 'payment:INV-1', ttl: 3600 });
    expect(first).toMatchObject({ locked: true, duplicate: false, ttl: 3600, first_seen_at: null });

    advance(5 * SECOND);
    const second = await client.checkLock({ key: 'payment:INV-1', ttl: 3600 });
    expect(second).toMatchObject({ locked: false, duplicate: true, first_seen_at: T0_ISO });
    expect(second.ambiguousDuplicate).toBe(false);

    const other = await client.checkLock({ key: 'payment:INV-2' });
    expect(other.locked).toBe(true);
  });

  it('applies the free plan: 60 s by default, at most 1 h, at least 10 s', async () => {
    const { client } = harness({ plan: 'free' });
    expect((await client.checkLock({ key: 'a' })).ttl).toBe(60);
    expect((await client.checkLock({ key: 'b', ttl: 86_400 })).ttl).toBe(3_600);
    expect((await client.checkLock({ key: 'c', ttl: 3 })).ttl).toBe(10);
    expect((await client.checkLock({ key: 'd', ttl: 1_234 })).ttl).toBe(1_234);
  });

  it.each([
    ['starter', 3_600, 86_400],
    ['pro', 21_600, 604_800],
    ['agency', 86_400, 2_592_000],
  ] as const)('applies the %s plan: default %i s, maximum %i s', async (plan, byDefault, max) => {
    const { client } = harness({ plan });
    expect((await client.checkLock({ key: 'a' })).ttl).toBe(byDefault);
    expect((await client.checkLock({ key: 'b', ttl: max + 1 })).ttl).toBe(max);
  });

  it('frees the key when its TTL runs out', async () => {
    const { client, advance } = harness({ plan: 'free' });
    await client.checkLock({ key: 'job:1' });

    advance(59 * SECOND);
    expect((await client.checkLock({ key: 'job:1' })).duplicate).toBe(true);

    advance(1 * SECOND);
    const again = await client.checkLock({ key: 'job:1' });
    expect(again).toMatchObject({ locked: true, first_seen_at: null, ttl: 60 });
  });

  it('answers a duplicate with 409 when duplicateStatusCode is 409; the client sees a duplicate', async () => {
    const { client, raw, advance } = harness({ duplicateStatusCode: 409 });
    await client.checkLock({ key: 'k' });
    advance(2 * SECOND);

    const answer = await raw('POST', '/v1/check-lock', { body: { key: 'k' } });
    expect(answer.status).toBe(409);
    expect(answer.headers.get('X-OnceOnly-Status')).toBe('duplicate');
    expect(answer.body).toEqual({
      detail: { error: 'Duplicate blocked', first_seen_at: T0_ISO },
    });

    const viaClient = await client.checkLock({ key: 'k' });
    expect(viaClient).toMatchObject({ duplicate: true, first_seen_at: T0_ISO });
  });

  it('replays the original locked outcome to a retry with the same X-Request-Id', async () => {
    const { raw, advance } = harness();
    const claim = { body: { key: 'order:7' }, headers: { 'X-Request-Id': 'call-1' } };

    const first = await raw('POST', '/v1/check-lock', claim);
    advance(30 * SECOND);
    const retry = await raw('POST', '/v1/check-lock', claim);
    expect(retry.body).toEqual(first.body);
    expect(retry.body.status).toBe('locked');
    expect(retry.headers.get('X-OnceOnly-Status')).toBe('locked');
    expect(retry.headers.get('X-Request-Id')).toBe('call-1');

    const otherCall = await raw('POST', '/v1/check-lock', {
      body: { key: 'order:7' },
      headers: { 'X-Request-Id': 'call-2' },
    });
    expect(otherCall.body.status).toBe('duplicate');
  });

  it('does not replay once the TTL is over: the retry is a new claim', async () => {
    const { raw, advance } = harness({ plan: 'free' });
    const claim = { body: { key: 'x', ttl: 10 }, headers: { 'X-Request-Id': 'call-1' } };
    await raw('POST', '/v1/check-lock', claim);

    advance(11 * SECOND);
    const later = await raw('POST', '/v1/check-lock', {
      body: { key: 'x' },
      headers: { 'X-Request-Id': 'call-9' },
    });
    expect(later.body).toMatchObject({ status: 'locked', ttl: 60 });
  });

  it('refuses invalid bodies with FastAPI validation issues', async () => {
    const { raw } = harness();
    const cases: [unknown, string, (string | number)[]][] = [
      [{}, 'missing', ['body', 'key']],
      [{ key: '' }, 'string_too_short', ['body', 'key']],
      [{ key: 'k'.repeat(257) }, 'string_too_long', ['body', 'key']],
      [{ key: 'k', ttl: 1.5 }, 'int_from_float', ['body', 'ttl']],
      [{ key: 'k', ttl: 0 }, 'greater_than_equal', ['body', 'ttl']],
      [{ key: 'k', metadata: { blob: 'x'.repeat(2_100) } }, 'value_error', ['body', 'metadata']],
      [{ key: 'k', meta: {} }, 'extra_forbidden', ['body', 'meta']],
    ];
    for (const [body, type, loc] of cases) {
      const answer = await raw('POST', '/v1/check-lock', { body });
      expect(answer.status, JSON.stringify(body).slice(0, 40)).toBe(422);
      expect(answer.body.detail[0]).toMatchObject({ type, loc });
    }

    const notJson = await raw('POST', '/v1/check-lock', { body: '{"key":' });
    expect(notJson.body.detail[0]).toMatchObject({ type: 'json_invalid' });
  });

  it('accepts metadata of exactly 2048 bytes', async () => {
    const { raw } = harness();
    const metadata = { m: 'x'.repeat(2048 - '{"m":""}'.length) };
    const answer = await raw('POST', '/v1/check-lock', { body: { key: 'k', metadata } });
    expect(answer.status).toBe(200);
  });

  it("refuses check-locks past the free plan's 1000 a month with 402, and counts them", async () => {
    const { client, raw, advance } = harness({ plan: 'free' });
    for (let i = 0; i < 1_000; i++) {
      const answer = await raw('POST', '/v1/check-lock', { body: { key: `k${i}` } });
      expect(answer.status).toBe(200);
    }

    const refused = client.checkLock({ key: 'one-too-many' });
    await expect(refused).rejects.toBeInstanceOf(OverLimitError);
    await expect(refused).rejects.toMatchObject({
      status: 402,
      detail: { error: 'payment_required', plan: 'free', limit: 1_000, usage: 1_000 },
    });
    const usage = await client.usage({ kind: 'make' });
    expect(usage).toMatchObject({
      usage: 1_000,
      requests_total_month: 1_001,
      blocked_total_month: 1,
    });

    // A new month starts from zero.
    advance(24 * HOUR);
    expect((await client.checkLock({ key: 'april' })).locked).toBe(true);
  });

  it("serves and counts check-locks past the starter plan's 20000 a month", async () => {
    const { client, local } = harness({ plan: 'starter' });
    // Straight to the handler: 20000 answers checked against the spec would only be slow.
    for (let i = 0; i < 20_000; i++) {
      const answer = await local.fetch(
        new Request(`${BASE_URL}/v1/check-lock`, {
          method: 'POST',
          headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ key: `k${i}` }),
        }),
      );
      expect(answer.status).toBe(200);
    }

    expect((await client.checkLock({ key: 'past-the-limit' })).locked).toBe(true);
    const usage = await client.usage({ kind: 'make' });
    expect(usage).toMatchObject({ limit: 20_000, usage: 20_001, blocked_total_month: 0 });
  });
});
