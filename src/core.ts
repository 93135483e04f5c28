import { InvalidInputError } from './errors.js';
import { readEnv } from './internal/env.js';
import { isLogLevel, Log, type Logger, type LogLevel } from './internal/log.js';
import { DEFAULT_RETRY_POLICY } from './internal/retry.js';
import { checkHeaders, type FetchLike, isHeaderValue, Transport } from './internal/transport.js';
import { DEFAULT_BASE_URL, serverRoot } from './internal/url.js';
import {
  checkBoolean,
  checkKnownKeys,
  checkMaxRetries,
  checkObject,
  checkTimeoutMs,
  typeName,
} from './internal/validate.js';
import { VERSION } from './version.js';

export interface ClientOptions {
  /** The API key (`once_live_...`). Default: the `ONCEONLY_API_KEY` environment variable. */
  apiKey?: string | undefined;
  /**
   * The API's address, with or without `/v1` and a trailing slash. Default: the
   * `ONCEONLY_BASE_URL` environment variable, else `https://api.onceonly.tech/v1`.
   */
  baseUrl?: string | undefined;
  /** Time limit of each attempt in milliseconds, reading the response included. Default 10000. */
  timeoutMs?: number | undefined;
  /** How many times a failed attempt may be repeated, when that is safe. Default 2. */
  maxRetries?: number | undefined;
  /**
   * When the server cannot be reached or fails (timeout, connection error, 5xx after retries),
   * let `checkLock` answer `locked` (marked `failedOpen`) instead of throwing. Default `false`:
   * during an outage a duplicate side effect must not run. Never applies to 4xx answers.
   */
  failOpen?: boolean | undefined;
  /** The `fetch` to use. Default: the global `fetch`, looked up at each request. */
  fetch?: FetchLike | undefined;
  /** Where log lines go. Default: `console`. */
  logger?: Logger | undefined;
  /**
   * `off`, `error`, `warn`, `info` or `debug`. Default: the `ONCEONLY_LOG` environment
   * variable, else `warn` when a `logger` is given, else `off`.
   */
  logLevel?: LogLevel | undefined;
  /** Headers sent with every request. */
  defaultHeaders?: Record<string, string> | undefined;
  /**
   * The `User-Agent` header. Default `onceonly-sdk/<version>`; `null` sends none. Never sent
   * from browsers, which refuse to set it.
   */
  userAgent?: string | null | undefined;
}

const CLIENT_OPTION_KEYS = [
  'apiKey',
  'baseUrl',
  'timeoutMs',
  'maxRetries',
  'failOpen',
  'fetch',
  'logger',
  'logLevel',
  'defaultHeaders',
  'userAgent',
] as const satisfies readonly (keyof ClientOptions)[];
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RETRIES = 2;
/** What a client holds for the functions that take it (`checkLock(client, ...)`). */
interface ClientState {
  transport: Transport;
  failOpen: boolean;
}

const states = new WeakMap<OnceOnlyCore, ClientState>();

/**
 * A client without methods: the options, the transport and nothing else. Pass it to the
 * functions of the SDK that take a client first, such as `checkLock(client, params)`, so that
 * a bundle holds only the code it uses. `OnceOnly` is an `OnceOnlyCore` with every method.
 *
 * @example
 * import { OnceOnlyCore, checkLock } from 'onceonly-sdk';
 * const client = new OnceOnlyCore();
 * const lock = await checkLock(client, { key: `stripe:${event.id}`, ttl: 3600 });
 */
export class OnceOnlyCore {
  /** The API's address as used: the server root followed by `/v1`. */
  readonly baseUrl: string;

  constructor(options: ClientOptions = {}) {
    checkKnownKeys('options', checkObject('options', options), CLIENT_OPTION_KEYS);
    const apiKey = checkApiKey(options.apiKey ?? readEnv('ONCEONLY_API_KEY'));
    const defaultHeaders = checkHeaders('defaultHeaders', options.defaultHeaders ?? {});
    if ('x-request-id' in defaultHeaders) {
      throw new InvalidInputError(
        'defaultHeaders.X-Request-Id',
        'would give every call the same id; a server that replays by id would answer a new ' +
          'call with an old outcome. Give it per call in `options.headers` if you must',
      );
    }
    const fetch = checkFetch(options.fetch);
    const userAgent = checkUserAgent(options.userAgent);
    if (options.logLevel !== undefined && !isLogLevel(options.logLevel)) {
      throw new InvalidInputError('logLevel', 'must be one of off, error, warn, info, debug');
    }

    const timeoutMs = checkTimeoutMs('timeoutMs', options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const maxRetries = checkMaxRetries('maxRetries', options.maxRetries ?? DEFAULT_MAX_RETRIES);
    const root = serverRoot(options.baseUrl ?? readEnv('ONCEONLY_BASE_URL') ?? DEFAULT_BASE_URL);
    const log = new Log({
      ...(options.logger && { logger: options.logger }),
      ...(options.logLevel && { level: options.logLevel }),
      secrets: [apiKey],
    });
    this.baseUrl = `${root}/v1`;
    const transport = new Transport({
      apiKey,
      root,
      timeoutMs,
      maxRetries,
      fetch,
      defaultHeaders,
      userAgent: inBrowser() ? null : userAgent,
      retryPolicy: DEFAULT_RETRY_POLICY,
      log,
    });
    states.set(this, { transport, failOpen: checkFailOpen(options.failOpen) });
  }
}

/** The transport and settings of a client. */
export function stateOf(client: OnceOnlyCore): ClientState {
  const state = states.get(client);
  if (state === undefined) {
    throw new InvalidInputError('client', 'must be an OnceOnly or OnceOnlyCore client');
  }
  return state;
}

function checkFailOpen(value: unknown): boolean {
  return value === undefined ? false : checkBoolean('failOpen', value);
}

// A `fetch` or `userAgent` that cannot work fails every request, and with `failOpen` every
// check-lock would then answer `locked`: such a mistake must stop the client from being made.
function checkFetch(fetch: unknown): FetchLike | undefined {
  if (fetch === undefined) {
    if (typeof globalThis.fetch === 'function') return undefined;
    throw new InvalidInputError('fetch', 'is required: this runtime has no global fetch');
  }
  if (typeof fetch !== 'function') {
    throw new InvalidInputError('fetch', `must be a function (got ${typeName(fetch)})`);
  }
  return fetch as FetchLike;
}

function checkUserAgent(userAgent: unknown): string | null {
  if (userAgent === undefined) return `onceonly-sdk/${VERSION}`;
  if (userAgent === null) return null;
  if (!isHeaderValue(userAgent)) {
    throw new InvalidInputError(
      'userAgent',
      'must be a string of Latin-1 characters without line breaks, or null',
    );
  }
  return userAgent.trim();
}

function checkApiKey(apiKey: unknown): string {
  if (typeof apiKey !== 'string' || apiKey.trim() === '') {
    throw new InvalidInputError(
      'apiKey',
      'is required: pass it as `apiKey` or set the ONCEONLY_API_KEY environment variable',
    );
  }
  // It goes into a header: a stray newline or space (from a copied .env line) would make every
  // request fail later, with the key in the runtime's error message.
  if (!/^[!-~]+$/.test(apiKey)) {
    throw new InvalidInputError('apiKey', 'must be visible ASCII characters only (no spaces)');
  }
  return apiKey;
}

// Browsers refuse to set `User-Agent` (some throw, some drop it silently).
function inBrowser(): boolean {
  const scope = globalThis as { document?: unknown; WorkerGlobalScope?: unknown };
  return scope.document !== undefined || scope.WorkerGlobalScope !== undefined;
}
