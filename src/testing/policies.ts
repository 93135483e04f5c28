/**
 * Policies (`/v1/policies`): what an agent may call and how much. A stored policy replaces the
 * previous one whole. Every tool it names must be registered where the agent can reach it
 * (else 422 `unknown_tools`), and fields the plan does not include are dropped, so the answer
 * is the policy in force.
 */
import type { App, Ctx, ServerContext } from './context.js';
import { codeError, json, readBody, readPath } from './http.js';
import type { PolicyField } from './plans.js';
import { TEMPLATE_NAMES, type TemplateName, templateRules } from './templates.js';
import { isVisible, visibleToolNames } from './tools.js';
import type { Schemas } from './types.js';
import { ID, int, list, map, num, obj, oneOf, required, TOOL_NAME } from './validation.js';

/** Policy rules as received: fields may be absent. */
type Rules = Omit<Schemas['PolicyInput'], 'agent_id'>;

const RULE_FIELDS = {
  allowed_tools: list(TOOL_NAME),
  blocked_tools: list(TOOL_NAME),
  max_actions_per_hour: int({ min: 0 }),
  max_spend_usd_per_day: num({ min: 0 }),
  max_calls_per_tool: map(TOOL_NAME, int({ min: 0 })),
  pricing_rules: list(obj({ tool: required(TOOL_NAME), price_usd: required(num({ min: 0 })) })),
};
const POLICY_BODY = obj({ agent_id: ID, ...RULE_FIELDS });
const TEMPLATE_BODY = obj({
  agent_id: ID,
  template: required(oneOf(TEMPLATE_NAMES)),
  overrides: obj(RULE_FIELDS),
});

export function registerPolicies(app: App, ctx: ServerContext): void {
  app.get('/v1/policies', (c) => {
    const all = [...ctx.state.policies].map(([agent_id, policy]) => envelope(agent_id, policy));
    return json(c, all);
  });

  app.get('/v1/policies/:agent_id', (c) => {
    const agentId = readPath(c, 'agent_id', ID);
    if (agentId instanceof Response) return agentId;

    const policy = ctx.state.policies.get(agentId);
    if (!policy) return codeError(c, 404, 'policy_not_found', `no policy for agent ${agentId}`);
    return json(c, envelope(agentId, policy));
  });

  app.post('/v1/policies/:agent_id', async (c) => {
    const agentId = readPath(c, 'agent_id', ID);
    if (agentId instanceof Response) return agentId;
    const body = await readBody<Schemas['PolicyInput']>(c, POLICY_BODY);
    if (body instanceof Response) return body;

    const { agent_id, ...rules } = body;
    return store(c, ctx, agentId, agent_id, rules);
  });

  app.post('/v1/policies/:agent_id/from-template', async (c) => {
    const agentId = readPath(c, 'agent_id', ID);
    if (agentId instanceof Response) return agentId;
    const body = await readBody<Schemas['PolicyFromTemplateRequest']>(c, TEMPLATE_BODY);
    if (body instanceof Response) return body;
    if (!ctx.plan.templates) {
      const message = 'Policy templates need the Pro plan or higher.';
      return codeError(c, 403, 'feature_not_available', message);
    }

    const template = body.template as TemplateName;
    const base = templateRules(template, visibleToolNames(ctx.state, agentId));
    return store(c, ctx, agentId, body.agent_id, { ...base, ...body.overrides });
  });
}

/** Checks and stores `rules` as the agent's policy, and answers with what is in force. */
function store(
  c: Ctx,
  ctx: ServerContext,
  agentId: string,
  bodyAgentId: string | undefined,
  rules: Rules,
): Response {
  if (bodyAgentId !== undefined && bodyAgentId !== agentId) {
    const message = `agent_id in the body (${bodyAgentId}) differs from the path (${agentId})`;
    return codeError(c, 422, 'agent_id_mismatch', message);
  }
  const unknown = namedTools(rules).filter((name) => !isVisible(ctx.state, agentId, name));
  if (unknown.length > 0) {
    const message = `not registered for agent ${agentId}: ${unknown.join(', ')}`;
    return codeError(c, 422, 'unknown_tools', message, { tools: unknown });
  }

  const policy: Schemas['Policy'] = {};
  for (const field of ctx.plan.policyFields) copyField(policy, rules, field);
  ctx.state.policies.set(agentId, policy);
  return json(c, envelope(agentId, policy));
}

/** Every tool name a policy mentions, once each, in order of appearance. */
function namedTools(rules: Rules): string[] {
  const names = [
    ...(rules.allowed_tools ?? []),
    ...(rules.blocked_tools ?? []),
    ...Object.keys(rules.max_calls_per_tool ?? {}),
    ...(rules.pricing_rules ?? []).map((rule) => rule.tool),
  ];
  return [...new Set(names)];
}

function copyField(policy: Schemas['Policy'], rules: Rules, field: PolicyField): void {
  if (rules[field] !== undefined) Object.assign(policy, { [field]: rules[field] });
}

function envelope(agentId: string, policy: Schemas['Policy']): Schemas['PolicyEnvelope'] {
  return { agent_id: agentId, policy };
}
