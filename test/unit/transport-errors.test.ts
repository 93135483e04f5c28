// How answers that are not a success become errors: the class for each status, the fields kept
// (status, headers, request_id, detail, body), and bodies that are not JSON.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AbortError,
  ApiError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  InternalServerError,
  InvalidResponseError,
  isOnceOnlyError,
  NotFoundError,
  OnceOnlyError,
  OverLimitError,
  PermissionDeniedError,
  RateLimitError,
  UnauthorizedError,
  ValidationError,
} from '../../src/index.js';
import {
  clientWith,
  EVENT,
  failureOf,
  fakeFetch,
  fetchFailed,
  json,
  text,
} from '../support/fake-fetch.js';

type ErrorClass = abstract new (...args: never[]) => ApiError;

const VALIDATION_ISSUES = [
  { type: 'missing', loc: ['body', 'key'], msg: 'Field required' },
  { type: 'int_parsing', loc: ['body', 'ttl'], msg: 'Input should be a valid integer' },
];

const CASES: [string, number, unknown, ErrorClass][] = [
  ['400', 400, { detail: 'There was an error parsing the body' }, BadRequestError],
  ['401', 401, { detail: 'Not authenticated' }, AuthenticationError],
  ['402', 402, { detail: { error: 'usage_limit_reached', limit: 1000 } }, OverLimitError],
  ['403 string detail', 403, { detail: 'Invalid API key' }, AuthenticationError],
  ['403 invalid_api_key', 403, { detail: { error: 'invalid_api_key' } }, AuthenticationError],
  ['403 api_key_disabled', 403, { detail: { error: 'api_key_disabled' } }, AuthenticationError],
  ['403 forbidden', 403, { detail: { error: 'forbidden' } }, AuthenticationError],
  [
    '403 feature_not_available',
    403,
    { detail: { error: 'feature_not_available', feature: 'governance' } },
    PermissionDeniedError,
  ],
  ['403 plan_limit', 403, { detail: { error: 'plan_limit', limit: 3 } }, PermissionDeniedError],
  ['404', 404, { detail: 'Not found' }, NotFoundError],
  ['409', 409, { detail: { error: 'conflict', message: 'already done' } }, ConflictError],
  ['422 issue list', 422, { detail: VALIDATION_ISSUES }, ValidationError],
  ['422 code', 422, { detail: { error: 'invalid_scope', message: 'bad scope' } }, ValidationError],
  ['429', 429, { detail: { error: 'rate_limited' } }, RateLimitError],
  ['500', 500, { detail: 'Internal Server Error' }, InternalServerError],
  ['502', 502, { detail: 'Bad Gateway' }, InternalServerError],
  ['503', 503, { detail: { error: 'maintenance' } }, InternalServerError],
  ['418', 418, { detail: "I'm a teapot" }, ApiError],
];

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('each error status gives its error class', () => {
  it.each(CASES)('HTTP %s', async (_, code, body, expected) => {
    const headers = { 'X-Request-Id': 'srv-req-7', 'X-Extra': 'kept' };
    const fetch = fakeFetch(json(code, body, headers));
    const error = await failureOf(clientWith(fetch, { maxRetries: 0 }).me());

    expect(error).toBeInstanceOf(expected);
    // The exact class: a 403 of a valid key is not an AuthenticationError, a 418 no subclass.
    expect(Object.getPrototypeOf(error)).toBe(expected.prototype);
    expect((error as Error).name).toBe(expected.name);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toBeInstanceOf(OnceOnlyError);
    expect(isOnceOnlyError(error)).toBe(true);

    const apiError = error as ApiError;
    const detail = (body as { detail: unknown }).detail;
    expect(apiError.status).toBe(code);
    expect(apiError.headers.get('X-Extra')).toBe('kept');
    expect(apiError.request_id).toBe('srv-req-7');
    expect(apiError.detail).toEqual(detail);
    expect(apiError.body).toEqual(body);
    expect(apiError.code).toBe((detail as { error?: string }).error);
    expect(apiError.message).toContain(String(code));
    expect(apiError.message).toContain('srv-req-7');
  });

  it('gives the request id that was sent when the answer has none', async () => {
    const fetch = fakeFetch(json(404, { detail: 'Not found' }));
    const error = (await failureOf(clientWith(fetch).me())) as NotFoundError;

    const sent = fetch.calls[0]?.headers.get('X-Request-Id');
    expect(sent).toBeTruthy();
    expect(error.request_id).toBe(sent);
    expect(error.message).toContain(`[request_id ${sent}]`);
  });

  it('gives a 409 of a call other than check-lock as ConflictError', async () => {
    const fetch = fakeFetch(json(409, { detail: { error: 'run_closed' } }));
    const error = await failureOf(clientWith(fetch).postEvent(EVENT));

    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).code).toBe('run_closed');
  });

  it('exports UnauthorizedError as the same class as AuthenticationError', async () => {
    expect(UnauthorizedError).toBe(AuthenticationError);
    const fetch = fakeFetch(json(401, { detail: 'Not authenticated' }));
    const error = await failureOf(clientWith(fetch).me());
    expect(error).toBeInstanceOf(UnauthorizedError);
  });

  it('lists the validation issues of a 422 in the message', async () => {
    const fetch = fakeFetch(json(422, { detail: VALIDATION_ISSUES }));
    const error = (await failureOf(clientWith(fetch).me())) as ValidationError;

    expect(error.message).toContain('body.key: Field required');
    expect(error.message).toContain('body.ttl: Input should be a valid integer');
  });

  it('brands client-side errors too (connection, abort)', async () => {
    const refused = fakeFetch(fetchFailed('ECONNREFUSED'));
    const connection = await failureOf(clientWith(refused, { maxRetries: 0 }).me());
    const aborted = await failureOf(
      clientWith(fakeFetch(json(200, {}))).me({ signal: AbortSignal.abort() }),
    );

    for (const error of [connection, aborted]) {
      expect(error).toBeInstanceOf(OnceOnlyError);
      expect(isOnceOnlyError(error)).toBe(true);
    }
    expect(aborted).toBeInstanceOf(AbortError);
    expect(isOnceOnlyError(new Error('other'))).toBe(false);
  });

  it('gives a connection failure as ConnectionError with its cause and the request id', async () => {
    const fetch = fakeFetch(fetchFailed('ECONNREFUSED'));
    const error = (await failureOf(clientWith(fetch, { maxRetries: 0 }).me())) as ConnectionError;

    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toContain('fetch failed');
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.cause).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
    expect((error.cause as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
    expect(error.request_id).toBe(fetch.calls[0]?.headers.get('X-Request-Id'));
  });
});

describe('a 403 that is not the API’s says nothing of the key', () => {
  it.each<[string, ReturnType<typeof json>]>([
    [
      'a firewall’s HTML page',
      text(403, '<html><body><h1>403 Forbidden</h1>Request blocked</body></html>', {
        'Content-Type': 'text/html',
      }),
    ],
    ['an empty body', text(403, '')],
    ['JSON without a detail', json(403, { message: 'Forbidden' })],
    ['a detail that is a list', json(403, { detail: [{ msg: 'blocked' }] })],
  ])('%s is an ApiError with status 403, not an AuthenticationError', async (_, reply) => {
    const error = await failureOf(clientWith(fakeFetch(reply), { maxRetries: 0 }).me());

    expect(Object.getPrototypeOf(error)).toBe(ApiError.prototype);
    expect(error).not.toBeInstanceOf(AuthenticationError);
    expect((error as ApiError).status).toBe(403);
  });

  it('is the same for check-lock', async () => {
    const reply = text(403, '<html>Access denied</html>');
    const error = await failureOf(
      clientWith(fakeFetch(reply), { maxRetries: 0 }).checkLock({ key: 'k' }),
    );

    expect(Object.getPrototypeOf(error)).toBe(ApiError.prototype);
    expect((error as ApiError).body).toBe('<html>Access denied</html>');
  });
});

describe('bodies that are not JSON', () => {
  const HTML = '<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>';

  it('gives an HTML 502 page as InternalServerError with no detail and the text as body', async () => {
    const fetch = fakeFetch(text(502, HTML, { 'Content-Type': 'text/html' }));
    const error = await failureOf(clientWith(fetch, { maxRetries: 0 }).me());

    expect(error).toBeInstanceOf(InternalServerError);
    const apiError = error as InternalServerError;
    expect(apiError.status).toBe(502);
    expect(apiError.detail).toBeUndefined();
    expect(apiError.code).toBeUndefined();
    expect(apiError.body).toBe(HTML);
  });

  it('gives an empty 200 body as InvalidResponseError, without retrying', async () => {
    const fetch = fakeFetch(text(200, ''));
    const error = await failureOf(clientWith(fetch).me());

    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(isOnceOnlyError(error)).toBe(true);
    expect((error as InvalidResponseError).status).toBe(200);
    expect(fetch.calls).toHaveLength(1);
  });

  it('gives a truncated JSON 200 body as InvalidResponseError, never a bare SyntaxError', async () => {
    const truncated = '{"id": "acct_1", "email": "a@exa';
    const fetch = fakeFetch(text(200, truncated, { 'Content-Type': 'application/json' }));
    const error = await failureOf(clientWith(fetch).me());

    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error).not.toBeInstanceOf(SyntaxError);
    expect((error as InvalidResponseError).body).toBe(truncated);
  });

  it('gives a 200 HTML page as InvalidResponseError with the status and the start of it', async () => {
    const page = `<!DOCTYPE html><html><body>${'captive portal '.repeat(200)}</body></html>`;
    const headers = { 'Content-Type': 'text/html', 'X-Request-Id': 'srv-9' };
    const fetch = fakeFetch(text(200, page, headers));
    const error = (await failureOf(clientWith(fetch).postEvent(EVENT))) as InvalidResponseError;

    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.status).toBe(200);
    expect(error.request_id).toBe('srv-9');
    expect(error.body.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(page.startsWith(error.body)).toBe(true);
    expect(error.body.length).toBeLessThanOrEqual(1000);
    expect(error.message).toContain('200');
  });
});
