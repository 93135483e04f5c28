/** Request ids and bearer-key authentication, applied before every route. */
import type { MiddlewareHandler } from 'hono';
import type { Env, ServerContext } from './context.js';
import { invalid } from './http.js';
import { randomId } from './ids.js';
import type { Schemas } from './types.js';

const REQUEST_ID = /^[!-~]{1,128}$/;

/**
 * Gives every answer an `X-Request-Id`: the client's when it sent one, else a new one. A
 * malformed client id is refused with 422, since replay could not match it.
 */
export function requestIds(): MiddlewareHandler<Env> {
  return async (c, next) => {
    const sent = c.req.header('X-Request-Id');
    const valid = sent !== undefined && REQUEST_ID.test(sent);
    const requestId = valid ? sent : randomId('req_');
    c.set('clientRequestId', valid ? sent : null);
    c.set('requestId', requestId);
    c.header('X-Request-Id', requestId);
    if (sent !== undefined && !valid) {
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
