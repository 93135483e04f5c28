/**
 * Request ids and bearer-key authentication, applied before every route: the id first (every
 * answer carries one), then the key, then the check of the client's id.
 */
import type { MiddlewareHandler } from 'hono';
import type { Env, ServerContext } from './context.js';
import { invalid } from './http.js';
import { randomId } from './ids.js';
import type { Schemas } from './types.js';

const REQUEST_ID = /^[!-~]{1,128}$/;

/**
 * Gives every answer an `X-Request-Id`: the client's when it is well formed, else a new one.
 * A malformed one is refused later, by `refuseMalformedRequestId`.
 */
export function requestIds(): MiddlewareHandler<Env> {
  return async (c, next) => {
    const sent = c.req.header('X-Request-Id');
    const valid = sent !== undefined && REQUEST_ID.test(sent);
    const requestId = valid ? sent : randomId('req_');
    c.set('clientRequestId', valid ? sent : null);
    c.set('requestId', requestId);
    c.header('X-Request-Id', requestId);
    await next();
  };
}

/**
 * 422 for a malformed `X-Request-Id`, since replay could not match it. Registered after
 * authentication: a caller without a valid key gets 401 or 403, whatever else is wrong.
 */
export function refuseMalformedRequestId(): MiddlewareHandler<Env> {
  return async (c, next) => {
    const sent = c.req.header('X-Request-Id');
    if (sent !== undefined && !REQUEST_ID.test(sent)) {
      const msg = "String should match pattern '^[!-~]+$' and have 1 to 128 characters";
      const loc = ['header', 'x-request-id'];
      return invalid(c, [{ type: 'string_pattern_mismatch', loc, msg, input: null }]);
    }
    await next();
  };
}

/**
 * 401 without `Authorization: Bearer <key>`, 403 for a key the server does not know. Neither
 * answer repeats the key.
 */
export function bearerAuth(ctx: ServerContext): MiddlewareHandler<Env> {
  return async (c, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('Authorization') ?? '');
    if (!match) {
      const body: Schemas['MessageError'] = { detail: 'Missing Authorization Bearer token' };
      return c.json(body, 401);
    }
    if (!ctx.apiKeys.has(match[1] as string)) {
      const body: Schemas['ForbiddenError'] = { detail: 'Invalid API key' };
      return c.json(body, 403);
    }
    await next();
  };
}
