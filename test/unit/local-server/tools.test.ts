import { describe, expect, it } from 'vitest';
import { NotFoundError, PermissionDeniedError } from '../../../src/index.js';
import { harness } from './support.js';

const SECRET = 'whsec_registry_secret_xyz';
const TOOL = {
  name: 'send_email',
  url: 'https://tools.test/send-email',
  auth: { type: 'hmac_sha256' as const, secret: SECRET },
};

describe('local server: tools registry', () => {
  it('stores a tool with its defaults and never returns the secret', async () => {
    const { client, raw } = harness();

    const created = await client.gov.createTool({ ...TOOL, description: 'Send an email' });
    expect(created).toEqual({
      name: 'send_email',
      scope_id: 'global',
      url: TOOL.url,
      timeout_ms: 15_000,
      max_retries: 2,
      enabled: true,
      description: 'Send an email',
      has_secret: true,
      secret_id: expect.stringMatching(/^sec_/),
      secret_mask: '***xyz',
    });

    for (const path of ['/v1/tools', '/v1/tools/send_email']) {
      const answer = await raw('GET', path);
      expect(JSON.stringify(answer.body)).not.toContain(SECRET);
    }
    expect(JSON.stringify(await client.gov.listTools())).not.toContain(SECRET);
  });

  it('upserts by name and scope: same secret keeps its id, a new secret gets a new one', async () => {
    const { client } = harness();
    const first = await client.gov.createTool(TOOL);
    const same = await client.gov.createTool({ ...TOOL, timeout_ms: 2_000 });
    expect(same).toMatchObject({ timeout_ms: 2_000, secret_id: first.secret_id });

    const rotated = await client.gov.createTool({
      ...TOOL,
      auth: { ...TOOL.auth, secret: 'another-secret' },
    });
    expect(rotated.secret_id).not.toBe(first.secret_id);
    expect(rotated.secret_mask).toBe('***ret');
    expect(await client.gov.listTools()).toHaveLength(1);
  });

  it('keeps scopes apart', async () => {
    const { client } = harness();
    await client.gov.createTool(TOOL);
    await client.gov.createTool({ ...TOOL, scope_id: 'agent:bot_1', url: 'https://own.test' });

    expect((await client.gov.listTools()).map((tool) => tool.url)).toEqual([TOOL.url]);
    const own = await client.gov.listTools({ scope_id: 'agent:bot_1' });
    expect(own.map((tool) => tool.url)).toEqual(['https://own.test']);
    expect((await client.gov.getTool('send_email', { scope_id: 'agent:bot_1' })).url).toBe(
      'https://own.test',
    );
  });

  it('toggles a tool to the given state', async () => {
    const { client } = harness();
    await client.gov.createTool(TOOL);
    const off = { name: 'send_email', scope_id: 'global', enabled: false };
    expect(await client.gov.toggleTool('send_email', { enabled: false })).toEqual(off);
    expect(await client.gov.toggleTool('send_email', { enabled: false })).toEqual(off);
    expect((await client.gov.getTool('send_email')).enabled).toBe(false);
  });

  it('deletes a tool; a second delete is 404 tool_not_found', async () => {
    const { client } = harness();
    await client.gov.createTool(TOOL);
    expect(await client.gov.deleteTool('send_email')).toEqual({
      ok: true,
      deleted: 'send_email',
      scope_id: 'global',
    });
    const again = client.gov.deleteTool('send_email');
    await expect(again).rejects.toBeInstanceOf(NotFoundError);
    await expect(again).rejects.toMatchObject({ detail: { error: 'tool_not_found' } });
    await expect(client.gov.getTool('send_email')).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.gov.toggleTool('send_email', { enabled: true })).rejects.toMatchObject({
      status: 404,
    });
  });

  it.each([
    ['free', 1],
    ['starter', 20],
  ] as const)('allows the %s plan %i tools, then answers 403 plan_limit', async (plan, max) => {
    const { client } = harness({ plan });
    for (let i = 0; i < max; i++) await client.gov.createTool({ ...TOOL, name: `tool_${i}` });

    const refused = client.gov.createTool({ ...TOOL, name: 'one_more' });
    await expect(refused).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(refused).rejects.toMatchObject({
      status: 403,
      detail: {
        error: 'plan_limit',
        message: `${plan.toUpperCase()} plan limit: max ${max} tools`,
      },
    });
    // Replacing a registered tool is not a new one.
    await expect(client.gov.createTool({ ...TOOL, name: 'tool_0' })).resolves.toBeDefined();
  });

  it('refuses invalid tools with 422 without echoing the secret', async () => {
    const { raw } = harness();
    const answer = await raw('POST', '/v1/tools', {
      body: { name: 'bad name', url: 'ftp://x', auth: { type: 'hmac_sha256', secret: 'sk_42' } },
    });
    expect(answer.status).toBe(422);
    expect(answer.body.detail.map((issue: { loc: unknown[] }) => issue.loc)).toEqual([
      ['body', 'name'],
      ['body', 'url'],
      ['body', 'auth', 'secret'],
    ]);
    expect(JSON.stringify(answer.body)).not.toContain('sk_42');

    const longSecret = 'a-secret-that-is-long-enough';
    const missing = await raw('POST', '/v1/tools', {
      body: { name: 'ok', auth: { type: 'hmac_sha256', secret: longSecret } },
    });
    expect(missing.body.detail[0]).toMatchObject({ type: 'missing', loc: ['body', 'url'] });
    expect(JSON.stringify(missing.body)).not.toContain(longSecret);
  });

  it('refuses a tool name outside the pattern in the path with 422', async () => {
    const { raw } = harness();
    const answer = await raw('GET', '/v1/tools/a%20b');
    expect(answer.status).toBe(422);
    expect(answer.body.detail[0].loc).toEqual(['path', 'name']);
  });
});
