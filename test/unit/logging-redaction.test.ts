// What the SDK logs, and that neither the API key nor a tool secret reaches an error or a log
// line, even when the server echoes them back.

import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type ApiError,
  ConnectionError,
  InternalServerError,
  InvalidInputError,
  InvalidResponseError,
  type Logger,
  type LogLevel,
  OnceOnly,
  ValidationError,
} from '../../src/index.js';
import {
  API_KEY,
  BASE_URL,
  clientWith,
  delayed,
  EVENT,
  errorReply,
  failureOf,
  fakeFetch,
  fetchFailed,
  json,
  neverAnswers,
  resultOf,
  TOOL,
  text,
} from '../support/fake-fetch.js';

const ME = json(200, { id: 'acct_1' });
const SECRET = TOOL.auth.secret;

function spyLogger() {
  const logger = {
    error: vi.fn<Logger['error']>(),
    warn: vi.fn<Logger['warn']>(),
    info: vi.fn<Logger['info']>(),
    debug: vi.fn<Logger['debug']>(),
  };
  const lines = () =>
    [logger.error, logger.warn, logger.info, logger.debug].flatMap((fn) =>
      fn.mock.calls.map((args) => args.map(String).join(' ')),
    );
  return { logger, lines };
}

function spyConsole() {
  return (['log', 'error', 'warn', 'info', 'debug'] as const).map((method) =>
    vi.spyOn(console, method).mockImplementation(() => {}),
  );
}

/** Every place an error could show a value: its message, detail and body. */
function errorText(error: unknown): string {
  const { message, detail, body } = error as ApiError;
  return [message, JSON.stringify(detail), typeof body === 'string' ? body : JSON.stringify(body)]
    .filter(Boolean)
    .join('\n');
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.stubEnv('ONCEONLY_LOG', undefined);
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('the API key is never shown', () => {
  it('is redacted from an error whose body echoes it, and from the log', async () => {
    const echo = { detail: `Invalid API key ${API_KEY}`, received: { authorization: API_KEY } };
    const fetch = fakeFetch(json(401, echo));
    const { logger, lines } = spyLogger();
    const error = await failureOf(clientWith(fetch, { logger, logLevel: 'debug' }).me());

    expect(errorText(error)).not.toContain(API_KEY);
    expect((error as ApiError).message).toContain('[redacted]');
    expect((error as ApiError).body).toEqual({
      detail: 'Invalid API key [redacted]',
      received: { authorization: '[redacted]' },
    });
    expect(lines().length).toBeGreaterThan(0);
    expect(lines().join('\n')).not.toContain(API_KEY);
  });

  it('is redacted from an HTML error page that echoes it, across retries', async () => {
    const page = `<html><body>Bad gateway for Bearer ${API_KEY}</body></html>`;
    const fetch = fakeFetch(text(502, page, { 'Content-Type': 'text/html' }));
    const { logger, lines } = spyLogger();
    const error = await failureOf(clientWith(fetch, { logger, logLevel: 'debug' }).me());

    expect(fetch.calls).toHaveLength(3);
    expect(error).toBeInstanceOf(InternalServerError);
    expect((error as ApiError).body).toBe(
      '<html><body>Bad gateway for Bearer [redacted]</body></html>',
    );
    expect(errorText(error)).not.toContain(API_KEY);
    expect(lines().join('\n')).not.toContain(API_KEY);
  });
  it('is redacted from the log when a failing fetch puts it in its error', async () => {
    const fetch = fakeFetch(() => Promise.reject(new Error(`proxy refused Bearer ${API_KEY}`)));
    const { logger, lines } = spyLogger();
    await failureOf(clientWith(fetch, { logger, logLevel: 'debug', maxRetries: 1 }).me());

    expect(lines().join('\n')).toContain('proxy refused Bearer [redacted]');
    expect(lines().join('\n')).not.toContain(API_KEY);
  });

  it('is redacted from the ConnectionError when a failing fetch puts it in its error', async () => {
    const fetch = fakeFetch(() => Promise.reject(new Error(`proxy refused Bearer ${API_KEY}`)));
    const error = await failureOf(clientWith(fetch, { maxRetries: 0 }).me());

    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).message).not.toContain(API_KEY);
    // Loggers print the cause with the error: it must not carry the key either.
    expect(String((error as ConnectionError).cause)).not.toContain(API_KEY);
  });
});

describe('a tool secret is never shown', () => {
  it('is redacted from the ConnectionError when a failing fetch puts it in its error', async () => {
    // A fetch's own error may quote the request it could not send, body included.
    const quoting = () =>
      Promise.reject(new Error(`socket hang up sending {"auth":{"secret":"${SECRET}"}}`));
    const error = await failureOf(
      clientWith(fakeFetch(quoting), { maxRetries: 0 }).gov.createTool(TOOL),
    );

    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).message).toContain('"secret":"[redacted]"');
    expect((error as ConnectionError).message).not.toContain(SECRET);
    expect(String((error as ConnectionError).cause)).not.toContain(SECRET);
  });

  it('is redacted from a 422 that echoes the request (FastAPI `input`)', async () => {
    const body = {
      detail: [
        {
          type: 'value_error',
          loc: ['body', 'auth', 'secret'],
          msg: `Value error, secret ${SECRET} is weak`,
          input: SECRET,
        },
        { type: 'url_parsing', loc: ['body', 'url'], msg: 'Input should be a URL', input: TOOL },
      ],
    };
    const fetch = fakeFetch(json(422, body));
    const { logger, lines } = spyLogger();
    const client = clientWith(fetch, { logger, logLevel: 'debug' });
    const error = await failureOf(client.gov.createTool(TOOL));

    expect(error).toBeInstanceOf(ValidationError);
    expect(fetch.calls[0]?.body).toContain(SECRET); // the request itself carries it
    expect(errorText(error)).not.toContain(SECRET);
    expect(JSON.stringify((error as ValidationError).detail)).toContain('[redacted]');
    expect((error as ValidationError).message).toContain('body.auth.secret');
    expect(lines().join('\n')).not.toContain(SECRET);
  });

  it('is redacted from a 500 that echoes it, after retries with logging on', async () => {
    const fetch = fakeFetch(json(500, { detail: `upstream refused secret ${SECRET}` }));
    const { logger, lines } = spyLogger();
    const client = clientWith(fetch, { logger, logLevel: 'debug', maxRetries: 1 });
    const error = await failureOf(client.gov.createTool(TOOL));

    expect(fetch.calls).toHaveLength(2);
    expect(errorText(error)).not.toContain(SECRET);
    expect((error as ApiError).detail).toBe('upstream refused secret [redacted]');
    expect(lines().join('\n')).not.toContain(SECRET);
  });
});

/** The links of an error's cause chain, the error itself first. */
function chainOf(error: unknown): unknown[] {
  const links: unknown[] = [];
  for (let link = error; link !== undefined; link = (link as { cause?: unknown }).cause) {
    links.push(link);
    if (typeof link !== 'object' || link === null) break;
  }
  return links;
}

/** Every text of a link a logger may print: message, stack, code, and the value itself. */
function linkText(link: unknown): string {
  if (typeof link !== 'object' || link === null) return String(link);
  const { message, stack, code } = link as { message?: unknown; stack?: unknown; code?: unknown };
  return [String(link), message, stack, code].map(String).join('\n');
}

/** A rejection as Node's fetch gives it, with `secret` quoted at every level of its cause. */
function nestedFailure(secret: string, code: string): TypeError {
  const innermost = `tls alert for request Authorization: Bearer ${secret}`;
  const inner = Object.assign(new Error(`proxy said: ${secret}`), { code, cause: innermost });
  return new TypeError('fetch failed', { cause: inner });
}

describe('secrets at every level of a connection error’s cause chain', () => {
  it.each([
    ['the API key', API_KEY, (c: OnceOnly) => c.me()],
    ['a tool secret', SECRET, (c: OnceOnly) => c.gov.createTool(TOOL)],
  ])(
    'keeps %s out of every link, message and stack, and keeps each code',
    async (_, secret, send) => {
      const fetch = fakeFetch(() => Promise.reject(nestedFailure(secret, 'ECONNRESET')));
      const error = await failureOf(send(clientWith(fetch, { maxRetries: 0 })));

      expect(error).toBeInstanceOf(ConnectionError);
      const links = chainOf(error);
      expect(links).toHaveLength(4);
      for (const link of links) expect(linkText(link)).not.toContain(secret);
      expect(inspect(error, { depth: Infinity })).not.toContain(secret);

      const [, outer, inner, innermost] = links as [unknown, Error, Error, string];
      expect(outer).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
      expect(inner).toMatchObject({ message: 'proxy said: [redacted]', code: 'ECONNRESET' });
      expect(innermost).toBe('tls alert for request Authorization: Bearer [redacted]');
    },
  );

  it('drops what else an error holds, such as the request a library kept on it', async () => {
    const failure = Object.assign(new Error('Network Error'), {
      config: { headers: { Authorization: `Bearer ${API_KEY}` } },
      code: 'ERR_NETWORK',
    });
    const fetch = fakeFetch(() => Promise.reject(failure));
    const error = await failureOf(clientWith(fetch, { maxRetries: 0 }).me());

    expect(inspect(error, { depth: Infinity })).not.toContain(API_KEY);
    expect((error as ConnectionError).cause).toMatchObject({
      message: 'Network Error',
      code: 'ERR_NETWORK',
    });
  });

  it.each([
    ['a string', () => `refused Bearer ${API_KEY}`, 'refused Bearer [redacted]'],
    [
      'an object',
      () => ({ headers: { authorization: `Bearer ${API_KEY}` } }),
      '{"headers":{"authorization":"Bearer [redacted]"}}',
    ],
  ])('keeps the API key out of a rejection with %s', async (_, reason, shown) => {
    const fetch = fakeFetch(() => Promise.reject(reason()));
    const error = await failureOf(clientWith(fetch, { maxRetries: 0 }).me());

    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).cause).toBe(shown);
    expect((error as ConnectionError).message).toContain(shown);
    expect(inspect(error, { depth: Infinity })).not.toContain(API_KEY);
  });

  it('ends a chain that never ends (a cause of its own) after five links', async () => {
    const loop = new Error(`loop ${API_KEY}`);
    (loop as { cause?: unknown }).cause = loop;
    const fetch = fakeFetch(() => Promise.reject(loop));
    const error = await failureOf(clientWith(fetch, { maxRetries: 0 }).me());

    expect(chainOf(error)).toHaveLength(6);
    expect(inspect(error, { depth: Infinity })).not.toContain(API_KEY);
  });

  it('keeps ECONNREFUSED under a redacted message, so a postEvent is still retried', async () => {
    // Nothing was sent: an append may be repeated, however the rest of the error reads.
    const refused = () =>
      Promise.reject(
        new TypeError(`fetch failed for Bearer ${API_KEY}`, {
          cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
        }),
      );
    const fetch = fakeFetch(refused, json(200, { ok: true, event_id: 1, run_id: 'run_1' }));
    const result = await resultOf(clientWith(fetch).postEvent(EVENT));

    expect(result).toEqual({ ok: true, event_id: 1, run_id: 'run_1' });
    expect(fetch.calls).toHaveLength(2);
  });

  it('keeps a tool secret out of the parser’s error for a body that is not JSON', async () => {
    // V8 quotes a short text whole in its SyntaxError message.
    const secret = 'pa55word';
    const tool = { ...TOOL, auth: { type: 'hmac_sha256' as const, secret } };
    const fetch = fakeFetch(text(200, `ok ${secret}`));
    const error = await failureOf(clientWith(fetch).gov.createTool(tool));

    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as InvalidResponseError).body).toBe('ok [redacted]');
    expect((error as InvalidResponseError).cause).toMatchObject({ name: 'SyntaxError' });
    expect(inspect(error, { depth: Infinity })).not.toContain(secret);
  });
});

describe('logging', () => {
  it('prints nothing by default, even when retrying', async () => {
    const spies = spyConsole();
    const fetch = fakeFetch(errorReply(503), ME);
    await resultOf(new OnceOnly({ apiKey: API_KEY, baseUrl: BASE_URL, fetch }).me());

    expect(fetch.calls).toHaveLength(2);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it('prints to console when a level is set without a logger', async () => {
    const spies = spyConsole();
    const fetch = fakeFetch(errorReply(503), ME);
    await resultOf(clientWith(fetch, { logLevel: 'warn' }).me());

    const [, , warn] = spies;
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn?.mock.calls[0]?.[0])).toMatch(/^\[onceonly\] /);
  });

  it('gives a logger without a level the warnings only', async () => {
    const { logger } = spyLogger();
    const fetch = fakeFetch(errorReply(503), ME);
    await resultOf(clientWith(fetch, { logger }).me());

    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.debug).not.toHaveBeenCalled();
    expect(logger.info).not.toHaveBeenCalled();
  });

  it.each(['off', 'error'] as const)('logs no retry warning at level %s', async (logLevel) => {
    const { logger, lines } = spyLogger();
    const fetch = fakeFetch(errorReply(503), ME);
    await resultOf(clientWith(fetch, { logger, logLevel }).me());

    expect(fetch.calls).toHaveLength(2);
    expect(lines()).toEqual([]);
  });

  it('logs one debug line per attempt: method, path, status, duration, attempt, request id', async () => {
    const { logger } = spyLogger();
    const fetch = fakeFetch(
      delayed(40, errorReply(503)),
      delayed(25, json(200, { id: 'acct_1' }, { 'X-Request-Id': 'srv-2' })),
    );
    await resultOf(clientWith(fetch, { logger, logLevel: 'debug' }).me());

    const sent = fetch.calls[0]?.headers.get('X-Request-Id') as string;
    const lines = logger.debug.mock.calls.map((args) => String(args[0]));
    expect(lines).toHaveLength(2);
    const [first, second] = lines as [string, string];
    expect(first).toMatch(/^\[onceonly\] GET \/v1\/me 503 /);
    expect(first).toMatch(/\b40 ms\b/);
    expect(first).toContain('attempt 1/3');
    expect(first).toContain(sent);
    expect(second).toMatch(/^\[onceonly\] GET \/v1\/me 200 /);
    expect(second).toMatch(/\b25 ms\b/);
    expect(second).toContain('attempt 2/3');
    expect(second).toContain('srv-2');
  });

  it('logs one debug line for each failed attempt (connection error, timeout)', async () => {
    const { logger } = spyLogger();
    const fetch = fakeFetch(fetchFailed('ECONNRESET'), neverAnswers(), ME);
    await resultOf(clientWith(fetch, { logger, logLevel: 'debug', timeoutMs: 1000 }).me());

    const sent = fetch.calls[0]?.headers.get('X-Request-Id') as string;
    const lines = logger.debug.mock.calls.map((args) => String(args[0]));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('GET /v1/me');
    expect(lines[0]).toContain('ECONNRESET');
    expect(lines[0]).toContain('attempt 1/3');
    expect(lines[0]).toContain(sent);
    expect(lines[1]).toContain('timed out');
    expect(lines[1]).toContain('attempt 2/3');
    expect(lines[2]).toContain('attempt 3/3');
  });

  it('logs a warning for each retry: the wait, the reason, the next attempt and request id', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const { logger } = spyLogger();
    const fetch = fakeFetch(errorReply(503), ME);
    await resultOf(clientWith(fetch, { logger }).me());

    const sent = fetch.calls[0]?.headers.get('X-Request-Id') as string;
    expect(logger.warn).toHaveBeenCalledTimes(1);
    const line = String(logger.warn.mock.calls[0]?.[0]);
    expect(line).toContain('GET /v1/me');
    expect(line).toContain('500 ms');
    expect(line).toContain('HTTP 503');
    expect(line).toContain('attempt 2/3');
    expect(line).toContain(sent);
  });

  it('turns debug lines on with ONCEONLY_LOG=debug', async () => {
    vi.stubEnv('ONCEONLY_LOG', 'debug');
    const spies = spyConsole();
    const fetch = fakeFetch(ME);
    await resultOf(new OnceOnly({ apiKey: API_KEY, baseUrl: BASE_URL, fetch }).me());

    const debug = spies[4];
    expect(debug).toHaveBeenCalledTimes(1);
    expect(String(debug?.mock.calls[0]?.[0])).toContain('GET /v1/me 200');
  });

  it('lets the logLevel option win over ONCEONLY_LOG', async () => {
    vi.stubEnv('ONCEONLY_LOG', 'debug');
    const { logger, lines } = spyLogger();
    const fetch = fakeFetch(ME);
    await resultOf(clientWith(fetch, { logger, logLevel: 'off' }).me());

    expect(lines()).toEqual([]);
  });

  it('ignores an ONCEONLY_LOG that is not a level', async () => {
    vi.stubEnv('ONCEONLY_LOG', 'verbose');
    const spies = spyConsole();
    await resultOf(clientWith(fakeFetch(errorReply(503), ME)).me());

    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it.each(['verbose', 'DEBUG', ''])('refuses logLevel %j with InvalidInputError', (level) => {
    const make = () =>
      new OnceOnly({ apiKey: API_KEY, baseUrl: BASE_URL, logLevel: level as LogLevel });
    expect(make).toThrow(InvalidInputError);
    expect(make).toThrow(/logLevel/);
  });
});

describe('a logger that throws', () => {
  it('does not fail the request it reports on', async () => {
    const logger = {
      error: () => {},
      warn: () => {},
      info: () => {},
      debug: () => {
        throw new Error('log sink is down');
      },
    };
    const client = clientWith(fakeFetch(ME), { logger, logLevel: 'debug' });
    await expect(resultOf(client.me())).resolves.toEqual({ id: 'acct_1' });
  });
});
