// What goes on the wire besides the body: request headers, the base URL forms, environment
// variables, and how path parameters are encoded.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidInputError, isOnceOnlyError, OnceOnly, VERSION } from '../../src/index.js';
import { requestUrl, serverRoot } from '../../src/internal/url.js';
import {
  API_KEY,
  BASE_URL,
  clientWith,
  EVENT,
  errorReply,
  failureOf,
  fakeFetch,
  json,
  LOCKED,
  resultOf,
  TOOL,
  track,
} from '../support/fake-fetch.js';

const OK = json(200, { ok: true });

type Send = (client: OnceOnly) => PromiseLike<unknown>;

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

describe('request headers', () => {
  it('sends Authorization: Bearer <key> on every attempt', async () => {
    const fetch = fakeFetch(errorReply(503), errorReply(429), OK);
    await resultOf(clientWith(fetch).me());

    expect(fetch.calls.map((c) => c.headers.get('Authorization'))).toEqual([
      `Bearer ${API_KEY}`,
      `Bearer ${API_KEY}`,
      `Bearer ${API_KEY}`,
    ]);
  });

  it('sends Accept: application/json on GET and POST', async () => {
    const fetch = fakeFetch(OK);
    const client = clientWith(fetch);
    await resultOf(client.me());
    await resultOf(client.postEvent(EVENT));

    for (const call of fetch.calls) expect(call.headers.get('Accept')).toBe('application/json');
  });

  it.each<[string, Send]>([
    ['gov.createTool()', (c) => c.gov.createTool(TOOL)],
    ['postEvent()', (c) => c.postEvent(EVENT)],
    ['gov.enableAgent() with a reason', (c) => c.gov.enableAgent('bot', { reason: 'ok' })],
  ])('sends Content-Type: application/json with the body of %s', async (_, send) => {
    const fetch = fakeFetch(OK);
    await resultOf(send(clientWith(fetch)));

    const call = fetch.calls[0];
    expect(call?.headers.get('Content-Type')).toBe('application/json');
    expect(call?.body).toBeTruthy();
  });

  it('sends Content-Type with the body of checkLock()', async () => {
    const fetch = fakeFetch(json(200, LOCKED));
    await resultOf(clientWith(fetch).checkLock({ key: 'order:1' }));

    expect(fetch.calls[0]?.headers.get('Content-Type')).toBe('application/json');
  });

  it.each<[string, string, Send]>([
    ['GET me()', 'GET', (c) => c.me()],
    ['DELETE gov.deleteTool()', 'DELETE', (c) => c.gov.deleteTool('send_email')],
    ['POST gov.enableAgent() without a reason', 'POST', (c) => c.gov.enableAgent('bot')],
  ])('sends no Content-Type and no body for %s', async (_, method, send) => {
    const fetch = fakeFetch(OK);
    await resultOf(send(clientWith(fetch)));

    const call = fetch.calls[0];
    expect(call?.method).toBe(method);
    expect(call?.headers.has('Content-Type')).toBe(false);
    expect(call?.body).toBeNull();
  });

  it('sends User-Agent onceonly-sdk/<VERSION> by default', async () => {
    const fetch = fakeFetch(OK);
    await resultOf(clientWith(fetch).me());

    expect(fetch.calls[0]?.headers.get('User-Agent')).toBe(`onceonly-sdk/${VERSION}`);
  });

  it('sends the userAgent given instead', async () => {
    const fetch = fakeFetch(OK);
    await resultOf(clientWith(fetch, { userAgent: 'billing-worker/2.1' }).me());

    expect(fetch.calls[0]?.headers.get('User-Agent')).toBe('billing-worker/2.1');
  });

  it('sends no User-Agent for userAgent: null', async () => {
    const fetch = fakeFetch(OK);
    await resultOf(clientWith(fetch, { userAgent: null }).me());

    expect(fetch.calls[0]?.headers.get('User-Agent')).toBeNull();
  });

  it('sends no User-Agent in a browser (globalThis.document exists)', async () => {
    expect((globalThis as { document?: unknown }).document).toBeUndefined();
    vi.stubGlobal('document', {});
    const fetch = fakeFetch(OK);
    await resultOf(clientWith(fetch).me());
    await resultOf(clientWith(fetch, { userAgent: 'my-app/1.0' }).me());

    expect(fetch.calls.map((c) => c.headers.get('User-Agent'))).toEqual([null, null]);
  });

  it('sends defaultHeaders and per-call headers, the per-call value winning', async () => {
    const fetch = fakeFetch(OK);
    const client = clientWith(fetch, {
      defaultHeaders: { 'X-Team': 'payments', 'X-Env': 'default' },
    });
    await resultOf(client.me({ headers: { 'X-Trace': 'abc', 'X-Env': 'per-call' } }));
    await resultOf(client.me());

    const [first, second] = fetch.calls;
    expect(first?.headers.get('X-Team')).toBe('payments');
    expect(first?.headers.get('X-Trace')).toBe('abc');
    expect(first?.headers.get('X-Env')).toBe('per-call');
    expect(second?.headers.get('X-Env')).toBe('default');
    expect(second?.headers.has('X-Trace')).toBe(false);
  });

  it('keeps its own Authorization over per-call and default headers', async () => {
    const fetch = fakeFetch(OK);
    const client = clientWith(fetch, { defaultHeaders: { Authorization: 'Bearer default' } });
    await resultOf(client.me({ headers: { Authorization: 'Bearer other' } }));
    await resultOf(client.me({ headers: { authorization: 'Basic eDp5' } }));
    await resultOf(client.me());

    for (const call of fetch.calls) {
      expect(call.headers.get('Authorization')).toBe(`Bearer ${API_KEY}`);
    }
  });
});

describe('header and API key checks', () => {
  /** What `construct` throws; fails the test when it does not throw. */
  function thrown(construct: () => unknown): unknown {
    try {
      construct();
    } catch (error) {
      return error;
    }
    throw new Error('expected the construction to throw');
  }

  it.each(['x-request-id', 'X-Request-Id', 'X-REQUEST-ID'])(
    'refuses %s in defaultHeaders at construction: every call would share the id',
    (name) => {
      const fetch = fakeFetch(OK);
      const error = thrown(() => clientWith(fetch, { defaultHeaders: { [name]: 'fixed' } }));
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe('defaultHeaders.X-Request-Id');
      expect(fetch.calls).toHaveLength(0);
    },
  );

  it.each([
    ['with a space', 'has space'],
    ['of 129 characters', 'x'.repeat(129)],
    ['that is empty', ''],
  ])('refuses a per-call X-Request-Id %s, sending nothing', async (_, id) => {
    const fetch = fakeFetch(OK);
    const error = await failureOf(clientWith(fetch).me({ headers: { 'X-Request-Id': id } }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe('X-Request-Id');
    expect(fetch.calls).toHaveLength(0);
  });

  it('sends a per-call X-Request-Id of 128 visible characters as it is', async () => {
    const fetch = fakeFetch(OK);
    const id = `${'a'.repeat(64)}!~${'Z'.repeat(62)}`;
    await resultOf(clientWith(fetch).me({ headers: { 'X-Request-Id': id } }));
    expect(fetch.calls[0]?.headers.get('X-Request-Id')).toBe(id);
  });

  it.each([
    ['a trailing newline (a copied .env line)', 'once_live_S3CRET', '\n'],
    ['a newline inside', 'once_live_S3CRET', '\nTAIL'],
    ['a space', 'once_live_S3CRET', ' TAIL'],
  ])('refuses an API key with %s at construction, without showing it', (_, key, rest) => {
    const fetch = fakeFetch(OK);
    const error = thrown(() => new OnceOnly({ apiKey: key + rest, baseUrl: BASE_URL, fetch }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe('apiKey');
    expect((error as Error).message).not.toContain('S3CRET');
    expect((error as Error).message).not.toContain('TAIL');
    expect(fetch.calls).toHaveLength(0);
  });

  it('refuses a defaultHeaders value with a newline when the client is made, without showing the value', () => {
    const fetch = fakeFetch(OK);
    const defaultHeaders = { 'X-Token': 'tok_S3CRET\nInjected: 1' };
    let error: unknown;
    try {
      clientWith(fetch, { defaultHeaders });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe('defaultHeaders.X-Token');
    expect((error as Error).message).not.toContain('S3CRET');
    expect((error as Error).message).not.toContain('Injected');
    expect(fetch.calls).toHaveLength(0);
  });

  it('refuses a per-call header value with a newline, without showing the value', async () => {
    const fetch = fakeFetch(OK);
    const headers = { 'X-Token': 'tok_S3CRET\nInjected: 1' };
    const error = await failureOf(clientWith(fetch).me({ headers }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe('options.headers.X-Token');
    expect((error as Error).message).not.toContain('S3CRET');
    expect((error as Error).message).not.toContain('Injected');
    expect(fetch.calls).toHaveLength(0);
  });
});

describe('base URL', () => {
  it.each([
    ['http://localhost:8080', 'http://localhost:8080'],
    ['http://localhost:8080/', 'http://localhost:8080'],
    ['http://localhost:8080/v1', 'http://localhost:8080'],
    ['http://localhost:8080/v1/', 'http://localhost:8080'],
    ['https://host/prefix/v1', 'https://host/prefix'],
    ['https://host/prefix/', 'https://host/prefix'],
  ])('%s sends to <root>/v1/...', async (baseUrl, root) => {
    const fetch = fakeFetch(OK);
    const client = new OnceOnly({ apiKey: API_KEY, baseUrl, fetch });
    await resultOf(client.me());

    expect(fetch.calls[0]?.url).toBe(`${root}/v1/me`);
    expect(client.baseUrl).toBe(`${root}/v1`);
    expect(serverRoot(baseUrl)).toBe(root);
  });

  it('defaults to https://api.onceonly.tech/v1', async () => {
    vi.stubEnv('ONCEONLY_BASE_URL', undefined);
    const fetch = fakeFetch(OK);
    await resultOf(new OnceOnly({ apiKey: API_KEY, fetch }).me());

    expect(fetch.calls[0]?.url).toBe('https://api.onceonly.tech/v1/me');
  });

  it('reads ONCEONLY_BASE_URL, and the option wins over it', async () => {
    vi.stubEnv('ONCEONLY_BASE_URL', 'http://onceonly.internal:9000/v1/');
    const fetch = fakeFetch(OK);
    await resultOf(new OnceOnly({ apiKey: API_KEY, fetch }).me());
    await resultOf(new OnceOnly({ apiKey: API_KEY, fetch, baseUrl: BASE_URL }).me());

    expect(fetch.calls.map((c) => c.url)).toEqual([
      'http://onceonly.internal:9000/v1/me',
      `${BASE_URL}/v1/me`,
    ]);
  });

  it('reads ONCEONLY_API_KEY, and the option wins over it', async () => {
    vi.stubEnv('ONCEONLY_API_KEY', 'once_live_from_env_777');
    const fetch = fakeFetch(OK);
    await resultOf(new OnceOnly({ baseUrl: BASE_URL, fetch }).me());
    await resultOf(new OnceOnly({ baseUrl: BASE_URL, fetch, apiKey: API_KEY }).me());

    expect(fetch.calls.map((c) => c.headers.get('Authorization'))).toEqual([
      'Bearer once_live_from_env_777',
      `Bearer ${API_KEY}`,
    ]);
  });

  it.each([undefined, '', '   '])(
    'refuses a missing API key (%j) at construction, naming ONCEONLY_API_KEY',
    (apiKey) => {
      vi.stubEnv('ONCEONLY_API_KEY', undefined);
      const fetch = fakeFetch(OK);
      const options = apiKey === undefined ? { fetch } : { fetch, apiKey };
      let error: unknown;
      try {
        new OnceOnly(options);
      } catch (caught) {
        error = caught;
      }

      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe('apiKey');
      expect((error as Error).message).toContain('ONCEONLY_API_KEY');
      expect(isOnceOnlyError(error)).toBe(true);
    },
  );

  it.each([
    'ftp://x',
    'not a url',
    'http://localhost:8080/v1?q=1',
    'http://localhost:8080/#top',
    '',
  ])('refuses the base URL %j with InvalidInputError', (baseUrl) => {
    const fetch = fakeFetch(OK);
    expect(() => new OnceOnly({ apiKey: API_KEY, baseUrl, fetch })).toThrow(InvalidInputError);
    try {
      new OnceOnly({ apiKey: API_KEY, baseUrl, fetch });
    } catch (error) {
      expect((error as InvalidInputError).field).toBe('baseUrl');
    }
    expect(fetch.calls).toHaveLength(0);
  });
});

describe('request URL', () => {
  it('puts query values in, leaving undefined ones out', () => {
    const root = 'http://localhost:8080';
    expect(requestUrl(root, '/v1/events', {}, { limit: 10, offset: undefined })).toBe(
      `${root}/v1/events?limit=10`,
    );
    expect(requestUrl(root, '/v1/usage', {}, { kind: undefined })).toBe(`${root}/v1/usage`);
  });

  it('encodes query values', async () => {
    const fetch = fakeFetch(json(200, []));
    await resultOf(clientWith(fetch).gov.listTools({ scope_id: 'agent:bot 1&x=y' }));

    const url = new URL(fetch.calls[0]?.url as string);
    expect(url.pathname).toBe('/v1/tools');
    expect(url.searchParams.get('scope_id')).toBe('agent:bot 1&x=y');
    expect([...url.searchParams.keys()]).toEqual(['scope_id']);
  });

  it.each([
    ['run x/y', 'run%20x%2Fy'],
    ['a?b#c', 'a%3Fb%23c'],
    ['100%', '100%25'],
    ['запуск-✓', '%D0%B7%D0%B0%D0%BF%D1%83%D1%81%D0%BA-%E2%9C%93'],
  ])('encodes the path parameter %j as one segment', async (runId, segment) => {
    const fetch = fakeFetch(json(200, { run_id: runId, events: [] }));
    await resultOf(clientWith(fetch).getRun(runId));

    const url = fetch.calls[0]?.url as string;
    expect(url).toBe(`${BASE_URL}/v1/runs/${segment}`);
    // As fetch resolves it, the path still has the parameter as its one last segment.
    const resolved = new URL(url);
    expect(resolved.pathname).toBe(`/v1/runs/${segment}`);
    expect(resolved.search).toBe('');
    expect(decodeURIComponent(segment)).toBe(runId);
  });

  // fetch parses the URL (WHATWG), which resolves dot segments, percent-encoded ones (`%2E`,
  // `%2E%2E`) too, so no encoding gets `.` or `..` through. Refusing it (InvalidInputError,
  // nothing sent) keeps the call from reaching another endpoint; so would a path that still
  // names the parameter once fetch has resolved it.
  describe.each(['.', '..'])('a path parameter of %j', (value) => {
    it.each<[string, Send, string]>([
      ['gov.getTool', (c) => c.gov.getTool(value), '/v1/tools/{}'],
      ['gov.deleteTool', (c) => c.gov.deleteTool(value), '/v1/tools/{}'],
      ['gov.toggleTool', (c) => c.gov.toggleTool(value, { enabled: false }), '/v1/tools/{}/toggle'],
      ['getRun', (c) => c.getRun(value), '/v1/runs/{}'],
      ['gov.disableAgent', (c) => c.gov.disableAgent(value), '/v1/agents/{}/disable'],
    ])('never reaches another endpoint (%s)', async (_, send, template) => {
      const fetch = fakeFetch(OK);
      const outcome = await track(send(clientWith(fetch))).outcome;

      if (!outcome.ok) {
        expect(outcome.error).toBeInstanceOf(InvalidInputError);
        expect(fetch.calls).toHaveLength(0);
        return;
      }
      const path = new URL(fetch.calls[0]?.url as string).pathname;
      const [before, after] = template.split('{}') as [string, string];
      expect(path.startsWith(before) && path.endsWith(after), `fetch requests ${path}`).toBe(true);
      const segment = path.slice(before.length, path.length - after.length);
      expect(decodeURIComponent(segment), `fetch requests ${path}`).toBe(value);
    });
  });
});
