// The account and run timelines on a server that keeps state: events appended to a run are read
// back in order, and the account's usage, metrics and settings answer as the spec says. The
// notification setting is written back with the value GET /v1/me reports, or turned on where
// GET /v1/me does not report it.

import { afterAll, describe, expect, it } from 'vitest';
import { failedWith, serverKit, succeeded } from '../../support/contract/server-kit.js';

const kit = serverKit('acct');
const { session } = kit;
const { client } = session;

afterAll(() => kit.cleanUp());

describe('run timelines', () => {
  it('events appended to a run are its timeline, in order, and the run is listed', async () => {
    const runId = kit.name('run');
    const first = succeeded(
      await session.check('postEvent', (o) =>
        client.postEvent({ run_id: runId, type: 'note', message: 'first', data: { n: 1 } }, o),
      ),
    );
    const second = succeeded(
      await session.check('postEvent', (o) =>
        client.postEvent({ run_id: runId, type: 'tool_call', tool: 'crm.lookup', status: 'ok' }, o),
      ),
    );
    expect(first).toMatchObject({ ok: true, run_id: runId });
    expect(second.event_id).not.toBe(first.event_id);

    const timeline = succeeded(
      await session.check('getRun', (o) => client.getRun(runId, { limit: 10, offset: 0 }, o)),
    );
    expect(timeline).toMatchObject({ run_id: runId, total: 2 });
    expect(timeline.events.map((event) => event.type)).toEqual(['note', 'tool_call']);

    const runs = succeeded(
      await session.check('listRuns', (o) => client.listRuns({ q: runId, limit: 10 }, o)),
    );
    expect(runs.items.map((item) => item.run_id)).toContain(runId);

    const events = succeeded(
      await session.check('listEvents', (o) => client.events({ limit: 50, offset: 0 }, o)),
    );
    expect(Array.isArray(events)).toBe(true);
  });

  it('a run without events is a 404', async () => {
    const checked = await session.check('getRun', (o) => client.getRun(kit.name('no-run'), {}, o));

    failedWith(checked, 404, 'run_not_found');
  });
});

describe('the account', () => {
  it('me, usage of each kind and of all kinds', async () => {
    const me = succeeded(await session.check('getMe', (o) => client.me(o)));
    expect(typeof me.plan).toBe('string');

    for (const kind of ['make', 'ai'] as const) {
      const usage = succeeded(await session.check('getUsage', (o) => client.usage({ kind }, o)));
      expect(usage.plan).toBe(me.plan);
    }
    const all = succeeded(await session.check('getUsageAll', (o) => client.usageAll(o)));
    expect(all.plan).toBe(me.plan);
  });

  it('daily metrics of a range; a range that ends before it starts is a 422', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

    const metrics = succeeded(
      await session.check('getMetrics', (o) =>
        client.metrics({ from_day: yesterday, to_day: today }, o),
      ),
    );
    expect(metrics).toMatchObject({ from_day: yesterday, to_day: today });

    const backwards = await session.check('getMetrics', (o) =>
      client.metrics({ from_day: today, to_day: yesterday }, o),
    );
    failedWith(backwards, 422);
  });

  it('a notification setting is written, and the answer holds all three', async () => {
    const me = succeeded(await session.check('getMe', (o) => client.me(o)));
    // The spec asks of GET /v1/me only the plan. A server that reports the setting gets it back
    // unchanged; one that does not gets run-failure notifications turned on, since on is the
    // setting that cannot hide a failure from the account's owner.
    const value = me.run_failure_notifications_enabled ?? true;

    const settings = succeeded(
      await session.check('updateNotifications', (o) =>
        client.updateNotifications({ run_failure_notifications_enabled: value }, o),
      ),
    );
    expect(settings.run_failure_notifications_enabled).toBe(value);
    // The settings not sent are left as they were, where GET /v1/me says what they were.
    for (const name of [
      'email_notifications_enabled',
      'tool_error_notifications_enabled',
    ] as const) {
      if (typeof me[name] === 'boolean') expect(settings[name]).toBe(me[name]);
    }
  });
});
