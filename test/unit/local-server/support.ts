// The harness of the local server's tests: a server on an injected clock, the real client
// talking to it through its `fetch`, and a check of every answer against the spec: its status
// must be one the operation lists, its body must pass that status's zod schema, and it must
// carry the headers every answer carries.

import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';
import type { ZodType } from 'zod';
import * as z from '../../../generated/zod/zod.gen.js';
import { OnceOnly } from '../../../src/index.js';
import {
  createLocalServer,
  type LocalServer,
  type LocalServerOptions,
} from '../../../src/testing/index.js';
import { validatorFor } from '../../support/contract/harness.js';
import { loadSpec } from '../../support/contract/spec.js';

export const API_KEY = 'once_live_local';
export const BASE_URL = 'http://local';
/** 2026-03-31T10:30:00Z, the start of every test's clock. */
export const T0 = Date.UTC(2026, 2, 31, 10, 30, 0);
export const T0_ISO = '2026-03-31T10:30:00Z';
export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const SPEC = loadSpec(fileURLToPath(new URL('../../../openapi/onceonly.yaml', import.meta.url)));

/**
 * The schema of an answer: that of the operation's status in the spec, so that a status the
 * operation does not list fails. A path the spec does not have gets FastAPI's 404.
 */
function schemaFor(method: string, path: string, status: number): ZodType {
  const operation = SPEC.match(method, path);
  const where = `${method} ${path} → ${status}`;
  if (!operation) {
    if (status === 404) return z.zMessageError;
    throw new Error(`${where}: the spec has no such operation`);
  }
  const declared = operation.responses.get(String(status));
  if (!declared) {
    const listed = [...operation.responses.keys()].join(', ');
    throw new Error(`${where}: ${operation.operationId} lists only ${listed}`);
  }
  return validatorFor(operation, String(status), declared.schemaName) as ZodType;
}

/**
 * Checks one answer against the spec; throws saying what is wrong. Under the client, the
 * throw surfaces as a rejected call, so a test fails whatever it expected.
 */
export async function checkAnswer(request: Request, response: Response): Promise<void> {
  const path = new URL(request.url).pathname;
  const where = `${request.method} ${path} → ${response.status}`;
  if (!response.headers.get('X-Request-Id')) throw new Error(`${where}: no X-Request-Id`);

  const schema = schemaFor(request.method, path, response.status);
  const body: unknown = JSON.parse(await response.clone().text());
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new Error(`${where}: body does not match the spec: ${parsed.error.message}`);
  }
  if (path === '/v1/check-lock' && (response.status === 200 || response.status === 409)) {
    const status = response.status === 409 ? 'duplicate' : (body as { status: string }).status;
    if (response.headers.get('X-OnceOnly-Status') !== status) {
      throw new Error(`${where}: X-OnceOnly-Status is not ${status}`);
    }
  }
}

export interface Harness {
  local: LocalServer;
  /** The real client, on `BASE_URL`, through the server's checked `fetch`. */
  client: OnceOnly;
  /** The server's clock in ms; move it with `advance`. */
  readonly now: number;
  advance(ms: number): void;
  /** One request as it goes on the wire, answered and checked against the spec. */
  raw(
    method: string,
    path: string,
    options?: { body?: unknown; headers?: Record<string, string>; key?: string | null },
  ): Promise<RawAnswer>;
}

export interface RawAnswer {
  status: number;
  headers: Headers;
  /** The parsed JSON, already checked against the spec; tests read into it freely. */
  // biome-ignore lint/suspicious/noExplicitAny: the schema check above has vouched for its shape
  body: any;
}

/**
 * A local server on a clock starting at `T0` (or on the fake `Date.now()` with `fakeClock`,
 * for tests that drive time with vitest's fake timers) and a client talking to it.
 */
export function harness(options: LocalServerOptions & { fakeClock?: boolean } = {}): Harness {
  const { fakeClock, ...serverOptions } = options;
  let now = T0;
  const local = createLocalServer({
    now: fakeClock ? () => Date.now() : () => now,
    ...serverOptions,
  });
  const fetch = async (input: Request | string | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const response = await local.fetch(request.clone());
    await checkAnswer(request, response);
    return response;
  };
  const client = new OnceOnly({ apiKey: API_KEY, baseUrl: BASE_URL, fetch, maxRetries: 0 });

  return {
    local,
    client,
    get now() {
      return fakeClock ? Date.now() : now;
    },
    advance(ms) {
      if (fakeClock) throw new Error('with fakeClock, advance the fake timers instead');
      now += ms;
    },
    async raw(method, path, { body, headers = {}, key = API_KEY } = {}) {
      const sent = new Headers(headers);
      if (key !== null) sent.set('Authorization', `Bearer ${key}`);
      if (body !== undefined) sent.set('Content-Type', 'application/json');
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      const response = await fetch(`${BASE_URL}${path}`, {
        method,
        headers: sent,
        ...(body !== undefined && { body: text }),
      });
      return { status: response.status, headers: response.headers, body: await response.json() };
    },
  };
}

/** Starts fake timers (setTimeout and Date only) at `T0`; real I/O still completes. */
export function useFakeTime(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: T0 });
}

/**
 * Waits for `promise` under fake timers: advances them `stepMs` at a time, letting real I/O
 * (WebCrypto) complete between steps, until it settles. Fails after `maxSteps` steps.
 */
export async function settle<T>(promise: Promise<T>, stepMs = 250, maxSteps = 400): Promise<T> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (let step = 0; step < maxSteps && !settled; step++) {
    await vi.advanceTimersByTimeAsync(stepMs);
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (!settled) throw new Error(`did not settle within ${stepMs * maxSteps} ms of fake time`);
  return promise;
}

/**
 * Waits, without moving fake time, until `condition` holds: real I/O (WebCrypto) completes in
 * the meantime. Fails after `maxRealMs` of real time, a bound for a machine under load rather
 * than a measure of speed (`performance` is not faked).
 */
export async function until(condition: () => boolean, maxRealMs = 10_000): Promise<void> {
  const deadline = performance.now() + maxRealMs;
  while (performance.now() < deadline) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (!condition()) throw new Error(`the condition did not hold within ${maxRealMs} ms`);
}

/** A tool `fetch` that records each call and answers with `reply`. */
export function toolFetch(
  reply: (request: Request, call: number) => Response | Promise<Response> = () =>
    Response.json({ ok: true }),
) {
  const calls: Request[] = [];
  const fetch = vi.fn(async (input: string, init: RequestInit) => {
    const request = new Request(input, init);
    calls.push(request.clone());
    return reply(request, calls.length);
  });
  return Object.assign(fetch, { calls });
}
