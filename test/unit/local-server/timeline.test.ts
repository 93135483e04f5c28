import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../src/index.js';
import { harness, SECOND, T0 } from './support.js';

const T0_SEC = T0 / 1000;

describe('local server: run timelines and account events', () => {
  it('appends events to a run in order, keeping extra keys, with increasing ids', async () => {
    const { client, advance } = harness();

    const first = await client.postEvent({ run_id: 'run_1', type: 'note', message: 'hello' });
    advance(2 * SECOND);
    const second = await client.postEvent({
      run_id: 'run_1',
      type: 'tool_call',
      ts: T0_SEC + 100,
      status: 'ok',
      duration_ms: 84,
      data: { customer: 'c_42' },
      attempt: 2,
    });
    expect(first).toMatchObject({ ok: true, run_id: 'run_1' });
    expect(second.event_id).toBeGreaterThan(first.event_id);

    const timeline = await client.getRun('run_1');
    expect(timeline).toEqual({
      run_id: 'run_1',
      total: 2,
      events: [
        { id: first.event_id, ts: T0_SEC, type: 'note', message: 'hello' },
        {
          id: second.event_id,
          ts: T0_SEC + 100,
          type: 'tool_call',
          status: 'ok',
          duration_ms: 84,
          data: { customer: 'c_42' },
          attempt: 2,
        },
      ],
    });
  });

  it('pages a timeline with limit and offset; total counts every event', async () => {
    const { client } = harness();
    for (let n = 0; n < 5; n++)
      await client.postEvent({ run_id: 'r', type: 'step', step: `s${n}` });
    const page = await client.getRun('r', { limit: 2, offset: 2 });
    expect(page.total).toBe(5);
    expect(page.events.map((event) => event.step)).toEqual(['s2', 's3']);
  });

  it('answers 404 run_not_found for a run without events', async () => {
    const { client } = harness();
    const missing = client.getRun('run_nothing');
    await expect(missing).rejects.toBeInstanceOf(NotFoundError);
    await expect(missing).rejects.toMatchObject({ detail: { error: 'run_not_found' } });
  });

  it('reads a run whose id has a slash and a space', async () => {
    const { client } = harness();
    await client.postEvent({ run_id: 'run x/y', type: 'note' });
    expect((await client.getRun('run x/y')).run_id).toBe('run x/y');
  });

  it('lists runs most recently active first, filtered by run_id prefix', async () => {
    const { client, advance } = harness();
    await client.postEvent({ run_id: 'support:1', type: 'run_started', status: 'started' });
    advance(SECOND);
    await client.postEvent({ run_id: 'billing:1', type: 'note' });
    advance(SECOND);
    await client.postEvent({ run_id: 'support:2', type: 'note' });
    advance(SECOND);
    await client.postEvent({ run_id: 'support:1', type: 'run_finished', status: 'completed' });

    const all = await client.listRuns();
    expect(all.total).toBe(3);
    expect(all.items.map((run) => run.run_id)).toEqual(['support:1', 'support:2', 'billing:1']);
    expect(all.items[0]).toEqual({
      run_id: 'support:1',
      last_ts: T0_SEC + 3,
      last_type: 'run_finished',
      last_status: 'completed',
      events_count: 2,
    });
    expect(all.items[1]?.last_status).toBeNull();

    const support = await client.listRuns({ q: 'support:', limit: 1, offset: 1 });
    expect(support).toEqual({
      total: 2,
      items: [expect.objectContaining({ run_id: 'support:2' })],
    });
  });

  it("lists the account's recent events newest first", async () => {
    const { client, advance } = harness();
    await client.checkLock({ key: 'k' });
    advance(SECOND);
    await client.checkLock({ key: 'k' });
    advance(SECOND);
    await client.gov.disableAgent('bot');

    const events = await client.events();
    expect(events).toEqual([
      { ts: T0_SEC + 2, type: 'agent_disabled', agent_id: 'bot' },
      { ts: T0_SEC + 1, type: 'duplicate', key: 'k' },
    ]);
    expect(await client.events({ limit: 1, offset: 1 })).toEqual([events[1]]);
  });

  it('refuses invalid events with 422', async () => {
    const { raw } = harness();
    const blank = await raw('POST', '/v1/events', { body: { run_id: ' ', type: 'note' } });
    expect(blank.body.detail[0]).toMatchObject({ loc: ['body', 'run_id'] });
    const longType = await raw('POST', '/v1/events', {
      body: { run_id: 'r', type: 'x'.repeat(65) },
    });
    expect(longType.body.detail[0]).toMatchObject({
      type: 'string_too_long',
      loc: ['body', 'type'],
    });
    const limit = await raw('GET', '/v1/runs?limit=0');
    expect(limit.body.detail[0]).toMatchObject({
      type: 'greater_than_equal',
      loc: ['query', 'limit'],
    });
    const notNumber = await raw('GET', '/v1/events?limit=many');
    expect(notNumber.body.detail[0]).toMatchObject({
      type: 'int_parsing',
      loc: ['query', 'limit'],
    });
  });
});
