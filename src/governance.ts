import type { ApiPromise } from './api-promise.js';
import { call } from './internal/call.js';
import type { RequestOptions, Transport } from './internal/transport.js';
import {
  checkArray,
  checkBoolean,
  checkId,
  checkInteger,
  checkKnownKeys,
  checkNumber,
  checkObject,
  checkOneOf,
  checkParams,
  checkScopeId,
  checkString,
  checkToolName,
  compact,
  LIMITS,
  limitIn,
  optional,
} from './internal/validate.js';
import type {
  AgentLogItem,
  AgentMetrics,
  AgentStatus,
  MetricsPeriod,
  PolicyEnvelope,
  PolicyInput,
  PolicyRules,
  PolicyTemplate,
  Tool,
  ToolDeleted,
  ToolToggled,
  ToolUpsertRequest,
} from './types.js';

/** Where a tool lives: `global` (the default) or `agent:<agent_id>`. */
export interface ScopeParams {
  scope_id?: string | undefined;
}

const POLICY_TEMPLATES: readonly PolicyTemplate[] = [
  'strict',
  'moderate',
  'permissive',
  'read_only',
  'support_bot',
];
const METRICS_PERIODS: readonly MetricsPeriod[] = ['hour', 'day', 'week'];
const RULE_KEYS = [
  'allowed_tools',
  'blocked_tools',
  'max_actions_per_hour',
  'max_spend_usd_per_day',
  'max_calls_per_tool',
  'pricing_rules',
] as const;
const TOOL_KEYS = [
  'name',
  'scope_id',
  'url',
  'auth',
  'timeout_ms',
  'max_retries',
  'enabled',
  'description',
] as const;

/**
 * Agent governance: policies, the tools registry, the kill switch, and the audit log and
 * metrics of agents. Reached as `client.gov`.
 */
export class Governance {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Creates or replaces the policy of `policy.agent_id`. Fields the plan does not allow are
   * dropped by the server; the answer's `policy` is what is in force.
   */
  upsertPolicy(
    policy: PolicyInput & { agent_id: string },
    options?: RequestOptions,
  ): ApiPromise<PolicyEnvelope> {
    return call(
      this.#transport,
      () => {
        checkKnownKeys('policy', checkObject('policy', policy), ['agent_id', ...RULE_KEYS]);
        const agentId = checkId('agent_id', policy.agent_id);
        return {
          method: 'POST',
          path: '/v1/policies/{agent_id}',
          pathParams: { agent_id: agentId },
          body: { ...checkPolicyRules('policy', policy), agent_id: agentId },
          retry: 'safe',
        };
      },
      options,
    );
  }

  /** Creates or replaces an agent's policy from a built-in template, with `overrides` on top. */
  policyFromTemplate(
    params: { agent_id: string; template: PolicyTemplate; overrides?: PolicyRules | undefined },
    options?: RequestOptions,
  ): ApiPromise<PolicyEnvelope> {
    return call(
      this.#transport,
      () => {
        checkKnownKeys('params', checkObject('params', params), [
          'agent_id',
          'template',
          'overrides',
        ]);
        const agentId = checkId('agent_id', params.agent_id);
        const overrides = optional('overrides', params.overrides, (field, value) => {
          checkKnownKeys(field, checkObject(field, value), RULE_KEYS);
          return checkPolicyRules(field, value as object);
        });
        return {
          method: 'POST',
          path: '/v1/policies/{agent_id}/from-template',
          pathParams: { agent_id: agentId },
          body: {
            agent_id: agentId,
            template: checkOneOf('template', params.template, POLICY_TEMPLATES),
            overrides: overrides ?? {},
          },
          retry: 'safe',
        };
      },
      options,
    );
  }

  /** Every stored policy, one per agent. */
  listPolicies(options?: RequestOptions): ApiPromise<PolicyEnvelope[]> {
    return call(
      this.#transport,
      () => ({ method: 'GET', path: '/v1/policies', retry: 'safe' }),
      options,
    );
  }

  /** An agent's policy; `NotFoundError` when it has none. */
  getPolicy(agentId: string, options?: RequestOptions): ApiPromise<PolicyEnvelope> {
    return call(
      this.#transport,
      () => ({
        method: 'GET',
        path: '/v1/policies/{agent_id}',
        pathParams: { agent_id: checkId('agent_id', agentId) },
        retry: 'safe',
      }),
      options,
    );
  }

  /**
   * Registers a tool, or replaces the one with the same name and scope. The secret is sent
   * once and never returned, nor shown in any error or log line of the SDK.
   */
  createTool(tool: ToolUpsertRequest, options?: RequestOptions): ApiPromise<Tool> {
    return call(
      this.#transport,
      () => {
        const body = checkTool(tool);
        return {
          method: 'POST',
          path: '/v1/tools',
          body,
          retry: 'safe',
          secrets: [body.auth.secret],
        };
      },
      options,
    );
  }

  /** The tools of a scope (default `global`). */
  listTools(params: ScopeParams = {}, options?: RequestOptions): ApiPromise<Tool[]> {
    return call(
      this.#transport,
      () => ({ method: 'GET', path: '/v1/tools', query: scopeQuery(params), retry: 'safe' }),
      options,
    );
  }

  /** A registered tool; `NotFoundError` when there is none of that name in the scope. */
  getTool(name: string, params: ScopeParams = {}, options?: RequestOptions): ApiPromise<Tool> {
    return call(
      this.#transport,
      () => ({
        method: 'GET',
        path: '/v1/tools/{name}',
        pathParams: { name: checkToolName('name', name) },
        query: scopeQuery(params),
        retry: 'safe',
      }),
      options,
    );
  }

  /** Enables or disables a tool (sets `enabled`; it does not flip it). */
  toggleTool(
    name: string,
    params: ScopeParams & { enabled: boolean },
    options?: RequestOptions,
  ): ApiPromise<ToolToggled> {
    return call(
      this.#transport,
      () => ({
        method: 'POST',
        path: '/v1/tools/{name}/toggle',
        pathParams: { name: checkToolName('name', name) },
        query: scopeQuery(params, ['enabled']),
        body: { enabled: checkBoolean('enabled', params.enabled) },
        retry: 'safe',
      }),
      options,
    );
  }

  /** Removes a tool. A tool that does not exist (or is already removed) gives `NotFoundError`. */
  deleteTool(
    name: string,
    params: ScopeParams = {},
    options?: RequestOptions,
  ): ApiPromise<ToolDeleted> {
    return call(
      this.#transport,
      () => ({
        method: 'DELETE',
        path: '/v1/tools/{name}',
        pathParams: { name: checkToolName('name', name) },
        query: scopeQuery(params),
        retry: 'safe',
      }),
      options,
    );
  }

  /** The kill switch: every governed call of the agent is refused until `enableAgent`. */
  disableAgent(
    agentId: string,
    params: { reason?: string | undefined } = {},
    options?: RequestOptions,
  ): ApiPromise<AgentStatus> {
    return this.#switchAgent('disable', agentId, params, options);
  }

  /** Turns the kill switch off again. */
  enableAgent(
    agentId: string,
    params: { reason?: string | undefined } = {},
    options?: RequestOptions,
  ): ApiPromise<AgentStatus> {
    return this.#switchAgent('enable', agentId, params, options);
  }

  /** The agent's governed calls, newest first (kept 7 days). `limit` 1 to 500, default 100. */
  agentLogs(
    agentId: string,
    params: { limit?: number | undefined } = {},
    options?: RequestOptions,
  ): ApiPromise<AgentLogItem[]> {
    return call(
      this.#transport,
      () => {
        const input = checkParams('params', params, ['limit']);
        return {
          method: 'GET',
          path: '/v1/agents/{agent_id}/logs',
          pathParams: { agent_id: checkId('agent_id', agentId) },
          query: { limit: optional('limit', input.limit, limitIn(LIMITS.agentLogsLimit)) },
          retry: 'safe',
        };
      },
      options,
    );
  }

  /** The agent's totals over the last `period` (`hour`, `day` (default) or `week`). */
  agentMetrics(
    agentId: string,
    params: { period?: MetricsPeriod | undefined } = {},
    options?: RequestOptions,
  ): ApiPromise<AgentMetrics> {
    return call(
      this.#transport,
      () => {
        const input = checkParams('params', params, ['period']);
        return {
          method: 'GET',
          path: '/v1/agents/{agent_id}/metrics',
          pathParams: { agent_id: checkId('agent_id', agentId) },
          query: {
            period: optional('period', input.period, (field, value) =>
              checkOneOf(field, value, METRICS_PERIODS),
            ),
          },
          retry: 'safe',
        };
      },
      options,
    );
  }

  #switchAgent(
    action: 'disable' | 'enable',
    agentId: string,
    params: { reason?: string | undefined },
    options: RequestOptions | undefined,
  ): ApiPromise<AgentStatus> {
    return call(
      this.#transport,
      () => {
        checkKnownKeys('params', checkObject('params', params), ['reason']);
        const reason = optional('reason', params.reason, (field, value) =>
          checkString(field, value, { min: 0, max: LIMITS.reasonMaxLength }),
        );
        return {
          method: 'POST',
          path: `/v1/agents/{agent_id}/${action}`,
          pathParams: { agent_id: checkId('agent_id', agentId) },
          // The body is optional: without a reason none is sent (and no Content-Type).
          ...(reason ? { body: { reason } } : {}),
          retry: 'safe',
        };
      },
      options,
    );
  }
}

/** The query of a call on a tool: its `scope_id`, from params that may also hold `others`. */
function scopeQuery(params: ScopeParams, others: readonly string[] = []) {
  const input = checkParams('params', params, ['scope_id', ...others]);
  return { scope_id: optional('scope_id', input.scope_id, checkScopeId) };
}

function checkPolicyRules(field: string, input: object): PolicyRules {
  const rules = input as Record<keyof PolicyRules, unknown>;
  const toolList = (name: string, value: unknown) => checkArray(name, value, checkToolName);
  return compact<PolicyRules>({
    allowed_tools: optional(`${field}.allowed_tools`, rules.allowed_tools, toolList),
    blocked_tools: optional(`${field}.blocked_tools`, rules.blocked_tools, toolList),
    max_actions_per_hour: optional(
      `${field}.max_actions_per_hour`,
      rules.max_actions_per_hour,
      (name, value) => checkInteger(name, value, { min: 0 }),
    ),
    max_spend_usd_per_day: optional(
      `${field}.max_spend_usd_per_day`,
      rules.max_spend_usd_per_day,
      (name, value) => checkNumber(name, value, { min: 0 }),
    ),
    max_calls_per_tool: optional(
      `${field}.max_calls_per_tool`,
      rules.max_calls_per_tool,
      (name, value) => {
        const caps = checkObject(name, value);
        for (const [tool, cap] of Object.entries(caps)) {
          checkToolName(`${name} key`, tool);
          checkInteger(`${name}.${tool}`, cap, { min: 0 });
        }
        return caps as Record<string, number>;
      },
    ),
    pricing_rules: optional(`${field}.pricing_rules`, rules.pricing_rules, (name, value) =>
      checkArray(name, value, (item, rule) => {
        checkKnownKeys(item, checkObject(item, rule), ['tool', 'price_usd']);
        const { tool, price_usd } = rule as { tool: unknown; price_usd: unknown };
        return {
          tool: checkToolName(`${item}.tool`, tool),
          price_usd: checkNumber(`${item}.price_usd`, price_usd, { min: 0 }),
        };
      }),
    ),
  });
}

function checkTool(tool: ToolUpsertRequest): ToolUpsertRequest {
  checkKnownKeys('tool', checkObject('tool', tool), TOOL_KEYS);
  const auth = checkObject('tool.auth', tool.auth);
  checkKnownKeys('tool.auth', auth, ['type', 'secret']);

  return compact<ToolUpsertRequest>({
    name: checkToolName('tool.name', tool.name),
    scope_id: optional('tool.scope_id', tool.scope_id, checkScopeId),
    url: checkString('tool.url', tool.url, {
      pattern: LIMITS.toolUrlPattern,
      patternText: 'be an http(s) URL',
    }),
    auth: {
      type: checkOneOf('tool.auth.type', auth.type, ['hmac_sha256']),
      secret: checkString('tool.auth.secret', auth.secret, { min: LIMITS.toolSecretMinLength }),
    },
    timeout_ms: optional('tool.timeout_ms', tool.timeout_ms, (name, value) =>
      checkInteger(name, value, LIMITS.toolTimeoutMs),
    ),
    max_retries: optional('tool.max_retries', tool.max_retries, (name, value) =>
      checkInteger(name, value, LIMITS.toolMaxRetries),
    ),
    enabled: optional('tool.enabled', tool.enabled, checkBoolean),
    description: optional('tool.description', tool.description, (name, value) =>
      checkString(name, value, { min: 0, max: LIMITS.descriptionMaxLength }),
    ),
  });
}
