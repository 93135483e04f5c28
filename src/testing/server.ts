/**
 * `createLocalServer`: a stateful OnceOnly API in memory, for developing and testing offline.
 * Its `fetch` is a Web-standard handler, so it runs in any runtime and can be handed straight
 * to the client: `new OnceOnly({ apiKey, baseUrl: 'http://local', fetch: local.fetch })`.
 */
import { Hono } from 'hono';
import { InvalidInputError } from '../errors.js';
import { registerAccount } from './account.js';
import { registerAgents } from './agents.js';
import { bearerAuth, refuseMalformedRequestId, requestIds } from './auth.js';
import { registerCheckLock } from './check-lock.js';
import type { Env, FetchTool, ServerContext } from './context.js';
import { allowCrossOrigin, checkCors } from './cors.js';
import { registerLeases } from './leases.js';
import { isPlanName, PLANS, type PlanName } from './plans.js';
import { registerPolicies } from './policies.js';
import { registerRuns } from './runs.js';
import { createState } from './state.js';
import { registerTimelines } from './timeline.js';
import { registerTools } from './tools.js';
import type { Schemas } from './types.js';
import { Worker } from './worker.js';

export interface LocalServerOptions {
  /** The API keys accepted as `Authorization: Bearer <key>`. Default `['once_live_local']`. */
  apiKeys?: readonly string[];
  /**
   * The plan: `free`, `starter`, `pro` or `agency`. It sets the default and maximum TTL, the
   * monthly limits (only `free` refuses requests past them, with 402), the number of tools and
   * the policy features. Default `pro`.
   */
  plan?: PlanName;
  /**
   * The status of a check-lock duplicate: `200`, or `409` as a server run with
   * `DUPLICATE_STATUS_CODE=409`. Default `200`.
   */
  duplicateStatusCode?: 200 | 409;
  /**
   * The server's clock, in milliseconds since the epoch: TTLs, expiry, caps and timestamps
   * follow it, so a test can move time. Default `Date.now`.
   */
  now?: () => number;
  /**
   * The `fetch` used to call registered tools (signed POSTs to their URLs); give one that
   * answers locally to keep tests off the network. Default: the global `fetch`.
   */
  fetchTool?: FetchTool;
  /**
   * How long after a keyed run (`POST /v1/ai/run` with `key`) is acquired its worker starts, in
   * milliseconds of real (or fake) timers. Default `0`: the next turn of the event loop.
   */
  workerDelayMs?: number;
  /**
   * Called with an error a route threw, which is answered with 500. Default: `console.error`.
   */
  onError?: (error: unknown, request: Request) => void;
  /**
   * Lets web pages of other origins call the server (CORS): `true` for any origin, or the
   * origins allowed, e.g. `['http://localhost:5173']`. Preflights are answered and every answer
   * exposes `X-Request-Id` and the `X-OnceOnly-*` headers. Default `false`: no CORS headers.
   */
  cors?: boolean | readonly string[];
}

export interface LocalServer {
  /** Answers one API request. Takes what `fetch` takes. */
  fetch(input: Request | string | URL, init?: RequestInit): Promise<Response>;
  /**
   * Forgets everything (locks, leases, tools, policies, logs, runs, usage) and drops waiting
   * runs.
   */
  reset(): void;
  /** Starts every keyed run waiting for its worker now, and resolves once none is running. */
  flush(): Promise<void>;
  readonly plan: PlanName;
  readonly apiKeys: readonly string[];
}

export const DEFAULT_API_KEY = 'once_live_local';

export function createLocalServer(options: LocalServerOptions = {}): LocalServer {
  const apiKeys = checkApiKeys(options.apiKeys ?? [DEFAULT_API_KEY]);
  const planName = options.plan ?? 'pro';
  if (!isPlanName(planName)) {
    throw new InvalidInputError('plan', `must be one of ${Object.keys(PLANS).join(', ')}`);
  }
  const duplicateStatusCode = options.duplicateStatusCode ?? 200;
  if (duplicateStatusCode !== 200 && duplicateStatusCode !== 409) {
    throw new InvalidInputError('duplicateStatusCode', 'must be 200 or 409');
  }
  const workerDelayMs = options.workerDelayMs ?? 0;
  if (!Number.isFinite(workerDelayMs) || workerDelayMs < 0) {
    throw new InvalidInputError('workerDelayMs', 'must be a number of milliseconds, 0 or more');
  }
  const cors = checkCors(options.cors);
  const onError =
    options.onError ??
    ((error: unknown, request: Request) =>
      console.error(`[onceonly-local] ${request.method} ${new URL(request.url).pathname}`, error));

  const ctx: ServerContext = {
    planName,
    plan: PLANS[planName],
    apiKeys: new Set(apiKeys),
    duplicateStatusCode,
    fetchTool: options.fetchTool ?? ((input, init) => globalThis.fetch(input, init)),
    worker: new Worker(workerDelayMs),
    now: options.now ?? (() => Date.now()),
    state: createState(),
  };

  const app = new Hono<Env>();
  // First, so that preflights (which carry no key) are answered and errors are readable too.
  if (cors) app.use('*', allowCrossOrigin(cors));
  app.use('*', requestIds());
  app.use('/v1/*', bearerAuth(ctx));
  app.use('*', refuseMalformedRequestId());
  for (const register of [
    registerCheckLock,
    registerLeases,
    registerRuns,
    registerPolicies,
    registerTools,
    registerAgents,
    registerTimelines,
    registerAccount,
  ]) {
    register(app, ctx);
  }
  app.notFound((c) => c.json({ detail: 'Not Found' } satisfies Schemas['MessageError'], 404));
  app.onError((error, c) => {
    onError(error, c.req.raw);
    return c.json({ detail: 'Internal Server Error' } satisfies Schemas['MessageError'], 500);
  });

  return {
    fetch: async (input, init) => {
      const request =
        input instanceof Request && init === undefined ? input : new Request(input, init);
      return app.fetch(request);
    },
    reset: () => {
      ctx.worker.cancel();
      ctx.state = createState();
    },
    flush: () => ctx.worker.flush(),
    plan: planName,
    apiKeys,
  };
}

function checkApiKeys(keys: readonly string[]): readonly string[] {
  const valid = Array.isArray(keys) && keys.length > 0;
  if (!valid || keys.some((key) => typeof key !== 'string' || !/^\S+$/.test(key))) {
    throw new InvalidInputError('apiKeys', 'must be a list of one or more keys without spaces');
  }
  return [...keys];
}
