import { describe, expect, it } from 'vitest';
import { DAY, harness } from './support.js';

describe('local server: account, usage and metrics', () => {
  it('counts check-locks as make and lease acquisitions as ai', async () => {
    const { client, raw } = harness({ plan: 'starter' });
    await client.checkLock({ key: 'a' });
    await client.checkLock({ key: 'a' });
    await client.ai.lease({ key: 'l' });
    await client.ai.lease({ key: 'l' });
    await client.ai.run({ key: 'r' });

    expect(await client.usage()).toEqual({
      plan: 'starter',
      month: '2026-03',
      usage: 2,
      limit: 20_000,
      requests_total_month: 2,
      blocked_total_month: 0,
    });
    expect(await client.usage({ kind: 'ai' })).toMatchObject({
      usage: 2,
      limit: 100_000,
      requests_total_month: 3,
    });

    const all = await raw('GET', '/v1/usage/all');
    expect(all.headers.get('X-OnceOnly-Plan')).toBe('starter');
    expect(all.headers.get('X-OnceOnly-Month')).toBe('2026-03');
    expect(all.body).toEqual({
      plan: 'starter',
      month: '2026-03',
      make: {
        usage: 2,
        limit: 20_000,
        requests_total_month: 2,
        blocked_total_month: 0,
        charged_total_month: 2,
        polling_total_month: 0,
      },
      ai: {
        usage: 2,
        limit: 100_000,
        requests_total_month: 3,
        blocked_total_month: 0,
        charged_total_month: 2,
        polling_total_month: 1,
      },
    });
  });

  it('starts each month from zero', async () => {
    const { client, advance } = harness();
    await client.checkLock({ key: 'a' });
    advance(DAY);
    expect(await client.usage()).toMatchObject({ month: '2026-04', usage: 0 });
  });

  it('reports daily metrics, by default over the last 30 days', async () => {
    const { client, advance } = harness();
    await client.checkLock({ key: 'a' });
    advance(DAY);
    await client.checkLock({ key: 'b' });
    await client.ai.lease({ key: 'c' });

    const metrics = await client.metrics();
    expect(metrics).toMatchObject({ from_day: '2026-03-03', to_day: '2026-04-01' });
    expect(metrics.days).toHaveLength(30);
    expect(metrics.days.slice(-2)).toEqual([
      {
        day: '2026-03-31',
        make: { requests_total: 1, usage: 1, blocked_total: 0 },
        ai: { requests_total: 0, usage: 0, blocked_total: 0 },
      },
      {
        day: '2026-04-01',
        make: { requests_total: 1, usage: 1, blocked_total: 0 },
        ai: { requests_total: 1, usage: 1, blocked_total: 0 },
      },
    ]);

    const one = await client.metrics({ from_day: '2026-03-31', to_day: '2026-03-31' });
    expect(one.days.map((day) => day.day)).toEqual(['2026-03-31']);
  });

  it('refuses a reversed, too long or impossible day range with 422', async () => {
    const { raw } = harness();
    for (const query of [
      'from_day=2026-03-31&to_day=2026-03-01',
      'from_day=2025-01-01&to_day=2026-03-01',
      'from_day=2026-02-30',
      'to_day=31.03.2026',
    ]) {
      const answer = await raw('GET', `/v1/metrics?${query}`);
      expect(answer.status, query).toBe(422);
    }
    const yearAndADay = await raw('GET', '/v1/metrics?from_day=2025-03-31&to_day=2026-03-31');
    expect(yearAndADay.status).toBe(200);
    expect(yearAndADay.body.days).toHaveLength(366);
  });

  it('tells the plan and notification settings; updates only the settings sent', async () => {
    const { client, raw } = harness({ plan: 'agency' });
    expect(await client.me()).toEqual({
      plan: 'agency',
      email_notifications_enabled: true,
      tool_error_notifications_enabled: true,
      run_failure_notifications_enabled: true,
    });

    const updated = await client.updateNotifications({ run_failure_notifications_enabled: false });
    expect(updated).toEqual({
      email_notifications_enabled: true,
      tool_error_notifications_enabled: true,
      run_failure_notifications_enabled: false,
    });
    expect((await client.me()).run_failure_notifications_enabled).toBe(false);

    const empty = await raw('POST', '/v1/me/notifications', { body: {} });
    expect(empty.status).toBe(422);
    const wrong = await raw('POST', '/v1/me/notifications', { body: { email: true } });
    expect(wrong.body.detail[0]).toMatchObject({ type: 'extra_forbidden' });
  });
});
