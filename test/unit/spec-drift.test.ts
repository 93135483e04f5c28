// Holds the SDK and openapi/onceonly.yaml together: a constraint, a retry mode or an operation
// changed on one side only makes one of these tests fail.

import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { Ai, Governance, OnceOnly, signToolCall, TERMINAL_STATUSES } from '../../src/index.js';
import { type ApiRequest, type ApiResponse, Transport } from '../../src/internal/transport.js';
import { LIMITS } from '../../src/internal/validate.js';

type Node = { [key: string]: unknown };

const spec = parse(
  readFileSync(new URL('../../openapi/onceonly.yaml', import.meta.url), 'utf8'),
) as Node;

/** Resolves a local `$ref` (any JSON pointer into the spec), repeatedly. */
function resolve(node: unknown): Node {
  let current = node;
  while (isNode(current) && typeof current.$ref === 'string') {
    let target: unknown = spec;
    for (const raw of current.$ref.replace(/^#\//, '').split('/')) {
      const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
      target = isNode(target) ? target[key] : undefined;
    }
    if (target === undefined) throw new Error(`spec: nothing at ${current.$ref}`);
    current = target;
  }
  if (!isNode(current)) throw new Error('spec: expected an object');
  return current;
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function at(node: unknown, ...keys: string[]): Node {
  let current = resolve(node);
  for (const key of keys) current = resolve(current[key]);
  return current;
}

const schema = (name: string, ...keys: string[]) =>
  at(spec, 'components', 'schemas', name, ...keys);

/** A query or path parameter's schema, from the path item or the operation. */
function parameterSchema(route: string, method: string, name: string): Node {
  const pathItem = at(spec, 'paths', route);
  const operation = at(pathItem, method);
  const parameters = [
    ...((pathItem.parameters as unknown[] | undefined) ?? []),
    ...((operation.parameters as unknown[] | undefined) ?? []),
  ].map(resolve);
  const parameter = parameters.find((candidate) => candidate.name === name);
  if (!parameter) throw new Error(`spec: ${method} ${route} has no parameter ${name}`);
  return resolve(parameter.schema);
}

const range = (node: Node) => ({ min: node.minimum, max: node.maximum });

/** The byte limit a description states ("at most 2048 bytes"). */
function bytesIn(description: unknown): number {
  const match = /at most (\d+) bytes/i.exec(String(description));
  if (!match) throw new Error(`no byte limit in: ${String(description)}`);
  return Number(match[1]);
}

// The regular expression the SDK uses for a string `format` of the spec.
const FORMAT_PATTERNS: Record<string, string> = { date: String.raw`^\d{4}-\d{2}-\d{2}$` };

/** A LIMITS value next to the spec's: a RegExp compared by source, as a pattern string. */
function comparable(sdk: unknown, stated: unknown): [unknown, unknown] {
  if (sdk instanceof RegExp && typeof stated === 'string') {
    return [sdk.source, new RegExp(stated).source];
  }
  return [sdk, stated];
}

type LimitName = keyof typeof LIMITS;

/** Where the spec states each limit of LIMITS. Some limits are stated in several places. */
const SPEC_LIMITS: { limit: LimitName; where: string; value: () => unknown }[] = [
  { limit: 'idMaxLength', where: 'Key.maxLength', value: () => schema('Key').maxLength },
  { limit: 'idMaxLength', where: 'AgentId.maxLength', value: () => schema('AgentId').maxLength },
  { limit: 'idMaxLength', where: 'RunId.maxLength', value: () => schema('RunId').maxLength },
  { limit: 'idMaxLength', where: 'ToolName.maxLength', value: () => schema('ToolName').maxLength },
  {
    limit: 'idMaxLength',
    where: 'GET /v1/runs q.maxLength',
    value: () => parameterSchema('/v1/runs', 'get', 'q').maxLength,
  },
  {
    limit: 'metadataMaxBytes',
    where: 'Metadata.description',
    value: () => bytesIn(schema('Metadata').description),
  },
  {
    limit: 'metadataMaxBytes',
    where: 'RunMetadata.description',
    value: () => bytesIn(schema('RunMetadata').description),
  },
  { limit: 'toolNamePattern', where: 'ToolName.pattern', value: () => schema('ToolName').pattern },
  { limit: 'scopeIdPattern', where: 'ScopeId.pattern', value: () => schema('ScopeId').pattern },
  {
    limit: 'toolUrlPattern',
    where: 'ToolUpsertRequest.url.pattern',
    value: () => schema('ToolUpsertRequest', 'properties', 'url').pattern,
  },
  {
    limit: 'toolSecretMinLength',
    where: 'ToolAuth.secret.minLength',
    value: () => schema('ToolAuth', 'properties', 'secret').minLength,
  },
  {
    limit: 'toolTimeoutMs',
    where: 'ToolUpsertRequest.timeout_ms minimum/maximum',
    value: () => range(schema('ToolUpsertRequest', 'properties', 'timeout_ms')),
  },
  {
    limit: 'toolMaxRetries',
    where: 'ToolUpsertRequest.max_retries minimum/maximum',
    value: () => range(schema('ToolUpsertRequest', 'properties', 'max_retries')),
  },
  {
    limit: 'descriptionMaxLength',
    where: 'ToolUpsertRequest.description.maxLength',
    value: () => schema('ToolUpsertRequest', 'properties', 'description').maxLength,
  },
  {
    limit: 'reasonMaxLength',
    where: 'AgentSwitchRequest.reason.maxLength',
    value: () => schema('AgentSwitchRequest', 'properties', 'reason').maxLength,
  },
  {
    limit: 'eventTypeMaxLength',
    where: 'RunEventCreate.type.maxLength',
    value: () => schema('RunEventCreate', 'properties', 'type').maxLength,
  },
  {
    limit: 'agentLogsLimit',
    where: 'GET /v1/agents/{agent_id}/logs limit',
    value: () => range(parameterSchema('/v1/agents/{agent_id}/logs', 'get', 'limit')),
  },
  {
    limit: 'eventsLimit',
    where: 'GET /v1/events limit',
    value: () => range(parameterSchema('/v1/events', 'get', 'limit')),
  },
  {
    limit: 'runsLimit',
    where: 'GET /v1/runs limit',
    value: () => range(parameterSchema('/v1/runs', 'get', 'limit')),
  },
  {
    limit: 'runTimelineLimit',
    where: 'GET /v1/runs/{run_id} limit',
    value: () => range(parameterSchema('/v1/runs/{run_id}', 'get', 'limit')),
  },
  {
    limit: 'dayPattern',
    where: 'GET /v1/metrics from_day format',
    value: () => FORMAT_PATTERNS[String(parameterSchema('/v1/metrics', 'get', 'from_day').format)],
  },
  {
    limit: 'dayPattern',
    where: 'GET /v1/metrics to_day format',
    value: () => FORMAT_PATTERNS[String(parameterSchema('/v1/metrics', 'get', 'to_day').format)],
  },
];

describe('LIMITS in src/internal/validate.ts equal the spec’s constraints', () => {
  it.each(SPEC_LIMITS)('LIMITS.$limit equals the spec’s $where', ({ limit, value }) => {
    const stated = value();
    expect(stated, 'the spec states this constraint').toBeDefined();
    const [sdk, fromSpec] = comparable(LIMITS[limit], stated);
    expect(sdk).toEqual(fromSpec);
  });

  it('every limit of LIMITS is compared with the spec above', () => {
    const compared = new Set(SPEC_LIMITS.map(({ limit }) => limit));
    expect([...compared].sort()).toEqual(Object.keys(LIMITS).sort());
  });
});

// Every SDK method, each with a call that reaches the transport.
const SDK_CALLS: { method: string; operationId: string; call: (c: OnceOnly) => unknown }[] = [
  { method: 'checkLock', operationId: 'checkLock', call: (c) => c.checkLock({ key: 'k' }) },
  {
    method: 'gov.upsertPolicy',
    operationId: 'upsertPolicy',
    call: (c) => c.gov.upsertPolicy({ agent_id: 'bot' }),
  },
  {
    method: 'gov.policyFromTemplate',
    operationId: 'policyFromTemplate',
    call: (c) => c.gov.policyFromTemplate({ agent_id: 'bot', template: 'strict' }),
  },
  { method: 'gov.listPolicies', operationId: 'listPolicies', call: (c) => c.gov.listPolicies() },
  { method: 'gov.getPolicy', operationId: 'getPolicy', call: (c) => c.gov.getPolicy('bot') },
  {
    method: 'gov.createTool',
    operationId: 'createTool',
    call: (c) =>
      c.gov.createTool({
        name: 't',
        url: 'https://example.com',
        auth: { type: 'hmac_sha256', secret: '12345678' },
      }),
  },
  { method: 'gov.listTools', operationId: 'listTools', call: (c) => c.gov.listTools() },
  { method: 'gov.getTool', operationId: 'getTool', call: (c) => c.gov.getTool('t') },
  {
    method: 'gov.toggleTool',
    operationId: 'toggleTool',
    call: (c) => c.gov.toggleTool('t', { enabled: true }),
  },
  { method: 'gov.deleteTool', operationId: 'deleteTool', call: (c) => c.gov.deleteTool('t') },
  { method: 'gov.disableAgent', operationId: 'disableAgent', call: (c) => c.gov.disableAgent('b') },
  { method: 'gov.enableAgent', operationId: 'enableAgent', call: (c) => c.gov.enableAgent('b') },
  { method: 'gov.agentLogs', operationId: 'listAgentLogs', call: (c) => c.gov.agentLogs('b') },
  {
    method: 'gov.agentMetrics',
    operationId: 'getAgentMetrics',
    call: (c) => c.gov.agentMetrics('b'),
  },
  { method: 'me', operationId: 'getMe', call: (c) => c.me() },
  { method: 'usage', operationId: 'getUsage', call: (c) => c.usage() },
  { method: 'usageAll', operationId: 'getUsageAll', call: (c) => c.usageAll() },
  { method: 'metrics', operationId: 'getMetrics', call: (c) => c.metrics() },
  {
    method: 'updateNotifications',
    operationId: 'updateNotifications',
    call: (c) => c.updateNotifications({ email_notifications_enabled: true }),
  },
  { method: 'events', operationId: 'listEvents', call: (c) => c.events() },
  {
    method: 'postEvent',
    operationId: 'postEvent',
    call: (c) => c.postEvent({ run_id: 'r', type: 'note' }),
  },
  { method: 'listRuns', operationId: 'listRuns', call: (c) => c.listRuns() },
  { method: 'getRun', operationId: 'getRun', call: (c) => c.getRun('r') },
  { method: 'ai.run', operationId: 'aiRun', call: (c) => c.ai.run({ key: 'k' }) },
  {
    method: 'ai.runTool',
    operationId: 'aiRun',
    call: (c) => c.ai.runTool({ agent_id: 'bot', tool: 't' }),
  },
  { method: 'ai.status', operationId: 'getLeaseStatus', call: (c) => c.ai.status('k') },
  { method: 'ai.result', operationId: 'getLeaseResult', call: (c) => c.ai.result('k') },
  { method: 'ai.lease', operationId: 'acquireLease', call: (c) => c.ai.lease({ key: 'k' }) },
  {
    method: 'ai.extend',
    operationId: 'extendLease',
    call: (c) => c.ai.extend({ key: 'k', lease_id: 'l' }),
  },
  {
    method: 'ai.complete',
    operationId: 'completeLease',
    call: (c) => c.ai.complete({ key: 'k', lease_id: 'l' }),
  },
  {
    method: 'ai.fail',
    operationId: 'failLease',
    call: (c) => c.ai.fail({ key: 'k', lease_id: 'l', error_code: 'e' }),
  },
  {
    method: 'ai.cancel',
    operationId: 'cancelLease',
    call: (c) => c.ai.cancel({ key: 'k', lease_id: 'l' }),
  },
];

// Methods that make several requests through the ones above (polling, a lease cycle); they
// have tests of their own.
const COMPOSITE_METHODS = ['ai.runAndWait', 'ai.runFn', 'ai.wait'];

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every operation of the spec: operationId, method, path and `x-onceonly-retry`. */
const SPEC_OPERATIONS = Object.entries(at(spec, 'paths')).flatMap(([route, item]) =>
  Object.entries(resolve(item))
    .filter(([method]) => HTTP_METHODS.includes(method))
    .map(([method, operation]) => {
      const op = resolve(operation);
      return { operationId: String(op.operationId), method, route, retry: op['x-onceonly-retry'] };
    }),
);

/** The ApiRequest each SDK call hands to the transport (nothing is sent). */
async function requestOf(call: (client: OnceOnly) => unknown): Promise<ApiRequest[]> {
  const requests: ApiRequest[] = [];
  vi.spyOn(Transport.prototype, 'request').mockImplementation(async (req: ApiRequest) => {
    requests.push(req);
    const answer: ApiResponse = {
      data: { status: 'locked', data: [] },
      incoming: {
        status: 200,
        header: () => null,
        text: '{}',
        response: () => new Response('{}', { status: 200 }),
      },
      request_id: 'req_spy',
      retriedAfterUnknownOutcome: false,
    };
    return answer;
  });
  await call(new OnceOnly({ apiKey: 'once_live_spy_key', baseUrl: 'https://api.test' }));
  return requests;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the retry mode of every SDK method equals the spec’s', () => {
  it.each(SDK_CALLS)(
    '$method sends $operationId with its x-onceonly-retry (POST) or safe (GET, DELETE)',
    async ({ call, operationId }) => {
      const requests = await requestOf(call);
      expect(requests).toHaveLength(1);
      const [req] = requests as [ApiRequest];

      const operation = SPEC_OPERATIONS.find(
        (candidate) =>
          candidate.route === req.path && candidate.method === req.method.toLowerCase(),
      );
      expect(operation?.operationId, `${req.method} ${req.path}`).toBe(operationId);
      const expected = req.method === 'POST' ? operation?.retry : 'safe';
      expect(expected, 'the spec gives a retry mode').toMatch(/^(safe|replay|never)$/);
      expect(req.retry).toBe(expected);
    },
  );

  it('every POST of the spec says its retry mode, and no GET or DELETE does', () => {
    const missing = SPEC_OPERATIONS.filter(({ method, retry }) =>
      method === 'post' ? retry === undefined : retry !== undefined,
    );
    expect(missing).toEqual([]);
  });
});

describe('the spec’s operations and the SDK’s methods', () => {
  it('SDK_CALLS lists every public method of the client, client.gov and client.ai', () => {
    const methodsOf = (prototype: object, prefix: string) =>
      Object.getOwnPropertyNames(prototype)
        .filter((name) => name !== 'constructor')
        .map((name) => `${prefix}${name}`);
    const client = new OnceOnly({ apiKey: 'once_live_spy_key' });
    const namespaces = Object.entries(client)
      .filter(([, value]) => typeof value === 'object' && value !== null)
      .map(([name]) => name)
      .sort();

    // A new namespace wraps more operations: add its methods to SDK_CALLS.
    expect(namespaces, 'namespaces of the client').toEqual(['ai', 'gov']);
    expect(client.gov).toBeInstanceOf(Governance);
    expect(client.ai).toBeInstanceOf(Ai);
    expect([...SDK_CALLS.map(({ method }) => method), ...COMPOSITE_METHODS].sort()).toEqual(
      [
        ...methodsOf(OnceOnly.prototype, ''),
        ...methodsOf(Governance.prototype, 'gov.'),
        ...methodsOf(Ai.prototype, 'ai.'),
      ].sort(),
    );
  });

  it('every operation of the spec has an SDK method, and every method an operation', () => {
    const wrapped = new Set(SDK_CALLS.map(({ operationId }) => operationId));
    const operations = SPEC_OPERATIONS.map(({ operationId }) => operationId);

    expect(operations.filter((operationId) => !wrapped.has(operationId))).toEqual([]);
    expect([...wrapped].filter((operationId) => !operations.includes(operationId))).toEqual([]);
  });
});

describe('enums of the spec are accepted by the SDK, and only they', () => {
  const enums: {
    name: string;
    values: () => unknown;
    call: (client: OnceOnly, value: string) => unknown;
  }[] = [
    {
      name: 'PolicyTemplate (policyFromTemplate template)',
      values: () => schema('PolicyTemplate').enum,
      call: (c, value) => c.gov.policyFromTemplate({ agent_id: 'b', template: value as 'strict' }),
    },
    {
      name: 'MetricsPeriod (agentMetrics period)',
      values: () => schema('MetricsPeriod').enum,
      call: (c, value) => c.gov.agentMetrics('b', { period: value as 'day' }),
    },
    {
      name: 'UsageKind (usage kind)',
      values: () => schema('UsageKind').enum,
      call: (c, value) => c.usage({ kind: value as 'ai' }),
    },
    {
      name: 'ToolAuth.type (createTool auth.type)',
      values: () => schema('ToolAuth', 'properties', 'type').enum,
      call: (c, value) =>
        c.gov.createTool({
          name: 't',
          url: 'https://example.com',
          auth: { type: value as 'hmac_sha256', secret: '12345678' },
        }),
    },
  ];

  it.each(enums)('$name', async ({ values, call }) => {
    const members = values() as string[];
    expect(members.length).toBeGreaterThan(0);
    for (const value of members) {
      expect(await requestOf((client) => call(client, value)), value).toHaveLength(1);
    }
    await expect(requestOf((client) => call(client, 'not_a_member'))).rejects.toMatchObject({
      name: 'InvalidInputError',
    });
  });
});

describe('the statuses that end a wait', () => {
  it('are the ones the spec marks terminal (x-onceonly-terminal), and exist in its enum', () => {
    const statuses = schema('LeaseStatusValue');
    const terminal = statuses['x-onceonly-terminal'] as string[];
    expect([...TERMINAL_STATUSES].sort()).toEqual([...terminal].sort());
    for (const status of terminal) expect(statuses.enum).toContain(status);
  });
});

describe('the toolCall webhook and signToolCall', () => {
  it('signToolCall makes exactly the headers the webhook requires, each of its form', async () => {
    const webhook = at(spec, 'webhooks', 'toolCall', 'post');
    const parameters = (webhook.parameters as unknown[]).map(resolve);
    const body = JSON.stringify({ tool: 'send_email', agent_id: 'bot', args: {} });
    const headers = await signToolCall(body, 'whsec_drift_secret', { now: 1_774_953_000_000 });

    expect(Object.keys(headers).sort()).toEqual(parameters.map((p) => p.name).sort());
    for (const parameter of parameters) {
      const value = headers[String(parameter.name)];
      const form = resolve(parameter.schema);
      expect(parameter.in).toBe('header');
      expect(parameter.required).toBe(true);
      if (typeof form.pattern === 'string') expect(value).toMatch(new RegExp(form.pattern));
      if (Array.isArray(form.enum)) expect(form.enum).toContain(value);
    }
  });
});
