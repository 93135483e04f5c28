/**
 * The tools registry (`/v1/tools`): tool endpoints OnceOnly calls for agents, each in a scope
 * (`global`, or `agent:<agent_id>` for one agent). The secret is kept for signing and never
 * shown: answers carry `has_secret`, `secret_id` and `secret_mask` (`***` and its last 3
 * characters).
 */
import type { App, Ctx, ServerContext } from './context.js';
import { codeError, json, readBody, readPath, readQuery } from './http.js';
import { randomId } from './ids.js';
import { type State, type ToolRecord, toolKey } from './state.js';
import type { Schemas } from './types.js';
import { bool, int, obj, oneOf, required, SCOPE_ID, str, TOOL_NAME } from './validation.js';

export const DEFAULT_TOOL_TIMEOUT_MS = 15_000;
export const DEFAULT_TOOL_MAX_RETRIES = 2;

const UPSERT_BODY = obj({
  name: required(TOOL_NAME),
  scope_id: SCOPE_ID,
  url: required(str({ pattern: /^https?:\/\/\S+$/ })),
  auth: required(
    obj({ type: required(oneOf(['hmac_sha256'])), secret: required(str({ min: 8 })) }),
  ),
  timeout_ms: int({ min: 250, max: 120_000 }),
  max_retries: int({ min: 0, max: 10 }),
  enabled: bool(),
  description: str({ max: 512 }),
});
const TOGGLE_BODY = obj({ enabled: required(bool()) });
const SCOPE_QUERY = { scope_id: SCOPE_ID };

/** The tool an agent's call of `name` reaches: its own scope first, then `global`. */
export function findTool(state: State, agentId: string, name: string): ToolRecord | undefined {
  return (
    state.tools.get(toolKey(`agent:${agentId}`, name)) ?? state.tools.get(toolKey('global', name))
  );
}

/** Whether an agent's calls can reach a tool of this name. */
export function isVisible(state: State, agentId: string, name: string): boolean {
  return findTool(state, agentId, name) !== undefined;
}

/** The names of the tools an agent's calls can reach, sorted. */
export function visibleToolNames(state: State, agentId: string): string[] {
  const names = new Set<string>();
  for (const tool of state.tools.values()) {
    if (tool.scopeId === 'global' || tool.scopeId === `agent:${agentId}`) names.add(tool.name);
  }
  return [...names].sort();
}

function view(tool: ToolRecord): Schemas['Tool'] {
  return {
    name: tool.name,
    scope_id: tool.scopeId,
    url: tool.url,
    timeout_ms: tool.timeoutMs,
    max_retries: tool.maxRetries,
    enabled: tool.enabled,
    description: tool.description,
    has_secret: true,
    secret_id: tool.secretId,
    secret_mask: `***${tool.secret.slice(-3)}`,
  };
}

export function registerTools(app: App, ctx: ServerContext): void {
  app.post('/v1/tools', async (c) => {
    const body = await readBody<Schemas['ToolUpsertRequest']>(c, UPSERT_BODY);
    if (body instanceof Response) return body;

    const { tools } = ctx.state;
    const scopeId = body.scope_id ?? 'global';
    const key = toolKey(scopeId, body.name);
    const existing = tools.get(key);
    if (!existing && tools.size >= ctx.plan.maxTools) {
      const message = `${ctx.planName.toUpperCase()} plan limit: max ${ctx.plan.maxTools} tools`;
      return codeError(c, 403, 'plan_limit', message);
    }

    const tool: ToolRecord = {
      name: body.name,
      scopeId,
      url: body.url,
      timeoutMs: body.timeout_ms ?? DEFAULT_TOOL_TIMEOUT_MS,
      maxRetries: body.max_retries ?? DEFAULT_TOOL_MAX_RETRIES,
      enabled: body.enabled ?? true,
      description: body.description ?? null,
      secret: body.auth.secret,
      // The id names the secret: it changes when the secret does.
      secretId: existing?.secret === body.auth.secret ? existing.secretId : randomId('sec_'),
    };
    tools.set(key, tool);
    return json(c, view(tool));
  });

  app.get('/v1/tools', (c) => {
    const query = readQuery<{ scope_id?: string }>(c, SCOPE_QUERY);
    if (query instanceof Response) return query;

    const scopeId = query.scope_id ?? 'global';
    const list = [...ctx.state.tools.values()].filter((tool) => tool.scopeId === scopeId);
    return json(c, list.map(view));
  });

  app.get('/v1/tools/:name', (c) => {
    const found = toolOf(c, ctx);
    return found instanceof Response ? found : json(c, view(found.tool));
  });

  app.post('/v1/tools/:name/toggle', async (c) => {
    const found = toolOf(c, ctx);
    if (found instanceof Response) return found;
    const body = await readBody<Schemas['ToolToggleRequest']>(c, TOGGLE_BODY);
    if (body instanceof Response) return body;

    found.tool.enabled = body.enabled;
    const toggled: Schemas['ToolToggled'] = {
      name: found.tool.name,
      scope_id: found.tool.scopeId,
      enabled: found.tool.enabled,
    };
    return json(c, toggled);
  });

  app.delete('/v1/tools/:name', (c) => {
    const found = toolOf(c, ctx);
    if (found instanceof Response) return found;

    ctx.state.tools.delete(found.key);
    const deleted: Schemas['ToolDeleted'] = {
      ok: true,
      deleted: found.tool.name,
      scope_id: found.tool.scopeId,
    };
    return json(c, deleted);
  });
}

/** The tool named by the path in the scope of the query; or the 422 or 404 to answer. */
function toolOf(c: Ctx, ctx: ServerContext): { tool: ToolRecord; key: string } | Response {
  const name = readPath(c, 'name', TOOL_NAME);
  if (name instanceof Response) return name;
  const query = readQuery<{ scope_id?: string }>(c, SCOPE_QUERY);
  if (query instanceof Response) return query;

  const scopeId = query.scope_id ?? 'global';
  const key = toolKey(scopeId, name);
  const tool = ctx.state.tools.get(key);
  if (!tool) return codeError(c, 404, 'tool_not_found', `no tool ${name} in scope ${scopeId}`);
  return { tool, key };
}
