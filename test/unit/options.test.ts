// Options and inputs that are easy to get wrong are refused loudly, with a message that says
// what to do, instead of being ignored.

import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { InternalServerError, InvalidInputError, OnceOnly } from '../../src/index.js';
import {
  API_KEY,
  BASE_URL,
  clientWith,
  fakeFetch,
  fetchFailed,
  json,
  LOCKED,
  text,
} from '../support/fake-fetch.js';

async function rejection(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('client options', () => {
  it('refuses a misspelt option instead of silently using production (baseURL)', () => {
    const construct = () =>
      new OnceOnly({ apiKey: API_KEY, baseURL: 'http://localhost:8080' } as never);
    expect(construct).toThrow(InvalidInputError);
    expect(construct).toThrow(/options\.baseURL is not a field of options/);
  });

  it('accepts options given as undefined, as from an unset environment variable', () => {
    const client = new OnceOnly({ apiKey: API_KEY, baseUrl: undefined, timeoutMs: undefined });
    expect(client.baseUrl).toBe('https://api.onceonly.tech/v1');
  });

  it('refuses a timeoutMs beyond 2^31-1 ms, which a timer would fire at once', () => {
    const fetch = fakeFetch(json(200, LOCKED));
    const construct = () => clientWith(fetch, { timeoutMs: 2 ** 31 });
    expect(construct).toThrow(InvalidInputError);
    expect(construct).toThrow(/timeoutMs must be/);
    expect(() => clientWith(fetch, { timeoutMs: 2 ** 31 - 1 })).not.toThrow();
  });

  it.each([
    ['a string', 'nope', 'fetch must be a function (got string)'],
    ['null', null, 'fetch must be a function (got null)'],
    ['an object', { fetch: () => {} }, 'fetch must be a function (got object)'],
  ])(
    'refuses a fetch that is %s, which would fail (or fail open) every call',
    (_, fetch, message) => {
      const construct = () => new OnceOnly({ apiKey: API_KEY, fetch, failOpen: true } as never);
      expect(construct).toThrow(InvalidInputError);
      expect(construct).toThrow(message);
    },
  );

  it.each([
    ['a line break', 'bad\nagent'],
    ['a character beyond Latin-1', 'agent-✓'],
    ['a control character', 'agent\u0000'],
    ['a number', 42],
  ])('refuses a userAgent with %s, which no runtime would send', (_, userAgent) => {
    const fetch = fakeFetch(json(200, LOCKED));
    const construct = () => clientWith(fetch, { userAgent: userAgent as string, failOpen: true });
    expect(construct).toThrow(InvalidInputError);
    expect(construct).toThrow(/^userAgent must be a string of Latin-1 characters/);
  });

  it('accepts a userAgent of Latin-1 text, and null', () => {
    const fetch = fakeFetch(json(200, LOCKED));
    expect(() => clientWith(fetch, { userAgent: 'my-app/1.0 (café)' })).not.toThrow();
    expect(() => clientWith(fetch, { userAgent: null })).not.toThrow();
  });

  it('says to add the scheme to a base URL without one', () => {
    expect(() => new OnceOnly({ apiKey: API_KEY, baseUrl: 'localhost:8080' })).toThrow(
      'baseUrl must start with http:// or https:// (got localhost:8080)',
    );
  });
});

describe('per-call options', () => {
  it('refuses an unknown option before sending anything', async () => {
    const fetch = fakeFetch(json(200, LOCKED));
    const error = await rejection(clientWith(fetch).me({ timeout: 100 } as never));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe('options.timeout');
    expect(fetch.calls).toHaveLength(0);
  });

  it('refuses a per-call timeoutMs beyond 2^31-1 ms before sending anything', async () => {
    const fetch = fakeFetch(json(200, LOCKED));
    const error = await rejection(clientWith(fetch).me({ timeoutMs: 2 ** 31 }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe('timeoutMs');
    expect(fetch.calls).toHaveLength(0);
  });

  it('refuses a signal that is not an AbortSignal', async () => {
    const fetch = fakeFetch(json(200, LOCKED));
    const error = await rejection(clientWith(fetch).me({ signal: {} as AbortSignal }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe('options.signal must be an AbortSignal (got object)');
    expect(fetch.calls).toHaveLength(0);
  });

  it('points a per-call option given among the params to the last argument', async () => {
    const fetch = fakeFetch(json(200, LOCKED));
    const error = await rejection(
      clientWith(fetch).checkLock({ key: 'k', timeoutMs: 100 } as never),
    );
    expect((error as Error).message).toMatch(/go in the last argument/);
    expect(fetch.calls).toHaveLength(0);
  });

  it('refuses an unknown wait option', async () => {
    const fetch = fakeFetch(json(200, LOCKED));
    const error = await rejection(clientWith(fetch).ai.wait('k', { deadline: 5 } as never));
    expect((error as InvalidInputError).field).toBe('options.deadline');
    expect(fetch.calls).toHaveLength(0);
  });

  it('runAndWait says it needs a key when given a tool call', async () => {
    const fetch = fakeFetch(json(200, LOCKED));
    const error = await rejection(
      clientWith(fetch).ai.runAndWait({ agent_id: 'bot', tool: 't' } as never),
    );
    expect((error as Error).message).toBe('params needs `key`: runAndWait starts keyed runs');
    expect(fetch.calls).toHaveLength(0);
  });
});

describe('a fetch option that does not behave as fetch', () => {
  // Each is a bug of the function given: retrying cannot help, and failing open on it would
  // turn deduplication off for good.
  const misbehaving: [string, () => unknown, string][] = [
    [
      'throws instead of returning a promise',
      () => {
        throw new TypeError('wrapper is broken');
      },
      'fetch threw instead of returning a promise',
    ],
    [
      'returns something other than a promise',
      () => new Response('{}'),
      'fetch must return a promise',
    ],
    [
      'resolves to something other than a Response',
      async () => ({ ok: true }),
      'fetch must give a Response',
    ],
    ['resolves to nothing', async () => undefined, 'fetch must give a Response'],
  ];

  it.each(misbehaving)(
    'that %s is an InvalidInputError, not retried, not failed open',
    async (_, impl, message) => {
      let calls = 0;
      const fetch = (() => {
        calls++;
        return impl();
      }) as never;
      const error = await rejection(clientWith(fetch, { failOpen: true }).checkLock({ key: 'k' }));

      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error).toMatchObject({ field: 'fetch', message });
      expect(calls).toBe(1);
    },
  );

  it('keeps the API key out of what a throwing fetch said', async () => {
    const fetch = (() => {
      throw new Error(`cannot sign Bearer ${API_KEY}`);
    }) as never;
    const error = await rejection(clientWith(fetch).me());

    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe('fetch threw instead of returning a promise');
    expect((error as Error).cause).toMatchObject({ message: 'cannot sign Bearer [redacted]' });
    expect(inspect(error, { depth: Infinity })).not.toContain(API_KEY);
  });

  it('still counts a rejecting fetch as a connection failure, which may fail open', async () => {
    const result = await clientWith(fakeFetch(fetchFailed('ECONNRESET')), {
      failOpen: true,
      maxRetries: 0,
    }).checkLock({ key: 'k' });

    expect(result.failedOpen?.reason).toBe('connection_error');
  });
});

describe('error messages name what failed', () => {
  it('a connection error names the method and the URL', async () => {
    const client = clientWith(fakeFetch(fetchFailed('ECONNREFUSED')), { maxRetries: 0 });
    const error = await rejection(client.gov.getTool('send_email'));
    expect((error as Error).message).toBe(
      `Connection error on GET ${BASE_URL}/v1/tools/send_email: fetch failed (ECONNREFUSED)`,
    );
  });

  it('a proxy page instead of the API names what answered', async () => {
    const page = '<html>\n  <body><h1>502 Bad Gateway</h1></body>\n</html>';
    const client = clientWith(fakeFetch(text(502, page)), { maxRetries: 0 });
    const error = await rejection(client.me());
    expect(error).toBeInstanceOf(InternalServerError);
    expect((error as Error).message).toMatch(
      /^502 \(a body that is not the API's JSON: <html> <body><h1>502 Bad Gateway<\/h1>/,
    );
  });
});
