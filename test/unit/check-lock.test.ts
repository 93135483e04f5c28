import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AbortError,
  AuthenticationError,
  type ClientOptions,
  ConnectionError,
  checkLock,
  InternalServerError,
  InvalidInputError,
  InvalidResponseError,
  type Logger,
  OnceOnly,
  OnceOnlyCore,
  OverLimitError,
  PermissionDeniedError,
  RateLimitError,
  TimeoutError,
  ValidationError,
} from '../../src/index.js';
import {
  echoing,
  jsonResponse,
  networkError,
  type RecordingFetch,
  type Reply,
  recordingFetch,
} from '../support/recording-fetch.js';
import { responseExample } from '../support/spec-examples.js';

const SPEC = fileURLToPath(new URL('../../openapi/onceonly.yaml', import.meta.url));
const example = (status: string, name: string) =>
  responseExample(SPEC, '/v1/check-lock', 'post', status, name) as Record<string, unknown>;

const LOCKED = example('200', 'locked');
const DUPLICATE = example('200', 'duplicate');
const DUPLICATE_409 = example('409', 'duplicate_blocked');
const FIRST_SEEN_409 = (DUPLICATE_409.detail as { first_seen_at: string }).first_seen_at;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function spyLogger() {
  type LogFn = (message: string) => void;
  const logger = {
    error: vi.fn<LogFn>(),
    warn: vi.fn<LogFn>(),
    info: vi.fn<LogFn>(),
    debug: vi.fn<LogFn>(),
  };
  return logger satisfies Logger;
}

function clientWith(fetch: RecordingFetch, options: ClientOptions = {}): OnceOnly {
  return new OnceOnly({
    apiKey: 'once_live_unit_key',
    baseUrl: 'https://api.test',
    fetch,
    ...options,
  });
}

/** Awaits `promise` while running the fake timers it waits on (timeouts, retry backoff). */
async function settle<T>(promise: PromiseLike<T>): Promise<T> {
  const outcome = Promise.resolve(promise).then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  await vi.runAllTimersAsync();
  const result = await outcome;
  if (!result.ok) throw result.error;
  return result.value;
}

/** The error `promise` rejects with, timers run; fails when it resolves. */
async function failure(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await settle(promise);
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

function sentRequestId(fetch: RecordingFetch, call = 0): string | null {
  return fetch.calls[call]?.headers.get('X-Request-Id') ?? null;
}

beforeEach(() => {
  vi.useFakeTimers();
  // The log level must come from the options, not from the machine running the tests.
  vi.stubEnv('ONCEONLY_LOG', '');
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

describe('checkLock result for the spec examples', () => {
  it('the `locked` example: this call claimed the key, with the fields callers use', async () => {
    const fetch = recordingFetch(echoing(200, LOCKED));
    const result = await clientWith(fetch).checkLock({ key: String(LOCKED.key), ttl: 3600 });

    expect(result).toEqual({
      locked: true,
      duplicate: false,
      status: 'locked',
      key: LOCKED.key,
      ttl: LOCKED.ttl,
      first_seen_at: null,
      request_id: sentRequestId(fetch),
      ambiguousDuplicate: false,
      failedOpen: null,
    });
    expect(result.request_id).toMatch(UUID);
  });

  it('the `duplicate` example: the key was claimed before, with first_seen_at', async () => {
    const fetch = recordingFetch(echoing(200, DUPLICATE));
    const result = await clientWith(fetch).checkLock({ key: String(DUPLICATE.key), ttl: 3600 });

    expect(result).toEqual({
      locked: false,
      duplicate: true,
      status: 'duplicate',
      key: DUPLICATE.key,
      ttl: DUPLICATE.ttl,
      first_seen_at: DUPLICATE.first_seen_at,
      request_id: sentRequestId(fetch),
      ambiguousDuplicate: false,
      failedOpen: null,
    });
    expect(result.first_seen_at).toBe('2026-03-31T10:30:00Z');
  });

  it('ttl is the effective TTL the server answered, not the one requested', async () => {
    const fetch = recordingFetch(echoing(200, { ...LOCKED, ttl: 10 }));
    const result = await clientWith(fetch).checkLock({ key: 'k', ttl: 1 });

    expect(result.ttl).toBe(10);
  });

  it("request_id is the server's X-Request-Id when it answers with one", async () => {
    const fetch = recordingFetch(jsonResponse(200, LOCKED, { 'X-Request-Id': 'req_server_1' }));
    const result = await clientWith(fetch).checkLock({ key: 'k' });

    expect(result.request_id).toBe('req_server_1');
  });

  it('request_id is the id the SDK sent when the response has none', async () => {
    const fetch = recordingFetch(jsonResponse(200, LOCKED));
    const result = await clientWith(fetch).checkLock({ key: 'k' });

    expect(result.request_id).toBe(sentRequestId(fetch));
    expect(result.request_id).toMatch(UUID);
  });

  it('withResponse() gives the raw 200 response next to the result', async () => {
    const fetch = recordingFetch(echoing(200, LOCKED));
    const { data, response } = await clientWith(fetch).checkLock({ key: 'k' }).withResponse();

    expect(data.locked).toBe(true);
    expect(response?.status).toBe(200);
  });
});

describe('checkLock status order: body status, then X-OnceOnly-Status, then success', () => {
  const base = { key: 'k', ttl: 60, first_seen_at: null };
  const cases: {
    name: string;
    body: Record<string, unknown>;
    header?: string;
    status: 'locked' | 'duplicate';
  }[] = [
    {
      name: 'body status wins over the header and success (case-insensitive)',
      body: { ...base, status: 'LOCKED', success: false },
      header: 'duplicate',
      status: 'locked',
    },
    {
      name: 'body status `Duplicate` wins over success: true',
      body: { ...base, status: 'Duplicate', success: true },
      header: 'locked',
      status: 'duplicate',
    },
    {
      name: 'without a body status the header decides, over success (case-insensitive)',
      body: { ...base, success: true },
      header: 'DUPLICATE',
      status: 'duplicate',
    },
    {
      name: 'without a body status the header `locked` wins over success: false',
      body: { ...base, success: false },
      header: 'Locked',
      status: 'locked',
    },
    {
      name: 'a body status that is neither value falls through to the header',
      body: { ...base, status: 'pending', success: true },
      header: 'duplicate',
      status: 'duplicate',
    },
    {
      name: 'without status nor header, success: true is locked',
      body: { ...base, success: true },
      status: 'locked',
    },
    {
      name: 'without status nor header, success: false is a duplicate',
      body: { ...base, success: false },
      status: 'duplicate',
    },
    {
      name: 'an unusable header falls through to success',
      body: { ...base, status: null, success: false },
      header: 'maybe',
      status: 'duplicate',
    },
  ];

  it.each(cases)('$name', async ({ body, header, status }) => {
    const headers: Record<string, string> = header ? { 'X-OnceOnly-Status': header } : {};
    const fetch = recordingFetch(jsonResponse(200, body, headers));
    const result = await clientWith(fetch).checkLock({ key: 'k' });

    expect(result.status).toBe(status);
    expect(result.locked).toBe(status === 'locked');
    expect(result.duplicate).toBe(status === 'duplicate');
  });

  it('a body with no status, no header and no success is an InvalidResponseError', async () => {
    const fetch = recordingFetch(jsonResponse(200, { key: 'k', ttl: 60 }));
    const error = await failure(clientWith(fetch).checkLock({ key: 'k' }));

    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error).toMatchObject({ status: 200, body: '{"key":"k","ttl":60}' });
  });

  it('a success that is not a boolean does not count: InvalidResponseError', async () => {
    const fetch = recordingFetch(jsonResponse(200, { key: 'k', success: 'true' }));

    expect(await failure(clientWith(fetch).checkLock({ key: 'k' }))).toBeInstanceOf(
      InvalidResponseError,
    );
  });
});

describe('checkLock on a server in 409 mode: a duplicate result, not an error', () => {
  it('answers duplicate with first_seen_at from detail and the requested ttl', async () => {
    const fetch = recordingFetch(echoing(409, DUPLICATE_409, { 'X-OnceOnly-Status': 'duplicate' }));
    const { data, response } = await clientWith(fetch)
      .checkLock({ key: 'order:42', ttl: 120 })
      .withResponse();

    expect(data).toEqual({
      locked: false,
      duplicate: true,
      status: 'duplicate',
      key: 'order:42',
      ttl: 120,
      first_seen_at: FIRST_SEEN_409,
      request_id: sentRequestId(fetch),
      ambiguousDuplicate: false,
      failedOpen: null,
    });
    expect(response?.status).toBe(409);
    expect(fetch.calls).toHaveLength(1);
  });

  it('ttl is null when the call gave none (the 409 body does not say)', async () => {
    const fetch = recordingFetch(echoing(409, DUPLICATE_409));
    const result = await clientWith(fetch).checkLock({ key: 'order:42' });

    expect(result.duplicate).toBe(true);
    expect(result.ttl).toBeNull();
    expect(result.first_seen_at).toBe(FIRST_SEEN_409);
  });

  it('a 409 is a duplicate even without the X-OnceOnly-Status header', async () => {
    const fetch = recordingFetch(jsonResponse(409, DUPLICATE_409));
    const result = await clientWith(fetch).checkLock({ key: 'order:42', ttl: 30 });

    expect(result.status).toBe('duplicate');
  });
});

describe('checkLock ambiguousDuplicate: a duplicate that may be this call’s own claim', () => {
  const duplicate = echoing(200, DUPLICATE);
  const locked = echoing(200, LOCKED);
  const serverError = jsonResponse(500, { detail: 'Internal Server Error' });

  const cases: { first: string; reply: () => Reply; ambiguous: boolean }[] = [
    { first: 'timed out', reply: () => 'hang', ambiguous: true },
    {
      first: 'lost its connection after it may have been sent (ECONNRESET)',
      reply: () => networkError('ECONNRESET'),
      ambiguous: true,
    },
    { first: 'got a 500', reply: () => serverError, ambiguous: true },
    {
      first: 'got a 502',
      reply: () => jsonResponse(502, { detail: 'Bad Gateway' }),
      ambiguous: true,
    },
    {
      first: 'got a 429 (not processed)',
      reply: () => jsonResponse(429, { detail: { error: 'rate_limited' } }),
      ambiguous: false,
    },
    {
      first: 'got a 503 (not processed)',
      reply: () => jsonResponse(503, { detail: 'Service Unavailable' }),
      ambiguous: false,
    },
    {
      first: 'was refused a connection, so nothing was sent (ECONNREFUSED)',
      reply: () => networkError('ECONNREFUSED'),
      ambiguous: false,
    },
  ];

  it.each(cases)(
    'first attempt $first, retry answers duplicate: ambiguousDuplicate $ambiguous',
    async ({ reply, ambiguous }) => {
      const fetch = recordingFetch(reply(), duplicate);
      const result = await settle(clientWith(fetch, { timeoutMs: 1000 }).checkLock({ key: 'k' }));

      expect(fetch.calls).toHaveLength(2);
      expect(result.duplicate).toBe(true);
      expect(result.ambiguousDuplicate).toBe(ambiguous);
    },
  );

  it('the retry carries the same X-Request-Id as the first attempt', async () => {
    const fetch = recordingFetch('hang', duplicate);
    const result = await settle(clientWith(fetch, { timeoutMs: 1000 }).checkLock({ key: 'k' }));

    const first = sentRequestId(fetch, 0);
    expect(first).toMatch(UUID);
    expect(sentRequestId(fetch, 1)).toBe(first);
    expect(result.request_id).toBe(first);
  });

  it('a duplicate answered at the first attempt is not ambiguous', async () => {
    const fetch = recordingFetch(duplicate);
    const result = await clientWith(fetch).checkLock({ key: 'k' });

    expect(result.duplicate).toBe(true);
    expect(result.ambiguousDuplicate).toBe(false);
  });

  it('a retry answered `locked` after a timeout is not ambiguous', async () => {
    const fetch = recordingFetch('hang', locked);
    const result = await settle(clientWith(fetch, { timeoutMs: 1000 }).checkLock({ key: 'k' }));

    expect(fetch.calls).toHaveLength(2);
    expect(result.locked).toBe(true);
    expect(result.ambiguousDuplicate).toBe(false);
  });

  it('a 409 duplicate after a 500 is ambiguous too', async () => {
    const fetch = recordingFetch(serverError, echoing(409, DUPLICATE_409));
    const result = await settle(clientWith(fetch).checkLock({ key: 'k', ttl: 60 }));

    expect(result.duplicate).toBe(true);
    expect(result.ambiguousDuplicate).toBe(true);
  });
});

describe('checkLock fail-open is off by default: outages throw', () => {
  it('timeouts on every attempt throw TimeoutError after the retries', async () => {
    const fetch = recordingFetch('hang', 'hang', 'hang');
    const error = await failure(clientWith(fetch, { timeoutMs: 1000 }).checkLock({ key: 'k' }));

    expect(error).toBeInstanceOf(TimeoutError);
    expect(fetch.calls).toHaveLength(3);
  });

  it('connection failures on every attempt throw ConnectionError', async () => {
    const reset = () => networkError('ECONNRESET');
    const fetch = recordingFetch(reset(), reset(), reset());
    const error = await failure(clientWith(fetch).checkLock({ key: 'k' }));

    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).not.toBeInstanceOf(TimeoutError);
    expect(fetch.calls).toHaveLength(3);
  });

  it('a 500 on every attempt throws InternalServerError', async () => {
    const fail = () => jsonResponse(500, { detail: 'Internal Server Error' });
    const fetch = recordingFetch(fail(), fail(), fail());
    const error = await failure(clientWith(fetch).checkLock({ key: 'k' }));

    expect(error).toBeInstanceOf(InternalServerError);
    expect(error).toMatchObject({ status: 500 });
    expect(fetch.calls).toHaveLength(3);
  });

  it('the per-call failOpen: false overrides a client with failOpen: true', async () => {
    const fetch = recordingFetch(networkError('ECONNRESET'));
    const client = clientWith(fetch, { failOpen: true, maxRetries: 0 });
    const error = await failure(client.checkLock({ key: 'k' }, { failOpen: false }));

    expect(error).toBeInstanceOf(ConnectionError);
  });
});

describe('checkLock fail-open on: an outage answers locked, marked failedOpen', () => {
  const cases: {
    outage: string;
    reply: () => Reply;
    reason: 'timeout' | 'connection_error' | 'server_error';
    errorClass: abstract new (...args: never[]) => ConnectionError | InternalServerError;
  }[] = [
    { outage: 'timeouts', reply: () => 'hang', reason: 'timeout', errorClass: TimeoutError },
    {
      outage: 'connection failures',
      reply: () => networkError('ECONNRESET'),
      reason: 'connection_error',
      errorClass: ConnectionError,
    },
    {
      outage: '500s',
      reply: () => jsonResponse(500, { detail: 'Internal Server Error' }),
      reason: 'server_error',
      errorClass: InternalServerError,
    },
    {
      outage: '503s',
      reply: () => jsonResponse(503, { detail: 'Service Unavailable' }),
      reason: 'server_error',
      errorClass: InternalServerError,
    },
  ];

  describe.each([
    { how: 'the client option', client: { failOpen: true }, call: {} },
    { how: 'the per-call option', client: {}, call: { failOpen: true } },
  ])('turned on by $how', ({ client, call }) => {
    it.each(cases)(
      '$outage after the retries give locked with failedOpen.reason $reason',
      async ({ reply, reason, errorClass }) => {
        const logger = spyLogger();
        const fetch = recordingFetch(reply(), reply(), reply());
        const sdk = clientWith(fetch, { ...client, timeoutMs: 1000, logger });
        const { data, response } = await settle(
          sdk.checkLock({ key: 'job:7', ttl: 300 }, call).withResponse(),
        );

        expect(fetch.calls).toHaveLength(3);
        expect(data).toEqual({
          locked: true,
          duplicate: false,
          status: 'locked',
          key: 'job:7',
          ttl: 300,
          first_seen_at: null,
          request_id: expect.any(String),
          ambiguousDuplicate: false,
          failedOpen: { reason, error: expect.any(errorClass) },
        });
        expect(response).toBeNull();
        const warnings = logger.warn.mock.calls.map(([line]) => String(line));
        expect(warnings.filter((line) => line.includes('failed open'))).toEqual([
          expect.stringContaining(`(${reason})`),
        ]);
      },
    );
  });

  it('the failedOpen result carries the X-Request-Id that was sent', async () => {
    const fetch = recordingFetch(networkError('ECONNRESET'));
    const result = await settle(
      clientWith(fetch, { failOpen: true, maxRetries: 0 }).checkLock({ key: 'k' }),
    );

    expect(result.request_id).toBe(sentRequestId(fetch));
    expect(result.failedOpen?.error.name).toBe('ConnectionError');
    expect(result.ttl).toBeNull();
  });

  const refusals: { status: number; body: unknown; errorClass: new (...args: never[]) => Error }[] =
    [
      {
        status: 401,
        body: { detail: 'Missing Authorization Bearer token' },
        errorClass: AuthenticationError,
      },
      {
        status: 402,
        body: { detail: { error: 'payment_required', plan: 'free' } },
        errorClass: OverLimitError,
      },
      {
        status: 403,
        body: { detail: { error: 'feature_not_available', message: 'no' } },
        errorClass: PermissionDeniedError,
      },
      { status: 403, body: { detail: 'Invalid API key' }, errorClass: AuthenticationError },
      {
        status: 422,
        body: { detail: [{ type: 'missing', loc: ['body', 'key'], msg: 'Field required' }] },
        errorClass: ValidationError,
      },
      { status: 429, body: { detail: { error: 'rate_limited' } }, errorClass: RateLimitError },
    ];

  it.each(refusals)(
    'a $status answer still throws $errorClass.name with failOpen on',
    async ({ status, body, errorClass }) => {
      const logger = spyLogger();
      const reply = () => jsonResponse(status, body);
      const fetch = recordingFetch(reply(), reply(), reply());
      const sdk = clientWith(fetch, { failOpen: true, logger });
      const error = await failure(sdk.checkLock({ key: 'k' }, { failOpen: true }));

      expect(error).toBeInstanceOf(errorClass);
      expect(error).toMatchObject({ status });
      const warnings = logger.warn.mock.calls.map(([line]) => String(line));
      expect(warnings.some((line) => line.includes('failed open'))).toBe(false);
    },
  );

  it('a caller abort during the request throws AbortError, not a fail-open result', async () => {
    const controller = new AbortController();
    const fetch = recordingFetch(() => {
      controller.abort();
      throw new DOMException('This operation was aborted', 'AbortError');
    });
    const sdk = clientWith(fetch, { failOpen: true });
    const error = await failure(sdk.checkLock({ key: 'k' }, { signal: controller.signal }));

    expect(error).toBeInstanceOf(AbortError);
    expect(fetch.calls).toHaveLength(1);
  });

  it('a caller abort while waiting to retry after a 500 throws AbortError', async () => {
    const controller = new AbortController();
    const fetch = recordingFetch(() => {
      // Aborts during the backoff that follows this 500 (backoff is at least 375 ms).
      setTimeout(() => controller.abort(), 10);
      return jsonResponse(500, { detail: 'Internal Server Error' });
    });
    const sdk = clientWith(fetch, { failOpen: true });
    const error = await failure(sdk.checkLock({ key: 'k' }, { signal: controller.signal }));

    expect(error).toBeInstanceOf(AbortError);
    expect(fetch.calls).toHaveLength(1);
  });
});

describe('checkLock validates its input before sending anything', () => {
  // 'é' is 2 bytes in UTF-8: 8 bytes of `{"a":""}` + 1020 × 2 + 1 = 2049 bytes, 1029 characters.
  const metadata2049Bytes = { a: `${'é'.repeat(1020)}x` };
  const metadata2048Bytes = { a: 'é'.repeat(1020) };

  const cases: { name: string; params: Record<string, unknown>; field: string }[] = [
    { name: 'an empty key', params: { key: '' }, field: 'key' },
    { name: 'a key of 257 characters', params: { key: 'k'.repeat(257) }, field: 'key' },
    { name: 'a key that is not a string', params: { key: 42 }, field: 'key' },
    { name: 'no key', params: {}, field: 'key' },
    { name: 'a ttl of 1.5', params: { key: 'k', ttl: 1.5 }, field: 'ttl' },
    { name: 'a ttl of 0', params: { key: 'k', ttl: 0 }, field: 'ttl' },
    { name: "a ttl of '60' (a string)", params: { key: 'k', ttl: '60' }, field: 'ttl' },
    {
      name: 'metadata of 2049 UTF-8 bytes (1021 characters)',
      params: { key: 'k', metadata: metadata2049Bytes },
      field: 'metadata',
    },
    { name: 'metadata that is an array', params: { key: 'k', metadata: [1] }, field: 'metadata' },
    {
      name: 'metadata holding a BigInt (not JSON)',
      params: { key: 'k', metadata: { amount: 10n } },
      field: 'metadata',
    },
    {
      name: 'both meta and metadata',
      params: { key: 'k', meta: { a: 1 }, metadata: { b: 2 } },
      field: 'meta',
    },
  ];

  it.each(cases)(
    'refuses $name with InvalidInputError naming `$field`',
    async ({ params, field }) => {
      const fetch = recordingFetch();
      const promise = clientWith(fetch).checkLock(params as never);

      const error = await failure(promise);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error).toMatchObject({ field });
      expect(fetch.calls).toHaveLength(0);
    },
  );

  it('accepts the limits: a 256-character key, ttl 1, metadata of 2048 bytes', async () => {
    const fetch = recordingFetch(echoing(200, LOCKED));
    await clientWith(fetch).checkLock({
      key: 'k'.repeat(256),
      ttl: 1,
      metadata: metadata2048Bytes,
    });

    expect(fetch.calls).toHaveLength(1);
    expect(new TextEncoder().encode(fetch.calls[0]?.body ?? '').length).toBe(
      2048 + '{"key":"","ttl":1,"metadata":}'.length + 256,
    );
  });
});

describe('checkLock sends exactly {key, ttl?, metadata?}', () => {
  it('sends key, ttl and metadata as given, to POST /v1/check-lock', async () => {
    const fetch = recordingFetch(echoing(200, LOCKED));
    const metadata = { invoice_id: 'INV-123', amount_usd: 49 };
    await clientWith(fetch).checkLock({ key: 'payment:invoice:INV-123', ttl: 3600, metadata });

    const [request] = fetch.calls;
    expect(request?.method).toBe('POST');
    expect(request?.url.href).toBe('https://api.test/v1/check-lock');
    expect(request?.json).toStrictEqual({ key: 'payment:invoice:INV-123', ttl: 3600, metadata });
    expect(request?.headers.get('Content-Type')).toBe('application/json');
  });

  it('leaves ttl and metadata out when they are not given', async () => {
    const fetch = recordingFetch(echoing(200, LOCKED));
    await clientWith(fetch).checkLock({ key: 'k' });

    expect(fetch.calls[0]?.body).toBe('{"key":"k"}');
  });

  it('sends `meta` (the Python SDK’s name) as `metadata`', async () => {
    const fetch = recordingFetch(echoing(200, LOCKED));
    await clientWith(fetch).checkLock({ key: 'k', meta: { source: 'python-port' } });

    expect(fetch.calls[0]?.json).toStrictEqual({ key: 'k', metadata: { source: 'python-port' } });
  });

  it('refuses a field that is not key, ttl, metadata or meta (a misspelt `tll`)', async () => {
    // A typo must not silently drop the TTL: the spec's request bodies are closed so that a
    // misspelt field is refused, as the SDK's other methods (and ai.lease) refuse it.
    const fetch = recordingFetch(echoing(200, LOCKED));
    const params = { key: 'k', tll: 60 };
    const error = await failure(clientWith(fetch).checkLock(params as never));

    expect(fetch.calls.map((request) => request.body)).toEqual([]);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toContain('tll');
  });
});

describe('checkLock(client, params): the same call for a client without methods', () => {
  function coreWith(fetch: RecordingFetch, options: ClientOptions = {}): OnceOnlyCore {
    return new OnceOnlyCore({
      apiKey: 'once_live_unit_key',
      baseUrl: 'https://api.test',
      fetch,
      ...options,
    });
  }

  it('claims a key with an OnceOnlyCore, as the method does', async () => {
    const fetch = recordingFetch(echoing(200, LOCKED), echoing(200, DUPLICATE));
    const core = coreWith(fetch);

    const first = await settle(checkLock(core, { key: 'order:1', ttl: 60 }));
    const second = await settle(checkLock(core, { key: 'order:1', ttl: 60 }));

    expect(first).toMatchObject({ locked: true, duplicate: false, status: 'locked' });
    expect(second).toMatchObject({ locked: false, duplicate: true, status: 'duplicate' });
    expect(second.first_seen_at).toBe(DUPLICATE.first_seen_at);
    expect(fetch.calls.map((call) => [call.method, String(call.url), call.body])).toEqual([
      ['POST', 'https://api.test/v1/check-lock', '{"key":"order:1","ttl":60}'],
      ['POST', 'https://api.test/v1/check-lock', '{"key":"order:1","ttl":60}'],
    ]);
  });

  it('works with an OnceOnly client too, which is an OnceOnlyCore', async () => {
    const client = clientWith(recordingFetch(echoing(200, LOCKED)));
    expect(client).toBeInstanceOf(OnceOnlyCore);
    expect(await settle(checkLock(client, { key: 'order:1' }))).toMatchObject({ locked: true });
  });

  it('follows the client’s failOpen, and the call’s over it', async () => {
    const outage = () => recordingFetch(networkError('ECONNRESET'));
    const open = coreWith(outage(), { failOpen: true, maxRetries: 0 });
    const closed = coreWith(outage(), { maxRetries: 0 });

    expect((await settle(checkLock(open, { key: 'k' }))).failedOpen?.reason).toBe(
      'connection_error',
    );
    expect(await failure(checkLock(closed, { key: 'k' }))).toBeInstanceOf(ConnectionError);
    expect((await settle(checkLock(closed, { key: 'k' }, { failOpen: true }))).locked).toBe(true);
  });

  it('refuses what is not a client, and a failOpen that is not a boolean', async () => {
    const fetch = recordingFetch(echoing(200, LOCKED));
    const notClient = { checkLock: () => undefined } as unknown as OnceOnlyCore;

    expect(await failure(checkLock(notClient, { key: 'k' }))).toMatchObject({ field: 'client' });
    expect(() => coreWith(fetch, { failOpen: 'yes' as never })).toThrow(InvalidInputError);
    const error = await failure(checkLock(coreWith(fetch), { key: 'k' }, { failOpen: 1 as never }));
    expect(error).toMatchObject({ field: 'options.failOpen' });
    expect(fetch.calls).toHaveLength(0);
  });
});
