// The contract check of one SDK call: the SDK sends its request through Prism (a mock of the
// spec, or a validating proxy in front of a real server) with a fetch that records the
// exchange; then three questions are asked of it.
//
//   request   Prism's verdict on what the SDK sent: the `sl-violations` header (mock), or the
//             problem+json Prism answers instead of forwarding a bad request (proxy --errors).
//   response  the status is one the spec lists for the operation, and the body passes the
//             generated zod validator of that operation and status (an error status: the
//             validator of its error schema). Through a proxy, Prism's own verdict on the
//             server's answer counts too.
//   result    what the SDK gave back agrees with the body it got: the same data, or an error of
//             the right class carrying that status and body.
//
// Any violation fails the check with one line per violation naming the operation and the field,
// and every exchange is written to the run's report (see report.ts). A test that fails for
// another reason (an answer that fits the spec but not the scenario) is written to the report
// too, against every operation it checked.

import { isDeepStrictEqual } from 'node:util';
import { expect, onTestFailed, type TestContext, TestRunner } from 'vitest';
import * as validators from '../../../generated/zod/zod.gen.js';
import {
  ApiError,
  AuthenticationError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  OnceOnly,
  OverLimitError,
  PermissionDeniedError,
  RateLimitError,
  type RequestOptions,
  ValidationError,
} from '../../../src/index.js';
import { appendReport, type FailureLine, type ReportLine, type Violation } from './report.js';
import { loadSpec, type SpecIndex, type SpecOperation } from './spec.js';

/** Where the checks send requests, and what kind of server answers them. */
export interface ContractTarget {
  /** `mock`: Prism answers from the spec. `local` and `remote`: a server behind a Prism proxy. */
  kind: 'mock' | 'local' | 'remote';
  /** Prism's base URL: the SDK's `baseUrl`. */
  url: string;
  /** The server a proxy forwards to; `null` for the mock. */
  upstream: string | null;
  /** Absolute path of the spec Prism serves. */
  specPath: string;
  apiKey: string;
  /**
   * Prepended to every key, agent id, run id and tool name a stateful scenario creates: the
   * ONCEONLY_CONTRACT_PREFIX (default `contract-`) and a part of the run's own.
   */
  prefix: string;
  /** Where exchanges are written for the report; `null` writes none. */
  reportDir: string | null;
}

/** One request and its answer, as the SDK's fetch saw them. */
export interface Exchange {
  method: string;
  url: URL;
  requestHeaders: Headers;
  requestBody: string | null;
  status: number;
  responseHeaders: Headers;
  responseText: string;
}

export interface Checked<T> {
  /** What the SDK resolved to; `undefined` when it threw. */
  result: T | undefined;
  /** What the SDK threw; `undefined` when it resolved. */
  error: unknown;
  status: number;
  /** The response body, parsed. */
  body: unknown;
  exchange: Exchange;
}

/** Thrown by a check whose exchange broke the contract; the message lists every violation. */
export class ContractViolationError extends Error {
  override name = 'ContractViolationError';

  constructor(
    readonly operationId: string,
    readonly violations: Violation[],
    summary: string,
  ) {
    super(
      `${operationId}: ${summary}\n` +
        violations.map((v) => `  - ${describeViolation(v)}`).join('\n'),
    );
  }
}

export function describeViolation(v: Violation): string {
  const sent = v.sent === undefined ? '' : ` (sent ${JSON.stringify(v.sent)})`;
  return `${v.where} ${v.field}: ${v.message}${sent}`;
}

const PRISM_ERROR = 'https://stoplight.io/prism/errors#';

/**
 * A client of the target whose every exchange can be checked. Retries are off, so each SDK call
 * is exactly one exchange; a failure shows as it happened instead of after backoff.
 */
export class ContractSession {
  readonly client: OnceOnly;
  readonly spec: SpecIndex;
  readonly #exchanges: Exchange[] = [];
  #preferFor: ((operationId: string) => string) | null = null;
  /** The operations each running test has checked, for the report should the test fail. */
  readonly #checkedBy = new WeakMap<object, Set<string>>();

  constructor(readonly target: ContractTarget) {
    this.spec = loadSpec(target.specPath);
    this.client = new OnceOnly({
      apiKey: target.apiKey,
      baseUrl: target.url,
      maxRetries: 0,
      timeoutMs: 30_000,
      fetch: (input, init) => this.#fetch(input, init),
    });
  }

  /**
   * Runs one SDK call (`run` gets the per-call options to pass on: the mock's `Prefer`) and
   * checks its exchange. Resolves to what the SDK gave and what the server sent; rejects with a
   * ContractViolationError listing every violation.
   */
  async check<T>(
    operationId: string,
    run: (options: RequestOptions) => PromiseLike<T>,
    { prefer }: { prefer?: string } = {},
  ): Promise<Checked<T>> {
    const operation = this.spec.byId(operationId);
    const start = this.#exchanges.length;
    const options = prefer === undefined ? {} : { headers: { Prefer: prefer } };

    const { result, error } = await settle(run(options));

    const exchanges = this.#exchanges.slice(start);
    const [exchange] = exchanges;
    if (exchanges.length !== 1 || !exchange) {
      // No exchange: the SDK refused the input before sending, a mistake of the test itself.
      if (exchanges.length === 0) throw error ?? new Error(`${operationId}: no request was sent`);
      throw new Error(`${operationId}: expected one request, the SDK sent ${exchanges.length}`);
    }

    const verdict = this.#verdict(operation, exchange);
    if (!verdict.fromPrism) {
      verdict.violations.push(...agreement(operation, exchange, verdict.body, result, error));
    }
    this.#conclude(operation, exchange, verdict.violations);

    return { result, error, status: exchange.status, body: verdict.body, exchange };
  }

  /**
   * Runs a helper that makes several requests (`ai.runAndWait`, `ai.wait`) and checks each
   * request and answer. `prefer` picks, per operation, the example the mock answers with.
   */
  async checkFlow<T>(
    run: () => Promise<T>,
    { prefer }: { prefer?: (operationId: string) => string } = {},
  ): Promise<{ result: T; exchanges: Checked<unknown>[] }> {
    const start = this.#exchanges.length;
    this.#preferFor = prefer ?? null;
    let outcome: { result: T | undefined; error: unknown };
    try {
      outcome = await settle(run());
    } finally {
      this.#preferFor = null;
    }

    const checked: Checked<unknown>[] = [];
    for (const exchange of this.#exchanges.slice(start)) {
      const operation = this.#operationOf(exchange);
      const verdict = this.#verdict(operation, exchange);
      this.#conclude(operation, exchange, verdict.violations);
      const { body } = verdict;
      checked.push({
        result: undefined,
        error: undefined,
        status: exchange.status,
        body,
        exchange,
      });
    }
    if (outcome.error !== undefined) throw outcome.error;
    return { result: outcome.result as T, exchanges: checked };
  }

  async #fetch(input: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.#preferFor && !headers.has('Prefer')) {
      const url = new URL(input);
      const operation = this.spec.match(init.method ?? 'GET', url.pathname);
      if (operation) headers.set('Prefer', this.#preferFor(operation.operationId));
    }

    const response = await fetch(input, { ...init, headers });
    // The SDK reads the original; the copy is for the checks.
    const responseText = await response.clone().text();
    this.#exchanges.push({
      method: init.method ?? 'GET',
      url: new URL(input),
      requestHeaders: headers,
      requestBody: typeof init.body === 'string' ? init.body : null,
      status: response.status,
      responseHeaders: response.headers,
      responseText,
    });
    return response;
  }

  #operationOf(exchange: Exchange): SpecOperation {
    const operation = this.spec.match(exchange.method, exchange.url.pathname);
    if (!operation) {
      throw new Error(`no operation of the spec is ${exchange.method} ${exchange.url.pathname}`);
    }
    return operation;
  }

  /** The violations of the request and the response, and the body as parsed. */
  #verdict(operation: SpecOperation, exchange: Exchange) {
    const violations: Violation[] = [];
    const routed = this.spec.match(exchange.method, exchange.url.pathname);
    if (routed?.operationId !== operation.operationId) {
      const reached = routed?.operationId ?? 'no operation of the spec';
      violations.push({
        where: 'request',
        field: 'path',
        message: `${exchange.method} ${exchange.url.pathname} is ${reached}`,
      });
    }
    if (this.target.kind === 'mock' && !exchange.requestHeaders.has('Prefer')) {
      // Without it the mock picks an example of its own: a test must say which it expects.
      violations.push({ where: 'request', field: 'header.Prefer', message: 'missing (mock)' });
    }

    const body = parseJson(exchange.responseText);
    const prismError = prismProblem(body, exchange);
    // Prism's problem answer repeats what its header says: the body's list, with its sources.
    violations.push(...(prismError ?? headerViolations(exchange, body, this.target.kind)));
    if (prismError) return { violations: unique(violations), body, fromPrism: true };

    violations.push(...responseViolations(operation, exchange, body));
    if (this.target.kind !== 'mock') violations.push(...echoViolations(exchange));
    return { violations: unique(violations), body, fromPrism: false };
  }

  /** Writes the exchange to the report, then throws if it broke the contract. */
  #conclude(operation: SpecOperation, exchange: Exchange, violations: Violation[]): void {
    const test = expect.getState().currentTestName ?? '(outside a test)';
    const line: ReportLine = {
      operationId: operation.operationId,
      method: operation.method,
      route: operation.route,
      status: exchange.status,
      test,
      violations,
    };
    if (this.target.reportDir) {
      appendReport(this.target.reportDir, line);
      this.#watchTest(operation.operationId, test, this.target.reportDir);
    }

    if (violations.length > 0) {
      throw new ContractViolationError(
        operation.operationId,
        violations,
        `${violations.length} contract violation(s) in ${operation.method} ` +
          `${exchange.url.pathname} → ${exchange.status}`,
      );
    }
  }

  /**
   * Remembers that the running test checked `operationId`; the first time in a test, arranges
   * for a failure of that test to be written to the report against what it checked.
   */
  #watchTest(operationId: string, test: string, reportDir: string): void {
    const running = TestRunner.getCurrentTest();
    if (!running) return;

    const checked = this.#checkedBy.get(running);
    if (checked) {
      checked.add(operationId);
      return;
    }

    const operations = new Set([operationId]);
    this.#checkedBy.set(running, operations);
    onTestFailed((context) => {
      for (const failure of failureMessages(context)) {
        for (const id of operations) {
          const line: FailureLine = { operationId: id, test, failure };
          appendReport(reportDir, line);
        }
      }
    });
  }
}

/**
 * Why a test failed, but for contract violations: those are in the report already, with the
 * operation and the field they concern.
 */
function failureMessages(context: TestContext): string[] {
  const errors = context.task.result?.errors ?? [];
  return errors
    .filter((error) => error.name !== 'ContractViolationError')
    .map((error) => error.message || error.name || 'failed');
}

async function settle<T>(
  promise: PromiseLike<T>,
): Promise<{ result: T | undefined; error: unknown }> {
  try {
    return { result: await promise, error: undefined };
  } catch (error) {
    return { result: undefined, error };
  }
}

/** Prism's `sl-violations` header: what it found wrong with the request, or the answer. */
function headerViolations(
  exchange: Exchange,
  body: unknown,
  kind: ContractTarget['kind'],
): Violation[] {
  const header = exchange.responseHeaders.get('sl-violations');
  const entries = header ? parseJson(header) : undefined;
  if (!Array.isArray(entries)) return [];

  const violations: Violation[] = [];
  for (const entry of entries as PrismViolation[]) {
    const violation = fromPrism(entry, exchange, body);
    // A mock's answer is Prism's own invention from the spec (it fills headers without an
    // example with the word "string"), so only what it says of the request is about the SDK.
    if (kind === 'mock' && violation.where === 'response') continue;
    violations.push(violation);
  }
  return violations;
}

interface PrismViolation {
  location?: unknown[];
  message?: string;
  code?: unknown;
}

/** A problem+json Prism answered instead of the server (proxy with --errors, or no server). */
function prismProblem(body: unknown, exchange: Exchange): Violation[] | null {
  const problem = body as {
    type?: unknown;
    title?: unknown;
    detail?: unknown;
    validation?: unknown;
  };
  if (problem?.type === 'FetchError') {
    // The proxy could not reach the server; the 500 is Prism's, not an answer to check.
    const reason = String(problem.title ?? 'unknown');
    return [
      { where: 'response', field: '-', message: `Prism could not reach the server: ${reason}` },
    ];
  }
  if (typeof problem?.type !== 'string' || !problem.type.startsWith(PRISM_ERROR)) return null;

  const kind = problem.type.slice(PRISM_ERROR.length);
  const entries = Array.isArray(problem.validation) ? (problem.validation as PrismViolation[]) : [];
  if (entries.length > 0) {
    // A 422 lists the request's faults without saying so ('body', 'query'): they are the request's.
    // The server's answer, if there was one, is not at hand: Prism's problem replaced it.
    const where = kind === 'VIOLATIONS' ? undefined : 'request';
    return entries.map((entry) => fromPrism(entry, exchange, undefined, where));
  }
  const where = kind === 'UNAUTHORIZED' || kind.startsWith('NO_') ? 'request' : 'response';
  return [
    { where, field: '-', message: `Prism ${kind}: ${String(problem.title ?? problem.detail)}` },
  ];
}

/**
 * One of Prism's findings as a violation. `answered` is the server's response body, when the
 * exchange carries it; `where` is the side, for findings whose location does not say.
 */
function fromPrism(
  entry: PrismViolation,
  exchange: Exchange,
  answered: unknown,
  where?: 'request' | 'response',
): Violation {
  const location = (entry.location ?? []).map(String);
  let side = where;
  if (location[0] === 'request' || location[0] === 'response') {
    side = location[0];
    location.shift();
  }
  side ??= 'request';
  const message = entry.message ?? String(entry.code);
  // A missing or unexpected property is located at the object that should (not) hold it; the
  // property's name is only in the message, and the report is clearer with it in the field.
  const property = /required property '([^']+)'|additional properties; found '([^']+)'/.exec(
    message,
  );
  const name = property?.[1] ?? property?.[2];
  if (name !== undefined) location.push(name);

  const requested = exchange.requestBody === null ? undefined : parseJson(exchange.requestBody);
  const source = side === 'request' ? requested : answered;
  const sent = location[0] === 'body' ? valueAt(source, location.slice(1)) : undefined;
  return {
    where: side,
    field: location.join('.') || '-',
    message,
    ...(sent !== undefined && { sent }),
  };
}

/** The violations without repeats, in their first order. */
function unique(violations: Violation[]): Violation[] {
  const seen = new Set<string>();
  return violations.filter((v) => {
    const key = `${v.where} ${v.field} ${v.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The status is one the spec lists, and the body passes that status's validator. */
function responseViolations(
  operation: SpecOperation,
  exchange: Exchange,
  body: unknown,
): Violation[] {
  const status = String(exchange.status);
  const declared = operation.responses.get(status);
  if (!declared) {
    const allowed = [...operation.responses.keys()].join(', ');
    return [
      {
        where: 'response',
        field: 'status',
        message: `${status} is not one of ${allowed}`,
        sent: body,
      },
    ];
  }
  if (body === undefined) {
    return [
      {
        where: 'response',
        field: 'body',
        message: 'is not JSON',
        sent: exchange.responseText.slice(0, 200),
      },
    ];
  }

  const validator = validatorFor(operation, status, declared.schemaName);
  const parsed = validator.safeParse(body);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => {
    const path = issue.path.map(String);
    const sent = valueAt(body, path);
    return {
      where: 'response' as const,
      field: ['body', ...path].join('.'),
      message: issue.message,
      ...(sent !== undefined && { sent }),
    };
  });
}

type Validator = {
  safeParse(
    value: unknown,
  ):
    | { success: true }
    | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
};

/**
 * The generated validator of an answer: `z<OperationId>ResponseBody` for a success, the
 * validator of the status's error schema (`zCodeError`, `zLeaseConflictError`, ...) otherwise.
 */
export function validatorFor(
  operation: SpecOperation,
  status: string,
  schemaName?: string,
): Validator {
  const name = status.startsWith('2')
    ? `z${operation.operationId[0]?.toUpperCase()}${operation.operationId.slice(1)}ResponseBody`
    : `z${schemaName}`;
  const validator = (validators as Record<string, unknown>)[name];
  if (!validator || (schemaName === undefined && !status.startsWith('2'))) {
    throw new Error(`no generated validator ${name} for ${operation.operationId} ${status}`);
  }
  return validator as Validator;
}

/** The spec: a server echoes the client's `X-Request-Id`. */
function echoViolations(exchange: Exchange): Violation[] {
  const sent = exchange.requestHeaders.get('X-Request-Id');
  const answered = exchange.responseHeaders.get('X-Request-Id');
  if (sent === null || answered === sent) return [];
  return [
    {
      where: 'response',
      field: 'header.X-Request-Id',
      message: `must echo the request's ${JSON.stringify(sent)}`,
      sent: answered,
    },
  ];
}

/** What the SDK gave back agrees with the answer it got. */
function agreement(
  operation: SpecOperation,
  exchange: Exchange,
  body: unknown,
  result: unknown,
  error: unknown,
): Violation[] {
  const { operationId } = operation;
  const success = exchange.status < 300 || (operationId === 'checkLock' && exchange.status === 409);

  if (success) {
    if (error !== undefined) {
      return [
        {
          where: 'result',
          field: '-',
          message: `the SDK threw for a ${exchange.status}: ${String(error)}`,
        },
      ];
    }
    const expected = expectedResult(operationId, exchange, body);
    const mismatch = firstDifference(expected, result);
    return mismatch
      ? [
          {
            where: 'result',
            field: mismatch,
            message: 'differs from the response body',
            sent: valueAt(expected, mismatch.split('.').filter(Boolean)),
          },
        ]
      : [];
  }

  if (!(error instanceof ApiError)) {
    const got = error === undefined ? 'a result' : String(error);
    return [
      {
        where: 'result',
        field: '-',
        message: `expected an ApiError for ${exchange.status}, got ${got}`,
      },
    ];
  }
  const violations: Violation[] = [];
  const expectedClass = errorClassFor(exchange.status, (body as { detail?: unknown })?.detail);
  if (!(error instanceof expectedClass)) {
    const actual = (error as ApiError).name;
    violations.push({
      where: 'result',
      field: 'error',
      message: `is ${actual}, expected ${expectedClass.name}`,
    });
  }
  if (error.status !== exchange.status) {
    violations.push({
      where: 'result',
      field: 'error.status',
      message: `is ${error.status}, the answer was ${exchange.status}`,
    });
  }
  if (!isDeepStrictEqual(error.body, body)) {
    violations.push({
      where: 'result',
      field: 'error.body',
      message: 'differs from the response body',
    });
  }
  if (!isDeepStrictEqual(error.detail, (body as { detail?: unknown })?.detail)) {
    violations.push({
      where: 'result',
      field: 'error.detail',
      message: "differs from the body's detail",
    });
  }
  const requestId =
    exchange.responseHeaders.get('X-Request-Id') ?? exchange.requestHeaders.get('X-Request-Id');
  if (error.request_id !== requestId) {
    violations.push({
      where: 'result',
      field: 'error.request_id',
      message: `is ${error.request_id}, expected ${requestId}`,
    });
  }
  return violations;
}

/** The result the SDK should give for this successful answer. */
function expectedResult(operationId: string, exchange: Exchange, body: unknown): unknown {
  if (operationId === 'listEvents') return (body as { data?: unknown })?.data;
  if (operationId !== 'checkLock') return body;

  // A 409 is the duplicate outcome in the server's 409 mode; its time is under `detail`.
  const answer = (body ?? {}) as Record<string, unknown>;
  const sent = parseJson(exchange.requestBody ?? '{}') as { key: string; ttl?: number };
  const status = exchange.status === 409 ? 'duplicate' : answer.status;
  const firstSeen =
    exchange.status === 409
      ? (answer.detail as Record<string, unknown>)?.first_seen_at
      : answer.first_seen_at;
  return {
    locked: status === 'locked',
    duplicate: status === 'duplicate',
    status,
    key: typeof answer.key === 'string' ? answer.key : sent.key,
    ttl: typeof answer.ttl === 'number' ? answer.ttl : (sent.ttl ?? null),
    first_seen_at: firstSeen ?? null,
    request_id:
      exchange.responseHeaders.get('X-Request-Id') ?? exchange.requestHeaders.get('X-Request-Id'),
    // Retries are off, so no duplicate can be the call's own; fail-open is off.
    ambiguousDuplicate: false,
    failedOpen: null,
  };
}

type ErrorClass = abstract new (...args: never[]) => ApiError;

/** The SDK's error class for an error status (403: by the spec's rule on `detail`). */
export function errorClassFor(status: number, detail: unknown): ErrorClass {
  if (status === 401) return AuthenticationError;
  if (status === 402) return OverLimitError;
  if (status === 403) {
    if (typeof detail === 'string') return AuthenticationError;
    const code = Array.isArray(detail) ? undefined : (detail as { error?: unknown })?.error;
    // Without a string detail or a code, the 403 is not the API's (a firewall page).
    if (typeof code !== 'string') return ApiError;
    const authFailure = ['invalid_api_key', 'api_key_disabled', 'forbidden'].includes(code);
    return authFailure ? AuthenticationError : PermissionDeniedError;
  }
  if (status === 404) return NotFoundError;
  if (status === 409) return ConflictError;
  if (status === 422) return ValidationError;
  if (status === 429) return RateLimitError;
  if (status >= 500) return InternalServerError;
  return ApiError;
}

/** The dotted path of the first place where two JSON values differ, or null. */
function firstDifference(expected: unknown, actual: unknown, path = ''): string | null {
  if (isDeepStrictEqual(expected, actual)) return null;
  if (isObject(expected) && isObject(actual) && Array.isArray(expected) === Array.isArray(actual)) {
    for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
      const inner = firstDifference(expected[key], actual[key], path ? `${path}.${key}` : key);
      if (inner !== null) return inner;
    }
  }
  return path || '-';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function valueAt(value: unknown, path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
