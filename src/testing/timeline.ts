/**
 * Run timelines (`POST /v1/events`, `GET /v1/runs`, `GET /v1/runs/{run_id}`) and the recent
 * events of the account (`GET /v1/events`). The server writes to both as work happens.
 */
import type { App, ServerContext } from './context.js';
import { codeError, json, readBody, readPath, readQuery } from './http.js';
import type { State } from './state.js';
import type { Schemas } from './types.js';
import { ID, int, json as jsonObject, num, obj, required, str } from './validation.js';

type RunEvent = Schemas['RunEvent'];
type AccountEvent = Schemas['AccountEvent'];

/** How many recent account events are kept; older ones are dropped. */
export const ACCOUNT_EVENTS_KEPT = 1_000;

const EVENT_BODY = obj(
  {
    run_id: required(ID),
    type: required(str({ min: 1, max: 64, pattern: /\S/ })),
    ts: num(),
    status: str(),
    duration_ms: num({ min: 0 }),
    step: str(),
    tool: str(),
    req_id: str(),
    lease_id: str(),
    agent_id: str(),
    message: str(),
    data: jsonObject(),
  },
  // Keys beyond the listed ones are kept with the event.
  { closed: false },
);
const OFFSET = int({ min: 0 });

/** Appends an event to the timeline of `runId` and returns its id. */
export function appendRunEvent(state: State, runId: string, event: Omit<RunEvent, 'id'>): number {
  const id = state.nextEventId++;
  const timeline = state.runs.get(runId) ?? [];
  timeline.push({ id, ...event });
  state.runs.set(runId, timeline);
  return id;
}

/** Records a recent event of the account. */
export function recordAccountEvent(state: State, event: AccountEvent): void {
  state.accountEvents.push(event);
  if (state.accountEvents.length > ACCOUNT_EVENTS_KEPT) state.accountEvents.shift();
}

export function registerTimelines(app: App, ctx: ServerContext): void {
  app.post('/v1/events', async (c) => {
    const body = await readBody<Schemas['RunEventCreate']>(c, EVENT_BODY);
    if (body instanceof Response) return body;

    const { run_id, ts, ...fields } = body;
    const eventTs = typeof ts === 'number' ? ts : Math.floor(ctx.now() / 1000);
    const event_id = appendRunEvent(ctx.state, run_id, { ts: eventTs, ...fields });
    const created: Schemas['RunEventCreated'] = { ok: true, event_id, run_id };
    return json(c, created);
  });

  app.get('/v1/events', (c) => {
    const query = readQuery<{ limit?: number; offset?: number }>(c, {
      limit: int({ min: 1, max: 500 }),
      offset: OFFSET,
    });
    if (query instanceof Response) return query;

    const { limit = 50, offset = 0 } = query;
    const newestFirst = [...ctx.state.accountEvents].reverse();
    const list: Schemas['EventList'] = { data: newestFirst.slice(offset, offset + limit) };
    return json(c, list);
  });

  app.get('/v1/runs', (c) => {
    const query = readQuery<{ limit?: number; offset?: number; q?: string }>(c, {
      limit: int({ min: 1, max: 500 }),
      offset: OFFSET,
      q: str({ max: 256 }),
    });
    if (query instanceof Response) return query;

    const { limit = 50, offset = 0, q = '' } = query;
    const runs = [...ctx.state.runs]
      .filter(([runId]) => runId.startsWith(q))
      .map(([runId, events]) => summary(runId, events))
      .sort((a, b) => b.last_ts - a.last_ts || b.lastId - a.lastId);
    const page: Schemas['RunList'] = {
      total: runs.length,
      items: runs.slice(offset, offset + limit).map(({ lastId: _, ...item }) => item),
    };
    return json(c, page);
  });

  app.get('/v1/runs/:run_id', (c) => {
    const runId = readPath(c, 'run_id', ID);
    if (runId instanceof Response) return runId;
    const query = readQuery<{ limit?: number; offset?: number }>(c, {
      limit: int({ min: 1, max: 2000 }),
      offset: OFFSET,
    });
    if (query instanceof Response) return query;

    const events = ctx.state.runs.get(runId);
    if (!events) return codeError(c, 404, 'run_not_found', `no events for run ${runId}`);
    const { limit = 200, offset = 0 } = query;
    const timeline: Schemas['RunTimeline'] = {
      run_id: runId,
      total: events.length,
      events: events.slice(offset, offset + limit),
    };
    return json(c, timeline);
  });
}

function summary(runId: string, events: RunEvent[]): Schemas['RunSummary'] & { lastId: number } {
  // The latest event is the one with the greatest time; of equal times, the last appended.
  let last = events[0] as RunEvent;
  for (const event of events) if (event.ts >= last.ts) last = event;
  return {
    run_id: runId,
    last_ts: Math.floor(last.ts),
    last_type: last.type,
    last_status: last.status ?? null,
    events_count: events.length,
    lastId: last.id ?? 0,
  };
}
