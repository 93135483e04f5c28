/**
 * Leases: exclusive, TTL-bounded ownership of a key (`/v1/ai/lease`, `extend`, `complete`,
 * `fail`, `cancel`, `status`, `result`). Keyed runs take their lease through `acquireLease`.
 *
 * A lease not extended within its TTL becomes `expired` the moment its time is up (checked on
 * every read, against the server's clock) and the key may be acquired anew. Finished leases
 * (`completed`, `failed`, `cancelled`) keep the key for 7 days, then it is forgotten.
 */
import type { App, Ctx, ServerContext } from './context.js';
import { codeError, json, readBody, readQuery } from './http.js';
import { canonicalJson, randomId, sha256Hex } from './ids.js';
import { effectiveTtl } from './plans.js';
import type { LeaseRecord, State } from './state.js';
import { DAY_MS, isoTime, SECOND_MS, secondsUntil, unixSeconds, utcMonth } from './time.js';
import { recordAccountEvent } from './timeline.js';
import type { Schemas } from './types.js';
import { count, monthUsage, refuseOverLimit } from './usage.js';
import {
  json as jsonObject,
  KEY,
  METADATA_MAX_BYTES,
  obj,
  required,
  str,
  TTL,
} from './validation.js';

/** How long a finished lease keeps its key and result. */
export const FINISHED_RETENTION_MS = 7 * DAY_MS;
/** The longest poll interval suggested in `retry_after_sec`. */
export const MAX_POLL_HINT_SEC = 5;

type FinalStatus = 'completed' | 'failed' | 'cancelled';
type LeaseState = Schemas['LeaseState'];

const LEASE_ID = required(str({ min: 1 }));
const LEASE_BODY = obj({ key: required(KEY), ttl: TTL, metadata: jsonObject(METADATA_MAX_BYTES) });
const EXTEND_BODY = obj({ key: required(KEY), lease_id: LEASE_ID, ttl: TTL });
const COMPLETE_BODY = obj({
  key: required(KEY),
  lease_id: LEASE_ID,
  result: jsonObject(),
  result_hash: str({ max: 256 }),
});
const FAIL_BODY = obj({
  key: required(KEY),
  lease_id: LEASE_ID,
  error_code: required(str({ min: 1, max: 128 })),
  error_hash: str({ max: 256 }),
});
const CANCEL_BODY = obj({ key: required(KEY), lease_id: LEASE_ID, reason: str({ max: 512 }) });

/**
 * The lease on `key` as of `now`: a live lease past its TTL is turned `expired`; a finished
 * lease past its retention is forgotten.
 */
export function currentLease(state: State, key: string, now: number): LeaseRecord | undefined {
  const lease = state.leases.get(key);
  if (!lease) return undefined;
  if (lease.status === 'in_progress' && now >= lease.expiresAtMs) {
    lease.status = 'expired';
    lease.doneAtMs = lease.expiresAtMs;
    lease.errorCode = 'lease_expired';
  }
  if (lease.doneAtMs !== null && now >= lease.doneAtMs + FINISHED_RETENTION_MS) {
    state.leases.delete(key);
    return undefined;
  }
  return lease;
}

/**
 * Takes the lease on `key` for the caller, or tells how the key stands. `acquired` is the new
 * lease when this call took it (not on a replay), for a keyed run to start its work.
 */
export function acquireLease(
  ctx: ServerContext,
  params: { key: string; ttl: number | undefined; requestId: string | null },
): { answer: LeaseState; acquired: LeaseRecord | null } {
  const { state } = ctx;
  const now = ctx.now();
  const lease = currentLease(state, params.key, now);
  count(ctx, 'ai', 'requests');

  if (lease?.status === 'in_progress') {
    if (params.requestId !== null && lease.requestId === params.requestId) {
      return { answer: lease.acquired, acquired: null };
    }
    count(ctx, 'ai', 'polling');
    const polling: LeaseState = {
      ...statusOf(lease, now),
      status: 'polling',
      ttl: lease.ttlSec,
      ...quota(ctx, 0),
    };
    return { answer: polling, acquired: null };
  }
  if (lease && lease.status !== 'expired') {
    return {
      answer: { ...statusOf(lease, now), ttl: lease.ttlSec, ...quota(ctx, 0) },
      acquired: null,
    };
  }

  count(ctx, 'ai', 'usage');
  const ttlSec = effectiveTtl(ctx.plan, params.ttl);
  const leaseId = randomId('lease_');
  const acquired: LeaseState = {
    ok: true,
    status: 'acquired',
    key: params.key,
    ttl: ttlSec,
    ttl_left: null,
    lease_id: leaseId,
    version: 1,
    first_seen_at: isoTime(now),
    done_at: null,
    result_hash: null,
    error_code: null,
    retry_after_sec: null,
    ...quota(ctx, 1),
  };
  const record: LeaseRecord = {
    key: params.key,
    ttlSec,
    leaseId,
    version: 1,
    firstSeenAtMs: now,
    expiresAtMs: now + ttlSec * SECOND_MS,
    status: 'in_progress',
    doneAtMs: null,
    result: null,
    resultHash: null,
    errorCode: null,
    requestId: params.requestId,
    acquired,
    outcome: null,
    workerDueAtMs: null,
  };
  state.leases.set(params.key, record);
  recordAccountEvent(state, { ts: unixSeconds(now), type: 'lease_acquired', key: params.key });
  return { answer: acquired, acquired: record };
}

/**
 * Finishes the lease `leaseId` holds on `key`. A repeat of the call that finished it gets the
 * same outcome; anything else that does not hold a live lease gets the conflict to answer.
 */
export function finishLease(
  state: State,
  now: number,
  params: {
    key: string;
    leaseId: string;
    status: FinalStatus;
    result?: Record<string, unknown> | null;
    resultHash?: string | null;
    errorCode?: string | null;
  },
): Schemas['LeaseOutcome'] | LeaseConflict {
  const lease = currentLease(state, params.key, now);
  if (lease?.leaseId === params.leaseId && lease.status === params.status && lease.outcome) {
    return lease.outcome;
  }
  const live = heldLease(lease, params.key, params.leaseId);
  if (isConflict(live)) return live;

  live.status = params.status;
  live.doneAtMs = now;
  live.result = params.result ?? null;
  live.resultHash = params.resultHash ?? null;
  live.errorCode = params.errorCode ?? null;
  live.outcome = {
    ok: true,
    status: params.status,
    key: params.key,
    lease_id: params.leaseId,
    done_at: isoTime(now),
    result_hash: live.resultHash,
    error_code: live.errorCode,
  };
  const type = `lease_${params.status}`;
  recordAccountEvent(state, { ts: unixSeconds(now), type, key: params.key, status: params.status });
  return live.outcome;
}

/** Why a lease call cannot act: 404 for a key without a lease, 409 for one not held. */
export interface LeaseConflict {
  httpStatus: 404 | 409;
  error: 'lease_not_found' | 'lease_mismatch' | 'lease_expired' | 'lease_finished';
  message: string;
  status?: Schemas['LeaseStatusValue'];
}

export function isConflict(value: object): value is LeaseConflict {
  return 'httpStatus' in value;
}

/** The live lease `leaseId` holds on `key`, or why it holds none. */
function heldLease(
  lease: LeaseRecord | undefined,
  key: string,
  leaseId: string,
): LeaseRecord | LeaseConflict {
  if (!lease) {
    return { httpStatus: 404, error: 'lease_not_found', message: `no lease for key ${key}` };
  }
  const { status } = lease;
  if (lease.leaseId !== leaseId) {
    const message = 'lease_id does not hold this key';
    return { httpStatus: 409, error: 'lease_mismatch', message, status };
  }
  if (status === 'expired') {
    const message = 'the lease ran out before it was extended';
    return { httpStatus: 409, error: 'lease_expired', message, status };
  }
  if (status !== 'in_progress') {
    const message = `the lease is already ${status}`;
    return { httpStatus: 409, error: 'lease_finished', message, status };
  }
  return lease;
}

/** The key's state as `getLeaseStatus` reports it. */
export function statusOf(lease: LeaseRecord, now: number): Schemas['LeaseStatus'] {
  const live = lease.status === 'in_progress';
  return {
    ok: true,
    status: lease.status,
    key: lease.key,
    ttl_left: live ? secondsUntil(lease.expiresAtMs, now) : null,
    lease_id: null,
    version: lease.version,
    first_seen_at: isoTime(lease.firstSeenAtMs),
    done_at: lease.doneAtMs === null ? null : isoTime(lease.doneAtMs),
    result_hash: lease.resultHash,
    error_code: lease.errorCode,
    retry_after_sec: live ? pollHint(lease, now) : null,
  };
}

/**
 * The suggested poll interval: until a keyed run's worker is due, else until the lease runs
 * out, between 1 and `MAX_POLL_HINT_SEC` seconds.
 */
function pollHint(lease: LeaseRecord, now: number): number {
  const untilMs = lease.workerDueAtMs ?? lease.expiresAtMs;
  return Math.min(MAX_POLL_HINT_SEC, Math.max(1, secondsUntil(untilMs, now)));
}

function quota(ctx: ServerContext, charged: 0 | 1) {
  const usage = monthUsage(ctx.state, utcMonth(ctx.now()), 'ai').usage;
  return { usage, limit: ctx.plan.aiLimit, charged };
}

export function registerLeases(app: App, ctx: ServerContext): void {
  app.post('/v1/ai/lease', async (c) => {
    const body = await readBody<Schemas['LeaseRequest']>(c, LEASE_BODY);
    if (body instanceof Response) return body;
    const refused = refuseOverLimit(c, ctx, 'ai');
    if (refused) return refused;

    const requestId = c.get('clientRequestId');
    return json(c, acquireLease(ctx, { key: body.key, ttl: body.ttl, requestId }).answer);
  });

  app.post('/v1/ai/extend', async (c) => {
    const body = await readBody<Schemas['ExtendRequest']>(c, EXTEND_BODY);
    if (body instanceof Response) return body;

    const now = ctx.now();
    const live = heldLease(currentLease(ctx.state, body.key, now), body.key, body.lease_id);
    if (isConflict(live)) return conflictAnswer(c, live);

    // The time left is reset to `ttl` from now, not added to; the lease's own TTL stays.
    const ttl = effectiveTtl(ctx.plan, body.ttl ?? live.ttlSec);
    live.expiresAtMs = now + ttl * SECOND_MS;
    live.version += 1;
    const extended: Schemas['ExtendResponse'] = {
      ok: true,
      status: 'extended',
      key: body.key,
      ttl,
      version: live.version,
    };
    return json(c, extended);
  });

  app.post('/v1/ai/complete', async (c) => {
    const body = await readBody<Schemas['CompleteRequest']>(c, COMPLETE_BODY);
    if (body instanceof Response) return body;

    const result = body.result ?? null;
    const hash = body.result_hash ?? (result ? await sha256Hex(canonicalJson(result)) : null);
    const params = { key: body.key, leaseId: body.lease_id, status: 'completed' as const };
    const outcome = finishLease(ctx.state, ctx.now(), { ...params, result, resultHash: hash });
    return isConflict(outcome) ? conflictAnswer(c, outcome) : json(c, outcome);
  });

  app.post('/v1/ai/fail', async (c) => {
    const body = await readBody<Schemas['FailRequest']>(c, FAIL_BODY);
    if (body instanceof Response) return body;

    const params = { key: body.key, leaseId: body.lease_id, status: 'failed' as const };
    const outcome = finishLease(ctx.state, ctx.now(), { ...params, errorCode: body.error_code });
    return isConflict(outcome) ? conflictAnswer(c, outcome) : json(c, outcome);
  });

  app.post('/v1/ai/cancel', async (c) => {
    const body = await readBody<Schemas['CancelRequest']>(c, CANCEL_BODY);
    if (body instanceof Response) return body;

    const params = { key: body.key, leaseId: body.lease_id, status: 'cancelled' as const };
    const outcome = finishLease(ctx.state, ctx.now(), { ...params, errorCode: 'cancelled' });
    return isConflict(outcome) ? conflictAnswer(c, outcome) : json(c, outcome);
  });

  app.get('/v1/ai/status', (c) => {
    const query = readQuery<{ key: string }>(c, { key: required(KEY) });
    if (query instanceof Response) return query;

    const now = ctx.now();
    const lease = currentLease(ctx.state, query.key, now);
    if (!lease) return codeError(c, 404, 'lease_not_found', `no lease for key ${query.key}`);
    return json(c, statusOf(lease, now));
  });

  app.get('/v1/ai/result', (c) => {
    const query = readQuery<{ key: string }>(c, { key: required(KEY) });
    if (query instanceof Response) return query;

    const lease = currentLease(ctx.state, query.key, ctx.now());
    if (!lease) return codeError(c, 404, 'lease_not_found', `no lease for key ${query.key}`);
    const completed = lease.status === 'completed';
    const result: Schemas['AiResult'] = {
      ok: completed,
      status: lease.status,
      key: lease.key,
      result: completed ? lease.result : null,
      result_hash: lease.resultHash,
      error_code: lease.errorCode,
      done_at: lease.doneAtMs === null ? null : isoTime(lease.doneAtMs),
    };
    return json(c, result);
  });
}

function conflictAnswer(c: Ctx, conflict: LeaseConflict): Response {
  const { httpStatus, error, message, status } = conflict;
  return codeError(c, httpStatus, error, message, status === undefined ? {} : { status });
}
