import { describe, expect, it } from 'vitest';
import { NotFoundError, PermissionDeniedError, ValidationError } from '../../../src/index.js';
import { TEMPLATE_NAMES, templateRules } from '../../../src/testing/index.js';
import { harness } from './support.js';

const AGENT = 'support_bot';
const tool = (name: string, scope_id = 'global') => ({
  name,
  scope_id,
  url: `https://tools.test/${name}`,
  auth: { type: 'hmac_sha256' as const, secret: 'whsec_policy_tests' },
});

/** A server with the tools the support bot's policies name. */
async function withTools(
  options: Parameters<typeof harness>[0] = {},
  names = ['send_email', 'create_ticket', 'delete_user'],
) {
  const h = harness(options);
  for (const name of names) await h.client.gov.createTool(tool(name));
  return h;
}

describe('local server: policies', () => {
  it('stores a policy whole, and lists and reads it back', async () => {
    const { client } = await withTools();
    const rules = {
      allowed_tools: ['send_email', 'create_ticket'],
      blocked_tools: ['delete_user'],
      max_actions_per_hour: 100,
      max_spend_usd_per_day: 50,
      max_calls_per_tool: { send_email: 20 },
      pricing_rules: [{ tool: 'send_email', price_usd: 0.01 }],
    };

    const stored = await client.gov.upsertPolicy({ agent_id: AGENT, ...rules });
    expect(stored).toMatchObject({ agent_id: AGENT, policy: rules });
    expect(await client.gov.getPolicy(AGENT)).toMatchObject({ agent_id: AGENT, policy: rules });

    await client.gov.upsertPolicy({ agent_id: AGENT, max_actions_per_hour: 5 });
    expect((await client.gov.getPolicy(AGENT)).policy).toEqual({ max_actions_per_hour: 5 });
    expect(await client.gov.listPolicies()).toHaveLength(1);
  });

  it('answers 404 policy_not_found for an agent without a policy', async () => {
    const { client } = harness();
    const missing = client.gov.getPolicy('nobody');
    await expect(missing).rejects.toBeInstanceOf(NotFoundError);
    await expect(missing).rejects.toMatchObject({ detail: { error: 'policy_not_found' } });
  });

  it('refuses tools that are not registered with 422 unknown_tools, naming them', async () => {
    const { client } = await withTools({}, ['send_email']);
    const refused = client.gov.upsertPolicy({
      agent_id: AGENT,
      allowed_tools: ['send_email', 'fly'],
      max_calls_per_tool: { teleport: 1 },
      pricing_rules: [{ tool: 'fly', price_usd: 1 }],
    });
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toMatchObject({
      status: 422,
      detail: { error: 'unknown_tools', tools: ['fly', 'teleport'] },
    });
  });

  it("accepts a tool of the agent's own scope, but not another agent's", async () => {
    const { client } = harness();
    await client.gov.createTool(tool('crm.lookup', `agent:${AGENT}`));
    await expect(
      client.gov.upsertPolicy({ agent_id: AGENT, allowed_tools: ['crm.lookup'] }),
    ).resolves.toMatchObject({ policy: { allowed_tools: ['crm.lookup'] } });
    await expect(
      client.gov.upsertPolicy({ agent_id: 'other_bot', allowed_tools: ['crm.lookup'] }),
    ).rejects.toMatchObject({ detail: { error: 'unknown_tools' } });
  });

  it('refuses a body agent_id that differs from the path with 422 agent_id_mismatch', async () => {
    const { raw } = harness();
    const answer = await raw('POST', '/v1/policies/support_bot', {
      body: { agent_id: 'sales_bot', max_actions_per_hour: 1 },
    });
    expect(answer.status).toBe(422);
    expect(answer.body.detail).toMatchObject({ error: 'agent_id_mismatch' });

    const same = await raw('POST', '/v1/policies/support_bot', {
      body: { agent_id: 'support_bot' },
    });
    expect(same.status).toBe(200);
  });

  it('refuses malformed rules with FastAPI issues', async () => {
    const { raw } = harness();
    const answer = await raw('POST', '/v1/policies/bot', {
      body: {
        max_actions_per_hour: -1,
        allowed_tools: ['bad name'],
        max_calls_per_tool: { x: 1.5 },
      },
    });
    expect(answer.status).toBe(422);
    expect(answer.body.detail.map((issue: { loc: unknown[] }) => issue.loc)).toEqual([
      ['body', 'allowed_tools', 0],
      ['body', 'max_actions_per_hour'],
      ['body', 'max_calls_per_tool', 'x'],
    ]);
  });

  it('keeps only the fields the plan allows: tool lists on free, no pricing on starter', async () => {
    const all = {
      allowed_tools: ['send_email'],
      max_actions_per_hour: 10,
      pricing_rules: [{ tool: 'send_email', price_usd: 0.5 }],
    };
    const free = await withTools({ plan: 'free' }, ['send_email']);
    expect((await free.client.gov.upsertPolicy({ agent_id: AGENT, ...all })).policy).toEqual({
      allowed_tools: ['send_email'],
    });
    const starter = await withTools({ plan: 'starter' }, ['send_email']);
    expect((await starter.client.gov.upsertPolicy({ agent_id: AGENT, ...all })).policy).toEqual({
      allowed_tools: ['send_email'],
      max_actions_per_hour: 10,
    });
  });

  it.each([
    ['strict', { allowed_tools: [], max_actions_per_hour: 10, max_spend_usd_per_day: 1 }],
    [
      'moderate',
      { blocked_tools: ['delete_user'], max_actions_per_hour: 100, max_spend_usd_per_day: 20 },
    ],
    ['permissive', { max_actions_per_hour: 1_000, max_spend_usd_per_day: 200 }],
    [
      'read_only',
      {
        allowed_tools: ['crm.lookup', 'get_order'],
        max_actions_per_hour: 200,
        max_spend_usd_per_day: 0,
      },
    ],
    [
      'support_bot',
      {
        blocked_tools: ['delete_user'],
        max_actions_per_hour: 60,
        max_spend_usd_per_day: 10,
        max_calls_per_tool: { send_email: 20 },
      },
    ],
  ] as const)("makes the %s template from the agent's tools", async (template, policy) => {
    const { client } = await withTools({}, [
      'send_email',
      'delete_user',
      'crm.lookup',
      'get_order',
    ]);
    const stored = await client.gov.policyFromTemplate({ agent_id: AGENT, template });
    expect(stored).toEqual({ agent_id: AGENT, policy });
  });

  it('applies overrides on top of the template', async () => {
    const { client } = await withTools();
    const stored = await client.gov.policyFromTemplate({
      agent_id: AGENT,
      template: 'strict',
      overrides: { allowed_tools: ['send_email'], max_spend_usd_per_day: 5 },
    });
    expect(stored.policy).toEqual({
      allowed_tools: ['send_email'],
      max_actions_per_hour: 10,
      max_spend_usd_per_day: 5,
    });
    await expect(
      client.gov.policyFromTemplate({
        agent_id: AGENT,
        template: 'strict',
        overrides: { allowed_tools: ['unregistered'] },
      }),
    ).rejects.toMatchObject({ detail: { error: 'unknown_tools', tools: ['unregistered'] } });
  });

  it('refuses templates on plans without them with 403 feature_not_available', async () => {
    const { client } = harness({ plan: 'starter' });
    const refused = client.gov.policyFromTemplate({ agent_id: AGENT, template: 'moderate' });
    await expect(refused).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(refused).rejects.toMatchObject({ detail: { error: 'feature_not_available' } });
  });

  it('names the five templates of the spec', () => {
    expect(TEMPLATE_NAMES).toEqual([
      'strict',
      'moderate',
      'permissive',
      'read_only',
      'support_bot',
    ]);
    expect(templateRules('read_only', ['search_docs', 'update_doc', 'kb:view'])).toMatchObject({
      allowed_tools: ['search_docs', 'kb:view'],
    });
  });
});
