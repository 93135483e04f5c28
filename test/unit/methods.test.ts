import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, OnceOnly } from '../../src/index.js';
import { echoing, type RecordingFetch, recordingFetch } from '../support/recording-fetch.js';
import { responseExample } from '../support/spec-examples.js';

const SPEC = fileURLToPath(new URL('../../openapi/onceonly.yaml', import.meta.url));

/** The named 200 example of an operation: what the fake server answers. */
function example(route: string, method: string, name: string): unknown {
  return responseExample(SPEC, route, method, '200', name);
}

function clientWith(fetch: RecordingFetch): OnceOnly {
  return new OnceOnly({ apiKey: 'once_live_unit_key', baseUrl: 'https://api.test/v1/', fetch });
}

const POLICY = example('/v1/policies/{agent_id}', 'get', 'supportBot');
const TOOL = example('/v1/tools/{name}', 'get', 'sendEmail');
const TOGGLED = example('/v1/tools/{name}/toggle', 'post', 'disabled');
const DELETED = example('/v1/tools/{name}', 'delete', 'deleted');
const DISABLED = example('/v1/agents/{agent_id}/disable', 'post', 'disabled');
const ENABLED = example('/v1/agents/{agent_id}/enable', 'post', 'enabled');
const LOGS = example('/v1/agents/{agent_id}/logs', 'get', 'two');
const AGENT_METRICS = example('/v1/agents/{agent_id}/metrics', 'get', 'day');
const USAGE = example('/v1/usage', 'get', 'make');
const USAGE_ALL = example('/v1/usage/all', 'get', 'starter');
const ME = example('/v1/me', 'get', 'starter');
const NOTIFICATIONS = example('/v1/me/notifications', 'post', 'updated');
const METRICS = example('/v1/metrics', 'get', 'twoDays');
const EVENTS = example('/v1/events', 'get', 'recent') as { data: unknown[] };
const EVENT_CREATED = example('/v1/events', 'post', 'created');
const RUNS = example('/v1/runs', 'get', 'page');
const RUN = example('/v1/runs/{run_id}', 'get', 'finished');

const SECRET = 'whsec_example_key';

interface MethodCase {
  name: string;
  call: (client: OnceOnly) => PromiseLike<unknown>;
  method: 'GET' | 'POST' | 'DELETE';
  /** The path and query as they go on the wire. */
  url: string;
  /** The JSON body sent; `undefined` for none. */
  body?: unknown;
  /** What the server answers. */
  reply: unknown;
  /** What the method gives the caller; default `reply`. */
  result?: unknown;
}

const governanceCases: MethodCase[] = [
  {
    name: 'gov.upsertPolicy sends every rule and the agent_id',
    call: (client) =>
      client.gov.upsertPolicy({
        agent_id: 'support_bot',
        allowed_tools: ['send_email', 'create_ticket'],
        blocked_tools: ['delete_user'],
        max_actions_per_hour: 100,
        max_spend_usd_per_day: 50,
        max_calls_per_tool: { send_email: 20 },
        pricing_rules: [{ tool: 'send_email', price_usd: 0.01 }],
      }),
    method: 'POST',
    url: '/v1/policies/support_bot',
    body: {
      agent_id: 'support_bot',
      allowed_tools: ['send_email', 'create_ticket'],
      blocked_tools: ['delete_user'],
      max_actions_per_hour: 100,
      max_spend_usd_per_day: 50,
      max_calls_per_tool: { send_email: 20 },
      pricing_rules: [{ tool: 'send_email', price_usd: 0.01 }],
    },
    reply: POLICY,
  },
  {
    name: 'gov.upsertPolicy encodes the agent id as one segment and sends only the rules given',
    call: (client) => client.gov.upsertPolicy({ agent_id: 'a b/c', max_actions_per_hour: 0 }),
    method: 'POST',
    url: '/v1/policies/a%20b%2Fc',
    body: { agent_id: 'a b/c', max_actions_per_hour: 0 },
    reply: POLICY,
  },
  {
    name: 'gov.policyFromTemplate sends agent_id, template and overrides',
    call: (client) =>
      client.gov.policyFromTemplate({
        agent_id: 'support_bot',
        template: 'support_bot',
        overrides: { max_spend_usd_per_day: 20 },
      }),
    method: 'POST',
    url: '/v1/policies/support_bot/from-template',
    body: {
      agent_id: 'support_bot',
      template: 'support_bot',
      overrides: { max_spend_usd_per_day: 20 },
    },
    reply: POLICY,
  },
  {
    name: 'gov.policyFromTemplate without overrides sends empty overrides, unicode id encoded',
    call: (client) => client.gov.policyFromTemplate({ agent_id: 'agent-é', template: 'strict' }),
    method: 'POST',
    url: '/v1/policies/agent-%C3%A9/from-template',
    body: { agent_id: 'agent-é', template: 'strict', overrides: {} },
    reply: POLICY,
  },
  {
    name: 'gov.listPolicies',
    call: (client) => client.gov.listPolicies(),
    method: 'GET',
    url: '/v1/policies',
    reply: example('/v1/policies', 'get', 'one'),
  },
  {
    name: 'gov.getPolicy encodes the agent id',
    call: (client) => client.gov.getPolicy('a b/c'),
    method: 'GET',
    url: '/v1/policies/a%20b%2Fc',
    reply: POLICY,
  },
  {
    name: 'gov.getPolicy encodes a unicode agent id as UTF-8',
    call: (client) => client.gov.getPolicy('агент/1'),
    method: 'GET',
    url: '/v1/policies/%D0%B0%D0%B3%D0%B5%D0%BD%D1%82%2F1',
    reply: POLICY,
  },
  {
    name: 'gov.createTool sends every field given',
    call: (client) =>
      client.gov.createTool({
        name: 'send_email',
        scope_id: 'global',
        url: 'https://tools.example.com/send-email',
        auth: { type: 'hmac_sha256', secret: SECRET },
        timeout_ms: 15000,
        max_retries: 2,
        enabled: true,
        description: 'Send a transactional email',
      }),
    method: 'POST',
    url: '/v1/tools',
    body: {
      name: 'send_email',
      scope_id: 'global',
      url: 'https://tools.example.com/send-email',
      auth: { type: 'hmac_sha256', secret: SECRET },
      timeout_ms: 15000,
      max_retries: 2,
      enabled: true,
      description: 'Send a transactional email',
    },
    reply: TOOL,
  },
  {
    name: 'gov.createTool adds no defaults to the fields given',
    call: (client) =>
      client.gov.createTool({
        name: 'crm.lookup:v2',
        url: 'http://localhost:9000/lookup',
        auth: { type: 'hmac_sha256', secret: '12345678' },
      }),
    method: 'POST',
    url: '/v1/tools',
    body: {
      name: 'crm.lookup:v2',
      url: 'http://localhost:9000/lookup',
      auth: { type: 'hmac_sha256', secret: '12345678' },
    },
    reply: TOOL,
  },
  {
    name: 'gov.listTools leaves the default scope out',
    call: (client) => client.gov.listTools(),
    method: 'GET',
    url: '/v1/tools',
    reply: example('/v1/tools', 'get', 'two'),
  },
  {
    name: 'gov.listTools sends a given scope_id',
    call: (client) => client.gov.listTools({ scope_id: 'agent:support_bot' }),
    method: 'GET',
    url: '/v1/tools?scope_id=agent%3Asupport_bot',
    reply: [],
  },
  {
    name: 'gov.getTool',
    call: (client) => client.gov.getTool('send_email'),
    method: 'GET',
    url: '/v1/tools/send_email',
    reply: TOOL,
  },
  {
    name: 'gov.getTool encodes the name and sends the scope',
    call: (client) => client.gov.getTool('crm.lookup:v2', { scope_id: 'agent:a b' }),
    method: 'GET',
    url: '/v1/tools/crm.lookup%3Av2?scope_id=agent%3Aa+b',
    reply: TOOL,
  },
  {
    name: 'gov.toggleTool sends enabled in the body',
    call: (client) => client.gov.toggleTool('send_email', { enabled: false }),
    method: 'POST',
    url: '/v1/tools/send_email/toggle',
    body: { enabled: false },
    reply: TOGGLED,
  },
  {
    name: 'gov.toggleTool sends scope_id in the query, not the body',
    call: (client) => client.gov.toggleTool('send_email', { enabled: true, scope_id: 'global' }),
    method: 'POST',
    url: '/v1/tools/send_email/toggle?scope_id=global',
    body: { enabled: true },
    reply: TOGGLED,
  },
  {
    name: 'gov.deleteTool',
    call: (client) => client.gov.deleteTool('send_email'),
    method: 'DELETE',
    url: '/v1/tools/send_email',
    reply: DELETED,
  },
  {
    name: 'gov.deleteTool sends a given scope_id',
    call: (client) => client.gov.deleteTool('send_email', { scope_id: 'agent:bot-1' }),
    method: 'DELETE',
    url: '/v1/tools/send_email?scope_id=agent%3Abot-1',
    reply: DELETED,
  },
  {
    name: 'gov.disableAgent sends the reason',
    call: (client) => client.gov.disableAgent('support_bot', { reason: 'incident 4711' }),
    method: 'POST',
    url: '/v1/agents/support_bot/disable',
    body: { reason: 'incident 4711' },
    reply: DISABLED,
  },
  {
    name: 'gov.disableAgent without a reason sends no body, id encoded',
    call: (client) => client.gov.disableAgent('a b/c'),
    method: 'POST',
    url: '/v1/agents/a%20b%2Fc/disable',
    reply: DISABLED,
  },
  {
    name: 'gov.enableAgent without a reason sends no body',
    call: (client) => client.gov.enableAgent('support_bot'),
    method: 'POST',
    url: '/v1/agents/support_bot/enable',
    reply: ENABLED,
  },
  {
    name: 'gov.enableAgent sends a given reason',
    call: (client) => client.gov.enableAgent('support_bot', { reason: 'incident resolved' }),
    method: 'POST',
    url: '/v1/agents/support_bot/enable',
    body: { reason: 'incident resolved' },
    reply: ENABLED,
  },
  {
    name: 'gov.agentLogs leaves the default limit out',
    call: (client) => client.gov.agentLogs('support_bot'),
    method: 'GET',
    url: '/v1/agents/support_bot/logs',
    reply: LOGS,
  },
  {
    name: 'gov.agentLogs sends a given limit, id encoded',
    call: (client) => client.gov.agentLogs('a b/c', { limit: 500 }),
    method: 'GET',
    url: '/v1/agents/a%20b%2Fc/logs?limit=500',
    reply: LOGS,
  },
  {
    name: 'gov.agentMetrics leaves the default period out',
    call: (client) => client.gov.agentMetrics('support_bot'),
    method: 'GET',
    url: '/v1/agents/support_bot/metrics',
    reply: AGENT_METRICS,
  },
  {
    name: 'gov.agentMetrics sends a given period',
    call: (client) => client.gov.agentMetrics('support_bot', { period: 'week' }),
    method: 'GET',
    url: '/v1/agents/support_bot/metrics?period=week',
    reply: AGENT_METRICS,
  },
];

const TOOL_CALL_EVENT = {
  run_id: 'run_support_001',
  type: 'tool_call',
  ts: 1774953000,
  status: 'start',
  step: 'lookup',
  tool: 'crm.lookup',
  message: 'looking up the customer',
  data: { customer_id: 'c_42' },
};

const accountCases: MethodCase[] = [
  { name: 'me', call: (c) => c.me(), method: 'GET', url: '/v1/me', reply: ME },
  {
    name: 'usage leaves the default kind out',
    call: (client) => client.usage(),
    method: 'GET',
    url: '/v1/usage',
    reply: USAGE,
  },
  {
    name: 'usage sends a given kind',
    call: (client) => client.usage({ kind: 'ai' }),
    method: 'GET',
    url: '/v1/usage?kind=ai',
    reply: USAGE,
  },
  {
    name: 'usageAll',
    call: (client) => client.usageAll(),
    method: 'GET',
    url: '/v1/usage/all',
    reply: USAGE_ALL,
  },
  {
    name: 'metrics leaves the default days out',
    call: (client) => client.metrics(),
    method: 'GET',
    url: '/v1/metrics',
    reply: METRICS,
  },
  {
    name: 'metrics sends the given days',
    call: (client) => client.metrics({ from_day: '2026-03-30', to_day: '2026-03-31' }),
    method: 'GET',
    url: '/v1/metrics?from_day=2026-03-30&to_day=2026-03-31',
    reply: METRICS,
  },
  {
    name: 'updateNotifications sends only the settings given',
    call: (client) => client.updateNotifications({ run_failure_notifications_enabled: false }),
    method: 'POST',
    url: '/v1/me/notifications',
    body: { run_failure_notifications_enabled: false },
    reply: NOTIFICATIONS,
  },
  {
    name: 'updateNotifications sends all three settings',
    call: (client) =>
      client.updateNotifications({
        email_notifications_enabled: true,
        tool_error_notifications_enabled: false,
        run_failure_notifications_enabled: true,
      }),
    method: 'POST',
    url: '/v1/me/notifications',
    body: {
      email_notifications_enabled: true,
      tool_error_notifications_enabled: false,
      run_failure_notifications_enabled: true,
    },
    reply: NOTIFICATIONS,
  },
  {
    name: 'events unwraps `data` and leaves default limit and offset out',
    call: (client) => client.events(),
    method: 'GET',
    url: '/v1/events',
    reply: EVENTS,
    result: EVENTS.data,
  },
  {
    name: 'events sends a given limit and offset',
    call: (client) => client.events({ limit: 10, offset: 20 }),
    method: 'GET',
    url: '/v1/events?limit=10&offset=20',
    reply: { data: [] },
    result: [],
  },
  {
    name: 'postEvent sends the event as given, its extra keys included',
    call: (client) => client.postEvent({ ...TOOL_CALL_EVENT, attempt: 2 }),
    method: 'POST',
    url: '/v1/events',
    body: { ...TOOL_CALL_EVENT, attempt: 2 },
    reply: EVENT_CREATED,
  },
  {
    name: 'postEvent with only run_id and type',
    call: (client) => client.postEvent({ run_id: 'run x', type: 'note' }),
    method: 'POST',
    url: '/v1/events',
    body: { run_id: 'run x', type: 'note' },
    reply: EVENT_CREATED,
  },
  {
    name: 'listRuns leaves the defaults out',
    call: (client) => client.listRuns(),
    method: 'GET',
    url: '/v1/runs',
    reply: RUNS,
  },
  {
    name: 'listRuns sends given limit, offset (0 included) and q',
    call: (client) => client.listRuns({ limit: 1, offset: 0, q: 'run_sup' }),
    method: 'GET',
    url: '/v1/runs?limit=1&offset=0&q=run_sup',
    reply: RUNS,
  },
  {
    name: 'getRun encodes the run id (`run x/y` as `run%20x%2Fy`)',
    call: (client) => client.getRun('run x/y'),
    method: 'GET',
    url: '/v1/runs/run%20x%2Fy',
    reply: RUN,
  },
  {
    name: 'getRun sends a given limit and offset',
    call: (client) => client.getRun('run_support_001', { limit: 2000, offset: 5 }),
    method: 'GET',
    url: '/v1/runs/run_support_001?limit=2000&offset=5',
    reply: RUN,
  },
];

describe.each([
  { group: 'client.gov', cases: governanceCases },
  { group: 'account and runs', cases: accountCases },
])('$group methods: request sent and result returned', ({ cases }) => {
  it.each(cases)('$name', async ({ call, method, url, body, reply, result }) => {
    const fetch = recordingFetch(echoing(200, reply));
    const returned = await call(clientWith(fetch));

    expect(fetch.calls).toHaveLength(1);
    const [request] = fetch.calls;
    expect(request?.method).toBe(method);
    expect(request?.url.origin).toBe('https://api.test');
    expect(`${request?.url.pathname}${request?.url.search}`).toBe(url);
    if (body === undefined) {
      expect(request?.body).toBeNull();
      expect(request?.headers.get('Content-Type')).toBeNull();
    } else {
      expect(request?.json).toStrictEqual(body);
      expect(request?.headers.get('Content-Type')).toBe('application/json');
    }
    expect(returned).toStrictEqual(result ?? reply);
  });
});

describe('path parameters that URL parsing would resolve away', () => {
  // fetch parses the URL, and WHATWG URL parsing treats `%2E` and `%2E%2E` as `.` and `..`:
  // `/v1/tools/%2E%2E` goes out as `/v1/`. Such an id can only be refused before sending.
  const cases: { name: string; call: (client: OnceOnly) => PromiseLike<unknown>; field: string }[] =
    [
      { name: "gov.getTool('..')", call: (c) => c.gov.getTool('..'), field: 'name' },
      { name: "gov.getTool('.')", call: (c) => c.gov.getTool('.'), field: 'name' },
      {
        name: "gov.toggleTool('..')",
        call: (c) => c.gov.toggleTool('..', { enabled: false }),
        field: 'name',
      },
      { name: "gov.deleteTool('.')", call: (c) => c.gov.deleteTool('.'), field: 'name' },
      { name: "gov.getPolicy('..')", call: (c) => c.gov.getPolicy('..'), field: 'agent_id' },
      {
        name: "gov.upsertPolicy({ agent_id: '..' })",
        call: (c) => c.gov.upsertPolicy({ agent_id: '..' }),
        field: 'agent_id',
      },
      { name: "gov.disableAgent('..')", call: (c) => c.gov.disableAgent('..'), field: 'agent_id' },
      { name: "gov.agentLogs('.')", call: (c) => c.gov.agentLogs('.'), field: 'agent_id' },
      { name: "getRun('..')", call: (c) => c.getRun('..'), field: 'run_id' },
    ];

  it.each(cases)('$name is refused, never sent to another endpoint', async ({ call, field }) => {
    const fetch = recordingFetch(echoing(200, {}));
    const outcome = await Promise.resolve(call(clientWith(fetch))).then(
      () => 'sent',
      (error: unknown) => error,
    );

    expect(
      fetch.calls.map((request) => `${request.method} ${request.url.pathname}`),
      'requests that reached fetch',
    ).toEqual([]);
    expect(outcome).toBeInstanceOf(InvalidInputError);
    expect(outcome).toMatchObject({ field });
  });
});

const validTool = {
  name: 'send_email',
  url: 'https://tools.example.com/send-email',
  auth: { type: 'hmac_sha256' as const, secret: SECRET },
};

interface RefusalCase {
  name: string;
  call: (client: OnceOnly) => PromiseLike<unknown>;
  /** The `field` of the InvalidInputError. */
  field: string;
}

// Inputs are cast where they break the types on purpose: JavaScript callers have no types.
const refusals: RefusalCase[] = [
  // Tools
  {
    name: 'createTool: a name outside the pattern',
    call: (c) => c.gov.createTool({ ...validTool, name: 'send email' }),
    field: 'tool.name',
  },
  {
    name: 'createTool: a name of 257 characters',
    call: (c) => c.gov.createTool({ ...validTool, name: 'a'.repeat(257) }),
    field: 'tool.name',
  },
  {
    name: 'getTool: a name outside the pattern',
    call: (c) => c.gov.getTool('send/email'),
    field: 'name',
  },
  {
    name: 'toggleTool: a name outside the pattern',
    call: (c) => c.gov.toggleTool('send email', { enabled: true }),
    field: 'name',
  },
  { name: 'deleteTool: an empty name', call: (c) => c.gov.deleteTool(''), field: 'name' },
  {
    name: 'createTool: scope_id neither global nor agent:<id>',
    call: (c) => c.gov.createTool({ ...validTool, scope_id: 'team' }),
    field: 'tool.scope_id',
  },
  {
    name: 'createTool: scope_id `agent:` without an id',
    call: (c) => c.gov.createTool({ ...validTool, scope_id: 'agent:' }),
    field: 'tool.scope_id',
  },
  {
    name: 'listTools: scope_id `Global`',
    call: (c) => c.gov.listTools({ scope_id: 'Global' }),
    field: 'scope_id',
  },
  {
    name: 'getTool: a bad scope_id',
    call: (c) => c.gov.getTool('send_email', { scope_id: 'agents:x' }),
    field: 'scope_id',
  },
  {
    name: 'toggleTool: a bad scope_id',
    call: (c) => c.gov.toggleTool('send_email', { enabled: true, scope_id: '' }),
    field: 'scope_id',
  },
  {
    name: 'deleteTool: a bad scope_id',
    call: (c) => c.gov.deleteTool('send_email', { scope_id: 'local' }),
    field: 'scope_id',
  },
  {
    name: 'createTool: a url that is not http(s)',
    call: (c) => c.gov.createTool({ ...validTool, url: 'ftp://tools.example.com/x' }),
    field: 'tool.url',
  },
  {
    name: 'createTool: a secret of 7 characters',
    call: (c) =>
      c.gov.createTool({ ...validTool, auth: { type: 'hmac_sha256', secret: '1234567' } }),
    field: 'tool.auth.secret',
  },
  {
    name: 'createTool: an auth type other than hmac_sha256',
    call: (c) =>
      c.gov.createTool({ ...validTool, auth: { type: 'basic' as 'hmac_sha256', secret: SECRET } }),
    field: 'tool.auth.type',
  },
  {
    name: 'createTool: timeout_ms 249',
    call: (c) => c.gov.createTool({ ...validTool, timeout_ms: 249 }),
    field: 'tool.timeout_ms',
  },
  {
    name: 'createTool: timeout_ms 120001',
    call: (c) => c.gov.createTool({ ...validTool, timeout_ms: 120_001 }),
    field: 'tool.timeout_ms',
  },
  {
    name: 'createTool: max_retries 11',
    call: (c) => c.gov.createTool({ ...validTool, max_retries: 11 }),
    field: 'tool.max_retries',
  },
  {
    name: 'createTool: max_retries -1',
    call: (c) => c.gov.createTool({ ...validTool, max_retries: -1 }),
    field: 'tool.max_retries',
  },
  {
    name: 'createTool: a description of 513 characters',
    call: (c) => c.gov.createTool({ ...validTool, description: 'd'.repeat(513) }),
    field: 'tool.description',
  },
  {
    name: 'createTool: enabled that is not a boolean',
    call: (c) => c.gov.createTool({ ...validTool, enabled: 'yes' as unknown as boolean }),
    field: 'tool.enabled',
  },
  {
    name: 'createTool: an unknown field (`secret` at the top level)',
    call: (c) => c.gov.createTool({ ...validTool, secret: SECRET } as never),
    field: 'tool.secret',
  },
  {
    name: 'toggleTool: enabled missing',
    call: (c) => c.gov.toggleTool('send_email', {} as never),
    field: 'enabled',
  },
  // Policies
  {
    name: 'upsertPolicy: a misspelt rule (`max_action_per_hour`)',
    call: (c) => c.gov.upsertPolicy({ agent_id: 'bot', max_action_per_hour: 5 } as never),
    field: 'policy.max_action_per_hour',
  },
  {
    name: 'upsertPolicy: max_actions_per_hour -1',
    call: (c) => c.gov.upsertPolicy({ agent_id: 'bot', max_actions_per_hour: -1 }),
    field: 'policy.max_actions_per_hour',
  },
  {
    name: 'upsertPolicy: max_actions_per_hour 1.5',
    call: (c) => c.gov.upsertPolicy({ agent_id: 'bot', max_actions_per_hour: 1.5 }),
    field: 'policy.max_actions_per_hour',
  },
  {
    name: 'upsertPolicy: max_spend_usd_per_day -0.01',
    call: (c) => c.gov.upsertPolicy({ agent_id: 'bot', max_spend_usd_per_day: -0.01 }),
    field: 'policy.max_spend_usd_per_day',
  },
  {
    name: 'upsertPolicy: a max_calls_per_tool cap of -1',
    call: (c) => c.gov.upsertPolicy({ agent_id: 'bot', max_calls_per_tool: { send_email: -1 } }),
    field: 'policy.max_calls_per_tool.send_email',
  },
  {
    name: 'upsertPolicy: a pricing rule with price_usd -1',
    call: (c) =>
      c.gov.upsertPolicy({
        agent_id: 'bot',
        pricing_rules: [{ tool: 'send_email', price_usd: -1 }],
      }),
    field: 'policy.pricing_rules[0].price_usd',
  },
  {
    name: 'upsertPolicy: a blocked tool name outside the pattern',
    call: (c) => c.gov.upsertPolicy({ agent_id: 'bot', blocked_tools: ['ok', 'not ok'] }),
    field: 'policy.blocked_tools[1]',
  },
  {
    name: 'upsertPolicy: a blank agent_id',
    call: (c) => c.gov.upsertPolicy({ agent_id: '   ' }),
    field: 'agent_id',
  },
  {
    name: 'policyFromTemplate: a template not in the enum',
    call: (c) => c.gov.policyFromTemplate({ agent_id: 'bot', template: 'lenient' as 'strict' }),
    field: 'template',
  },
  {
    name: 'policyFromTemplate: an override of -1',
    call: (c) =>
      c.gov.policyFromTemplate({
        agent_id: 'bot',
        template: 'strict',
        overrides: { max_actions_per_hour: -1 },
      }),
    field: 'overrides.max_actions_per_hour',
  },
  {
    name: 'policyFromTemplate: an unknown override',
    call: (c) =>
      c.gov.policyFromTemplate({
        agent_id: 'bot',
        template: 'strict',
        overrides: { max_spend_per_day: 1 } as never,
      }),
    field: 'overrides.max_spend_per_day',
  },
  {
    name: 'getPolicy: an agent id of 257 characters',
    call: (c) => c.gov.getPolicy('a'.repeat(257)),
    field: 'agent_id',
  },
  // Agents
  {
    name: 'disableAgent: a reason of 513 characters',
    call: (c) => c.gov.disableAgent('bot', { reason: 'r'.repeat(513) }),
    field: 'reason',
  },
  {
    name: 'enableAgent: a blank agent id',
    call: (c) => c.gov.enableAgent(' '),
    field: 'agent_id',
  },
  { name: 'agentLogs: limit 0', call: (c) => c.gov.agentLogs('bot', { limit: 0 }), field: 'limit' },
  {
    name: 'agentLogs: limit 501',
    call: (c) => c.gov.agentLogs('bot', { limit: 501 }),
    field: 'limit',
  },
  {
    name: "agentMetrics: period 'month'",
    call: (c) => c.gov.agentMetrics('bot', { period: 'month' as 'day' }),
    field: 'period',
  },
  // Account
  { name: "usage: kind 'x'", call: (c) => c.usage({ kind: 'x' as 'ai' }), field: 'kind' },
  {
    name: "metrics: from_day '2026-3-1'",
    call: (c) => c.metrics({ from_day: '2026-3-1' }),
    field: 'from_day',
  },
  {
    name: "metrics: to_day '2026/03/31'",
    call: (c) => c.metrics({ to_day: '2026/03/31' }),
    field: 'to_day',
  },
  {
    name: 'updateNotifications: {} (nothing to change)',
    call: (c) => c.updateNotifications({}),
    field: 'settings',
  },
  {
    name: 'updateNotifications: a setting that is not a boolean',
    call: (c) =>
      c.updateNotifications({ email_notifications_enabled: 'false' as unknown as boolean }),
    field: 'email_notifications_enabled',
  },
  {
    name: 'updateNotifications: an unknown setting',
    call: (c) => c.updateNotifications({ sms_notifications_enabled: true } as never),
    field: 'settings.sms_notifications_enabled',
  },
  // Runs and events
  { name: 'events: limit 501', call: (c) => c.events({ limit: 501 }), field: 'limit' },
  { name: 'events: offset -1', call: (c) => c.events({ offset: -1 }), field: 'offset' },
  { name: 'listRuns: limit 0', call: (c) => c.listRuns({ limit: 0 }), field: 'limit' },
  { name: 'listRuns: offset -1', call: (c) => c.listRuns({ offset: -1 }), field: 'offset' },
  {
    name: 'listRuns: q of 257 characters',
    call: (c) => c.listRuns({ q: 'q'.repeat(257) }),
    field: 'q',
  },
  {
    name: 'getRun: limit 2001',
    call: (c) => c.getRun('run_1', { limit: 2001 }),
    field: 'limit',
  },
  {
    name: 'getRun: offset -1',
    call: (c) => c.getRun('run_1', { offset: -1 }),
    field: 'offset',
  },
  { name: 'getRun: a blank run id', call: (c) => c.getRun('  '), field: 'run_id' },
  {
    name: 'postEvent: a blank run_id',
    call: (c) => c.postEvent({ run_id: ' ', type: 'note' }),
    field: 'run_id',
  },
  {
    name: 'postEvent: a blank type',
    call: (c) => c.postEvent({ run_id: 'run_1', type: '  ' }),
    field: 'type',
  },
  {
    name: 'postEvent: a type of 65 characters',
    call: (c) => c.postEvent({ run_id: 'run_1', type: 't'.repeat(65) }),
    field: 'type',
  },
  {
    name: 'postEvent: a negative duration_ms',
    call: (c) => c.postEvent({ run_id: 'run_1', type: 'note', duration_ms: -1 }),
    field: 'duration_ms',
  },
  {
    name: 'postEvent: data that is not an object',
    call: (c) => c.postEvent({ run_id: 'run_1', type: 'note', data: [1] as never }),
    field: 'data',
  },
];

describe('client-side validation: invalid input is refused before sending', () => {
  it.each(refusals)('$name', async ({ call, field }) => {
    const fetch = recordingFetch();
    const error = await Promise.resolve(call(clientWith(fetch))).then(
      () => new Error('expected the call to be refused, but it succeeded'),
      (reason: unknown) => reason,
    );

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field });
    expect(fetch.calls).toHaveLength(0);
  });
});

describe('client-side validation accepts the limits themselves', () => {
  const accepted: {
    name: string;
    call: (client: OnceOnly) => PromiseLike<unknown>;
    requests: number;
  }[] = [
    {
      name: 'createTool: timeout_ms 250 and 120000, max_retries 0 and 10, description of 512',
      call: async (c) => {
        await c.gov.createTool({ ...validTool, timeout_ms: 250, max_retries: 0 });
        await c.gov.createTool({
          ...validTool,
          timeout_ms: 120_000,
          max_retries: 10,
          description: 'd'.repeat(512),
        });
      },
      requests: 2,
    },
    {
      name: 'createTool: a secret of 8 characters, a name of 256',
      call: (c) =>
        c.gov.createTool({
          ...validTool,
          name: 'a'.repeat(256),
          auth: { type: 'hmac_sha256', secret: '12345678' },
        }),
      requests: 1,
    },
    {
      name: 'agentLogs: limit 1 and 500',
      call: async (c) => {
        await c.gov.agentLogs('bot', { limit: 1 });
        await c.gov.agentLogs('bot', { limit: 500 });
      },
      requests: 2,
    },
    {
      name: 'getRun: limit 2000; events and listRuns: limit 500',
      call: async (c) => {
        await c.getRun('r', { limit: 2000 });
        await c.events({ limit: 500 });
        await c.listRuns({ limit: 500 });
      },
      requests: 3,
    },
    {
      name: 'postEvent: a type of 64 characters, duration_ms 0',
      call: (c) => c.postEvent({ run_id: 'r', type: 't'.repeat(64), duration_ms: 0 }),
      requests: 1,
    },
    {
      name: 'disableAgent: a reason of 512 characters',
      call: (c) => c.gov.disableAgent('bot', { reason: 'r'.repeat(512) }),
      requests: 1,
    },
  ];

  it.each(accepted)('$name', async ({ call, requests }) => {
    const fetch = recordingFetch(...Array.from({ length: 3 }, () => echoing(200, { data: [] })));
    await call(clientWith(fetch));

    expect(fetch.calls).toHaveLength(requests);
  });
});

interface ShapeCase {
  name: string;
  /** Calls the method with `params` in the place of its params object, and `options` last. */
  call: (client: OnceOnly, params: unknown, options?: unknown) => PromiseLike<unknown>;
  /** Params the method accepts, to which the misspelt key is added. */
  valid: Record<string, unknown>;
  /** What the params object is called in errors. */
  field: string;
  /** A key a caller might write by mistake (another spelling, the official SDK's name). */
  misspelt: string;
}

// Every method that takes a params object. Casts stand for JavaScript callers, who have no types.
const shapeCases: ShapeCase[] = [
  {
    name: 'checkLock',
    call: (c, p, o) => c.checkLock(p as never, o as never),
    valid: { key: 'k' },
    field: 'params',
    misspelt: 'metdata',
  },
  {
    name: 'usage',
    call: (c, p, o) => c.usage(p as never, o as never),
    valid: {},
    field: 'params',
    misspelt: 'type',
  },
  {
    name: 'metrics',
    call: (c, p, o) => c.metrics(p as never, o as never),
    valid: {},
    field: 'params',
    misspelt: 'fromDay',
  },
  {
    name: 'updateNotifications',
    call: (c, p, o) => c.updateNotifications(p as never, o as never),
    valid: { email_notifications_enabled: true },
    field: 'settings',
    misspelt: 'emailNotificationsEnabled',
  },
  {
    name: 'events',
    call: (c, p, o) => c.events(p as never, o as never),
    valid: {},
    field: 'params',
    misspelt: 'page',
  },
  {
    name: 'postEvent',
    call: (c, p, o) => c.postEvent(p as never, o as never),
    valid: { run_id: 'run_1', type: 'note' },
    field: 'event',
    misspelt: 'durationMs',
  },
  {
    name: 'listRuns',
    call: (c, p, o) => c.listRuns(p as never, o as never),
    valid: {},
    field: 'params',
    misspelt: 'query',
  },
  {
    name: 'getRun',
    call: (c, p, o) => c.getRun('run_1', p as never, o as never),
    valid: {},
    field: 'params',
    misspelt: 'limt',
  },
  {
    name: 'gov.upsertPolicy',
    call: (c, p, o) => c.gov.upsertPolicy(p as never, o as never),
    valid: { agent_id: 'bot' },
    field: 'policy',
    misspelt: 'max_action_per_hour',
  },
  {
    name: 'gov.policyFromTemplate',
    call: (c, p, o) => c.gov.policyFromTemplate(p as never, o as never),
    valid: { agent_id: 'bot', template: 'strict' },
    field: 'params',
    misspelt: 'override',
  },
  {
    name: 'gov.createTool',
    call: (c, p, o) => c.gov.createTool(p as never, o as never),
    valid: validTool,
    field: 'tool',
    misspelt: 'scopeId',
  },
  {
    name: 'gov.listTools',
    call: (c, p, o) => c.gov.listTools(p as never, o as never),
    valid: {},
    field: 'params',
    misspelt: 'scopeId',
  },
  {
    name: 'gov.getTool',
    call: (c, p, o) => c.gov.getTool('send_email', p as never, o as never),
    valid: {},
    field: 'params',
    misspelt: 'scopeId',
  },
  {
    name: 'gov.toggleTool',
    call: (c, p, o) => c.gov.toggleTool('send_email', p as never, o as never),
    valid: { enabled: false },
    field: 'params',
    misspelt: 'scopeId',
  },
  {
    name: 'gov.deleteTool',
    call: (c, p, o) => c.gov.deleteTool('send_email', p as never, o as never),
    valid: {},
    field: 'params',
    misspelt: 'scopeId',
  },
  {
    name: 'gov.disableAgent',
    call: (c, p, o) => c.gov.disableAgent('bot', p as never, o as never),
    valid: {},
    field: 'params',
    misspelt: 'message',
  },
  {
    name: 'gov.enableAgent',
    call: (c, p, o) => c.gov.enableAgent('bot', p as never, o as never),
    valid: {},
    field: 'params',
    misspelt: 'message',
  },
  {
    name: 'gov.agentLogs',
    call: (c, p, o) => c.gov.agentLogs('bot', p as never, o as never),
    valid: {},
    field: 'params',
    misspelt: 'limt',
  },
  {
    name: 'gov.agentMetrics',
    call: (c, p, o) => c.gov.agentMetrics('bot', p as never, o as never),
    valid: {},
    field: 'params',
    misspelt: 'window',
  },
];

// Methods without params still take the per-call options.
const optionsOnlyCases: Pick<ShapeCase, 'name' | 'call'>[] = [
  { name: 'me', call: (c, _, o) => c.me(o as never) },
  { name: 'usageAll', call: (c, _, o) => c.usageAll(o as never) },
  { name: 'gov.listPolicies', call: (c, _, o) => c.gov.listPolicies(o as never) },
  { name: 'gov.getPolicy', call: (c, _, o) => c.gov.getPolicy('bot', o as never) },
];

/** The error a call is refused with; fails the test if the call went through. */
async function refusal(send: () => PromiseLike<unknown>): Promise<unknown> {
  return Promise.resolve(send()).then(
    () => new Error('expected the call to be refused, but it succeeded'),
    (reason: unknown) => reason,
  );
}

// A positional value where the params object goes is what calls written for the official SDK
// do (`deleteTool('t', 'agent:bot')`): sent without its scope, it would act on the global tool.
const NOT_OBJECTS: [string, unknown][] = [
  ['null', null],
  ['a string', 'agent:bot'],
  ['a number', 50],
  ['an array', [{ scope_id: 'agent:bot' }]],
];

describe('params of the wrong shape are refused before sending, never ignored', () => {
  it.each(shapeCases)('$name refuses a misspelt key', async ({ call, valid, field, misspelt }) => {
    const fetch = recordingFetch();
    const error = await refusal(() =>
      call(clientWith(fetch), { ...valid, [misspelt]: 'agent:bot' }),
    );

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field: `${field}.${misspelt}` });
    expect(fetch.calls).toHaveLength(0);
  });

  describe.each(NOT_OBJECTS)('given %s', (_, value) => {
    it.each(shapeCases)('$name refuses it as its params', async ({ call, field }) => {
      const fetch = recordingFetch();
      const error = await refusal(() => call(clientWith(fetch), value));

      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error).toMatchObject({ field });
      expect(fetch.calls).toHaveLength(0);
    });

    it.each([...shapeCases, ...optionsOnlyCases])(
      '$name refuses it as its options',
      async (method) => {
        const fetch = recordingFetch();
        const valid = 'valid' in method ? method.valid : undefined;
        const error = await refusal(() => method.call(clientWith(fetch), valid, value));

        expect(error).toBeInstanceOf(InvalidInputError);
        expect(error).toMatchObject({ field: 'options' });
        expect(fetch.calls).toHaveLength(0);
      },
    );
  });

  it.each([...shapeCases, ...optionsOnlyCases])(
    '$name refuses a misspelt option',
    async (method) => {
      const fetch = recordingFetch();
      const valid = 'valid' in method ? method.valid : undefined;
      const error = await refusal(() => method.call(clientWith(fetch), valid, { timeout: 5 }));

      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error).toMatchObject({ field: 'options.timeout' });
      expect(fetch.calls).toHaveLength(0);
    },
  );

  it('refuses a value of the wrong type in an event field that is kept as it is', async () => {
    const fetch = recordingFetch();
    const error = await refusal(() =>
      clientWith(fetch).postEvent({ run_id: 'run_1', type: 'note', status: 200 as never }),
    );

    expect(error).toMatchObject({ field: 'status' });
    expect(fetch.calls).toHaveLength(0);
  });

  it('still keeps an event’s own extra fields', async () => {
    const fetch = recordingFetch(echoing(200, { ok: true, event_id: 1, run_id: 'run_1' }));
    await clientWith(fetch).postEvent({ run_id: 'run_1', type: 'note', region: 'eu' });

    expect(fetch.calls[0]?.json).toEqual({ run_id: 'run_1', type: 'note', region: 'eu' });
  });
});
