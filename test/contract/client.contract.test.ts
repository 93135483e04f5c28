// The real client against the Prism mock of the spec. Prism validates every request against
// the spec (a request that breaks it comes back 422), so a call that succeeds here is also
// evidence that the SDK's request is valid. Examples are chosen per call with `Prefer`.

import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import {
  type ApiError,
  AuthenticationError,
  InternalServerError,
  NotFoundError,
  OnceOnly,
  OverLimitError,
  PermissionDeniedError,
  RateLimitError,
  ValidationError,
} from '../../src/index.js';
import { responseExample } from '../support/spec-examples.js';

const prismUrl = inject('prismUrl');
const specPath = inject('prismSpec');

// No retries: a 429 or a 5xx example must come back at once, not after backoff.
const client = new OnceOnly({ apiKey: 'once_live_contract_key', baseUrl: prismUrl, maxRetries: 0 });

const example = (route: string, method: string, name: string, status = '200') =>
  responseExample(specPath, route, method, status, name);

const prefer = (name: string) => ({ headers: { Prefer: `example=${name}` } });
const preferCode = (code: number, name?: string) => ({
  headers: { Prefer: name ? `code=${code}, example=${name}` : `code=${code}` },
});

type Node = Record<string, unknown>;
const spec = parse(readFileSync(specPath, 'utf8')) as Node;

/** The named request-body example of an operation, to send as the SDK's input. */
function requestExample<T>(route: string, method: string, name: string): T {
  const paths = spec.paths as Record<string, Record<string, Node>>;
  const operation = paths[route]?.[method] as Node;
  const content = (operation.requestBody as Node).content as Record<string, Node>;
  const examples = content['application/json']?.examples as Record<string, { value: T }>;
  const found = examples[name];
  if (!found) throw new Error(`spec: no request example ${name} for ${method} ${route}`);
  return structuredClone(found.value);
}

interface ContractCase {
  name: string;
  call: () => PromiseLike<unknown>;
  /** The spec's example the method must give back. */
  expected: () => unknown;
}

const cases: ContractCase[] = [
  {
    name: 'gov.upsertPolicy (request example supportBot)',
    call: () =>
      client.gov.upsertPolicy(
        requestExample('/v1/policies/{agent_id}', 'post', 'supportBot'),
        prefer('supportBot'),
      ),
    expected: () => example('/v1/policies/{agent_id}', 'post', 'supportBot'),
  },
  {
    name: 'gov.policyFromTemplate (request example supportBot)',
    call: () =>
      client.gov.policyFromTemplate(
        requestExample('/v1/policies/{agent_id}/from-template', 'post', 'supportBot'),
        prefer('supportBot'),
      ),
    expected: () => example('/v1/policies/{agent_id}/from-template', 'post', 'supportBot'),
  },
  {
    name: 'gov.policyFromTemplate without overrides',
    call: () =>
      client.gov.policyFromTemplate(
        { agent_id: 'bot', template: 'read_only' },
        prefer('supportBot'),
      ),
    expected: () => example('/v1/policies/{agent_id}/from-template', 'post', 'supportBot'),
  },
  {
    name: 'gov.listPolicies',
    call: () => client.gov.listPolicies(prefer('one')),
    expected: () => example('/v1/policies', 'get', 'one'),
  },
  {
    name: 'gov.getPolicy',
    call: () => client.gov.getPolicy('support_bot', prefer('supportBot')),
    expected: () => example('/v1/policies/{agent_id}', 'get', 'supportBot'),
  },
  {
    name: 'gov.getPolicy with an id to encode (a b/c)',
    call: () => client.gov.getPolicy('a b/c', prefer('supportBot')),
    expected: () => example('/v1/policies/{agent_id}', 'get', 'supportBot'),
  },
  {
    name: 'gov.createTool (request example sendEmail)',
    call: () =>
      client.gov.createTool(requestExample('/v1/tools', 'post', 'sendEmail'), prefer('sendEmail')),
    expected: () => example('/v1/tools', 'post', 'sendEmail'),
  },
  {
    name: 'gov.listTools',
    call: () => client.gov.listTools({}, prefer('two')),
    expected: () => example('/v1/tools', 'get', 'two'),
  },
  {
    name: 'gov.listTools with a scope',
    call: () => client.gov.listTools({ scope_id: 'agent:support_bot' }, prefer('two')),
    expected: () => example('/v1/tools', 'get', 'two'),
  },
  {
    name: 'gov.getTool',
    call: () => client.gov.getTool('send_email', { scope_id: 'global' }, prefer('sendEmail')),
    expected: () => example('/v1/tools/{name}', 'get', 'sendEmail'),
  },
  {
    name: 'gov.toggleTool (request example disable)',
    call: () =>
      client.gov.toggleTool(
        'send_email',
        { ...requestExample<{ enabled: boolean }>('/v1/tools/{name}/toggle', 'post', 'disable') },
        prefer('disabled'),
      ),
    expected: () => example('/v1/tools/{name}/toggle', 'post', 'disabled'),
  },
  {
    name: 'gov.deleteTool',
    call: () => client.gov.deleteTool('send_email', { scope_id: 'global' }, prefer('deleted')),
    expected: () => example('/v1/tools/{name}', 'delete', 'deleted'),
  },
  {
    name: 'gov.disableAgent (request example incident)',
    call: () =>
      client.gov.disableAgent(
        'support_bot',
        requestExample('/v1/agents/{agent_id}/disable', 'post', 'incident'),
        prefer('disabled'),
      ),
    expected: () => example('/v1/agents/{agent_id}/disable', 'post', 'disabled'),
  },
  {
    name: 'gov.disableAgent without a body',
    call: () => client.gov.disableAgent('support_bot', {}, prefer('disabled')),
    expected: () => example('/v1/agents/{agent_id}/disable', 'post', 'disabled'),
  },
  {
    name: 'gov.enableAgent without a body',
    call: () => client.gov.enableAgent('support_bot', {}, prefer('enabled')),
    expected: () => example('/v1/agents/{agent_id}/enable', 'post', 'enabled'),
  },
  {
    name: 'gov.enableAgent (request example resolved)',
    call: () =>
      client.gov.enableAgent(
        'support_bot',
        requestExample('/v1/agents/{agent_id}/enable', 'post', 'resolved'),
        prefer('enabled'),
      ),
    expected: () => example('/v1/agents/{agent_id}/enable', 'post', 'enabled'),
  },
  {
    name: 'gov.agentLogs with a limit',
    call: () => client.gov.agentLogs('support_bot', { limit: 500 }, prefer('two')),
    expected: () => example('/v1/agents/{agent_id}/logs', 'get', 'two'),
  },
  {
    name: 'gov.agentMetrics with a period',
    call: () => client.gov.agentMetrics('support_bot', { period: 'week' }, prefer('day')),
    expected: () => example('/v1/agents/{agent_id}/metrics', 'get', 'day'),
  },
  {
    name: 'me',
    call: () => client.me(prefer('starter')),
    expected: () => example('/v1/me', 'get', 'starter'),
  },
  {
    name: 'usage with a kind',
    call: () => client.usage({ kind: 'make' }, prefer('make')),
    expected: () => example('/v1/usage', 'get', 'make'),
  },
  {
    name: 'usageAll',
    call: () => client.usageAll(prefer('starter')),
    expected: () => example('/v1/usage/all', 'get', 'starter'),
  },
  {
    name: 'metrics with both days',
    call: () => client.metrics({ from_day: '2026-03-30', to_day: '2026-03-31' }, prefer('twoDays')),
    expected: () => example('/v1/metrics', 'get', 'twoDays'),
  },
  {
    name: 'updateNotifications (request example quietRuns)',
    call: () =>
      client.updateNotifications(
        requestExample('/v1/me/notifications', 'post', 'quietRuns'),
        prefer('updated'),
      ),
    expected: () => example('/v1/me/notifications', 'post', 'updated'),
  },
  {
    name: 'events, its `data` unwrapped',
    call: () => client.events({ limit: 500, offset: 0 }, prefer('recent')),
    expected: () => (example('/v1/events', 'get', 'recent') as { data: unknown }).data,
  },
  {
    name: 'postEvent (request example toolCall)',
    call: () =>
      client.postEvent(requestExample('/v1/events', 'post', 'toolCall'), prefer('created')),
    expected: () => example('/v1/events', 'post', 'created'),
  },
  {
    name: 'listRuns with limit, offset and q',
    call: () => client.listRuns({ limit: 1, offset: 0, q: 'run_' }, prefer('page')),
    expected: () => example('/v1/runs', 'get', 'page'),
  },
  {
    name: 'getRun with limit and offset',
    call: () => client.getRun('run_support_001', { limit: 2000, offset: 0 }, prefer('finished')),
    expected: () => example('/v1/runs/{run_id}', 'get', 'finished'),
  },
];

describe('every method against the Prism mock gives the spec’s example', () => {
  it.each(cases)('$name', async ({ call, expected }) => {
    expect(await call()).toStrictEqual(expected());
  });
});

describe('checkLock against the Prism mock', () => {
  const body = requestExample<{ key: string; ttl: number; metadata: Record<string, unknown> }>(
    '/v1/check-lock',
    'post',
    'withMetadata',
  );

  it('the `locked` example gives a locked result', async () => {
    const locked = example('/v1/check-lock', 'post', 'locked') as Record<string, unknown>;
    const { data, response } = await client.checkLock(body, prefer('locked')).withResponse();

    expect(data).toEqual({
      locked: true,
      duplicate: false,
      status: 'locked',
      key: locked.key,
      ttl: locked.ttl,
      first_seen_at: null,
      request_id: response?.headers.get('X-Request-Id'),
      ambiguousDuplicate: false,
      failedOpen: null,
    });
    expect(typeof data.request_id).toBe('string');
  });

  it('the `duplicate` example gives a duplicate result with first_seen_at', async () => {
    const duplicate = example('/v1/check-lock', 'post', 'duplicate') as Record<string, unknown>;
    const result = await client.checkLock(body, prefer('duplicate'));

    expect(result).toMatchObject({
      locked: false,
      duplicate: true,
      status: 'duplicate',
      key: duplicate.key,
      ttl: duplicate.ttl,
      first_seen_at: duplicate.first_seen_at,
      ambiguousDuplicate: false,
      failedOpen: null,
    });
  });

  it('the 409 (duplicate_blocked) gives a duplicate result, not an error', async () => {
    const blocked = example('/v1/check-lock', 'post', 'duplicate_blocked', '409') as {
      detail: { first_seen_at: string };
    };
    const { data, response } = await client
      .checkLock({ key: 'order:42', ttl: 120 }, preferCode(409))
      .withResponse();

    expect(response?.status).toBe(409);
    expect(data).toMatchObject({
      locked: false,
      duplicate: true,
      status: 'duplicate',
      key: 'order:42',
      ttl: 120,
      first_seen_at: blocked.detail.first_seen_at,
    });
  });

  it('`meta` (the alias) is sent as `metadata`, which Prism accepts', async () => {
    const result = await client.checkLock({ key: 'k', meta: { a: 1 } }, prefer('locked'));

    expect(result.locked).toBe(true);
  });
});

interface ErrorCase {
  name: string;
  call: () => PromiseLike<unknown>;
  errorClass: abstract new (...args: never[]) => ApiError;
  status: number;
  /** The example whose `detail` the error must carry: [route, method, status, name]. */
  detailFrom: [string, string, string, string];
  code?: string;
}

const errorCases: ErrorCase[] = [
  {
    name: '403 feature_not_available is a PermissionDeniedError with its code',
    call: () =>
      client.gov.agentMetrics('support_bot', {}, preferCode(403, 'feature_not_available')),
    errorClass: PermissionDeniedError,
    status: 403,
    detailFrom: ['/v1/agents/{agent_id}/metrics', 'get', '403', 'feature_not_available'],
    code: 'feature_not_available',
  },
  {
    name: '403 plan_limit on createTool is a PermissionDeniedError',
    call: () =>
      client.gov.createTool(
        requestExample('/v1/tools', 'post', 'sendEmail'),
        preferCode(403, 'plan_limit'),
      ),
    errorClass: PermissionDeniedError,
    status: 403,
    detailFrom: ['/v1/tools', 'post', '403', 'plan_limit'],
    code: 'plan_limit',
  },
  {
    name: '403 with a string detail (invalid API key) is an AuthenticationError',
    call: () => client.me(preferCode(403, 'invalid_api_key')),
    errorClass: AuthenticationError,
    status: 403,
    detailFrom: ['/v1/me', 'get', '403', 'invalid_api_key'],
  },
  {
    name: '403 on checkLock follows the same rule: feature_not_available is a permission error',
    call: () => client.checkLock({ key: 'k' }, preferCode(403, 'feature_not_available')),
    errorClass: PermissionDeniedError,
    status: 403,
    detailFrom: ['/v1/check-lock', 'post', '403', 'feature_not_available'],
    code: 'feature_not_available',
  },
  {
    name: '401 is an AuthenticationError',
    call: () => client.gov.listPolicies(preferCode(401)),
    errorClass: AuthenticationError,
    status: 401,
    detailFrom: ['/v1/policies', 'get', '401', 'missing_token'],
  },
  {
    name: '401 on checkLock is an AuthenticationError',
    call: () => client.checkLock({ key: 'k' }, preferCode(401)),
    errorClass: AuthenticationError,
    status: 401,
    detailFrom: ['/v1/check-lock', 'post', '401', 'missing_token'],
  },
  {
    name: '402 is an OverLimitError',
    call: () => client.usage({}, preferCode(402)),
    errorClass: OverLimitError,
    status: 402,
    detailFrom: ['/v1/usage', 'get', '402', 'payment_required'],
    code: 'payment_required',
  },
  {
    name: '404 policy_not_found is a NotFoundError',
    call: () => client.gov.getPolicy('support_bot', preferCode(404)),
    errorClass: NotFoundError,
    status: 404,
    detailFrom: ['/v1/policies/{agent_id}', 'get', '404', 'policy_not_found'],
    code: 'policy_not_found',
  },
  {
    name: '404 tool_not_found on deleteTool is a NotFoundError',
    call: () => client.gov.deleteTool('send_email', {}, preferCode(404)),
    errorClass: NotFoundError,
    status: 404,
    detailFrom: ['/v1/tools/{name}', 'delete', '404', 'tool_not_found'],
    code: 'tool_not_found',
  },
  {
    name: '404 run_not_found is a NotFoundError',
    call: () => client.getRun('run_support_001', {}, preferCode(404)),
    errorClass: NotFoundError,
    status: 404,
    detailFrom: ['/v1/runs/{run_id}', 'get', '404', 'run_not_found'],
    code: 'run_not_found',
  },
  {
    name: '422 (validation issues) is a ValidationError with the issues in detail',
    call: () =>
      client.postEvent({ run_id: 'run_1', type: 'note' }, preferCode(422, 'missing_field')),
    errorClass: ValidationError,
    status: 422,
    detailFrom: ['/v1/events', 'post', '422', 'missing_field'],
  },
  {
    name: '422 (a rule) on checkLock is a ValidationError with its code',
    call: () => client.checkLock({ key: 'k' }, preferCode(422, 'rule')),
    errorClass: ValidationError,
    status: 422,
    detailFrom: ['/v1/check-lock', 'post', '422', 'rule'],
    code: 'invalid_run_mode',
  },
  {
    name: '429 is a RateLimitError',
    call: () => client.listRuns({}, preferCode(429)),
    errorClass: RateLimitError,
    status: 429,
    detailFrom: ['/v1/runs', 'get', '429', 'rate_limited'],
    code: 'rate_limited',
  },
  {
    name: '500 is an InternalServerError',
    call: () => client.usageAll(preferCode(500)),
    errorClass: InternalServerError,
    status: 500,
    detailFrom: ['/v1/usage/all', 'get', '500', 'internal'],
  },
  {
    name: '503 is an InternalServerError',
    call: () => client.gov.listTools({}, preferCode(503)),
    errorClass: InternalServerError,
    status: 503,
    detailFrom: ['/v1/tools', 'get', '503', 'unavailable'],
  },
];

describe('error examples of the spec map to the SDK’s error classes', () => {
  it.each(errorCases)('$name', async ({ call, errorClass, status, detailFrom, code }) => {
    const error = await Promise.resolve(call()).then(
      () => new Error('expected the call to fail, but it succeeded'),
      (reason: unknown) => reason,
    );
    const [route, method, errorStatus, name] = detailFrom;
    const expected = responseExample(specPath, route, method, errorStatus, name) as {
      detail: unknown;
    };

    expect(error).toBeInstanceOf(errorClass);
    expect(error).toMatchObject({ status, detail: expected.detail, code });
  });
});

describe('Prism checks requests, so the successes above are evidence', () => {
  it('a request that breaks the spec (check-lock without a key) is answered 422', async () => {
    const response = await fetch(`${prismUrl}/v1/check-lock`, {
      method: 'POST',
      headers: { Authorization: 'Bearer x', 'Content-Type': 'application/json' },
      body: JSON.stringify({ ttl: 60 }),
    });

    expect(response.status).toBe(422);
  });
});
