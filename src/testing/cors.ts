/** Cross-origin access (CORS), for a web page calling the local server from another origin. */
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { InvalidInputError } from '../errors.js';
import type { Env } from './context.js';

/** The request headers the SDK (and a Prism-style `Prefer`) sends beyond the safelisted ones. */
const ALLOW_HEADERS = ['Authorization', 'Content-Type', 'X-Request-Id', 'Prefer'];

/** The answer headers a page's script may read: without this list a browser hides them. */
const EXPOSE_HEADERS = [
  'X-Request-Id',
  'X-OnceOnly-Status',
  'X-OnceOnly-Plan',
  'X-OnceOnly-Month',
  'Retry-After',
];

/**
 * Answers preflight requests and marks every answer, errors included, as readable by `origins`:
 * `true` for any origin, or a list such as `['http://localhost:5173']`. No credentials: the key
 * travels in `Authorization`, not in cookies.
 */
export function allowCrossOrigin(origins: true | readonly string[]): MiddlewareHandler<Env> {
  return cors({
    origin: origins === true ? '*' : [...origins],
    allowMethods: ['GET', 'POST', 'DELETE'],
    allowHeaders: ALLOW_HEADERS,
    exposeHeaders: EXPOSE_HEADERS,
    maxAge: 600,
  });
}

/** The `cors` option, checked: `false` when off. */
export function checkCors(option: unknown): false | true | readonly string[] {
  if (option === undefined || option === false || option === true) return option ?? false;
  const origins = Array.isArray(option) ? (option as unknown[]) : [];
  if (origins.length > 0 && origins.every(isOrigin)) return origins as string[];
  throw new InvalidInputError(
    'cors',
    'must be true, false or a list of origins such as http://localhost:5173',
  );
}

function isOrigin(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}
