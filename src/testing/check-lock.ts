/**
 * `POST /v1/check-lock`: the first claim of a key within its TTL is `locked`, every later one a
 * `duplicate` with the first claim's time. A retry carrying the claim's `X-Request-Id` gets the
 * original `locked` back (replay), so a lost answer does not turn a claim into a duplicate.
 */
import type { App, ServerContext } from './context.js';
import { json, readBody } from './http.js';
import { effectiveTtl } from './plans.js';
import { isoTime, SECOND_MS, unixSeconds } from './time.js';
import { recordAccountEvent } from './timeline.js';
import type { Schemas } from './types.js';
import { count, refuseOverLimit } from './usage.js';
import { json as jsonObject, KEY, METADATA_MAX_BYTES, obj, required, TTL } from './validation.js';

const BODY = obj({ key: required(KEY), ttl: TTL, metadata: jsonObject(METADATA_MAX_BYTES) });

export function registerCheckLock(app: App, ctx: ServerContext): void {
  app.post('/v1/check-lock', async (c) => {
    const body = await readBody<Schemas['CheckLockRequest']>(c, BODY);
    if (body instanceof Response) return body;
    const refused = refuseOverLimit(c, ctx, 'make');
    if (refused) return refused;

    const { state } = ctx;
    const now = ctx.now();
    const requestId = c.get('clientRequestId');
    const lock = state.locks.get(body.key);
    const live = lock !== undefined && now < lock.expiresAtMs ? lock : undefined;
    count(ctx, 'make', 'requests');

    if (live && requestId !== null && live.requestId === requestId) {
      c.header('X-OnceOnly-Status', 'locked');
      return json(c, lockedAnswer(body.key, live.ttlSec));
    }

    count(ctx, 'make', 'usage');
    if (live) {
      const firstSeenAt = isoTime(live.firstSeenAtMs);
      recordAccountEvent(state, { ts: unixSeconds(now), type: 'duplicate', key: body.key });
      c.header('X-OnceOnly-Status', 'duplicate');
      if (ctx.duplicateStatusCode === 409) {
        const blocked: Schemas['DuplicateBlockedError'] = {
          detail: { error: 'Duplicate blocked', first_seen_at: firstSeenAt },
        };
        return json(c, blocked, 409);
      }
      const duplicate: Schemas['CheckLockResponse'] = {
        success: false,
        status: 'duplicate',
        key: body.key,
        ttl: live.ttlSec,
        first_seen_at: firstSeenAt,
      };
      return json(c, duplicate);
    }

    const ttlSec = effectiveTtl(ctx.plan, body.ttl);
    state.locks.set(body.key, {
      ttlSec,
      firstSeenAtMs: now,
      expiresAtMs: now + ttlSec * SECOND_MS,
      requestId,
    });
    c.header('X-OnceOnly-Status', 'locked');
    return json(c, lockedAnswer(body.key, ttlSec));
  });
}

function lockedAnswer(key: string, ttl: number): Schemas['CheckLockResponse'] {
  return { success: true, status: 'locked', key, ttl, first_seen_at: null };
}
