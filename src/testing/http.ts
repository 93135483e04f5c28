/**
 * Reading requests and writing answers the way the API does: JSON bodies, FastAPI's 422 for
 * invalid input, and errors under `detail` with an `error` code.
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Ctx } from './context.js';
import type { Schemas } from './types.js';
import { type Issue, type Rule, validate } from './validation.js';

export function json(c: Ctx, body: unknown, status: ContentfulStatusCode = 200): Response {
  return c.json(body, status);
}

/** `{"detail": {"error": code, "message": ..., ...extra}}`, the API's coded error. */
export function codeError(
  c: Ctx,
  status: ContentfulStatusCode,
  error: string,
  message: string,
  extra: Record<string, unknown> = {},
): Response {
  const body: Schemas['CodeError'] = { detail: { error, message, ...extra } };
  return c.json(body, status);
}

/** 422 with FastAPI's list of validation issues. */
export function invalid(c: Ctx, issues: Issue[]): Response {
  const body: Schemas['ValidationError'] = { detail: issues };
  return c.json(body, 422);
}

/**
 * The JSON body, checked against `rule`; or the 422 to answer. An empty body is `{}` when the
 * body is optional and a `missing` issue when it is required.
 */
export async function readBody<T>(
  c: Ctx,
  rule: Rule,
  options: { optional?: boolean } = {},
): Promise<T | Response> {
  const text = await c.req.text();
  let value: unknown;
  if (text.trim() === '') {
    if (!options.optional) {
      return invalid(c, [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]);
    }
    value = {};
  } else {
    try {
      value = JSON.parse(text);
    } catch {
      return invalid(c, [
        { type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {} },
      ]);
    }
  }
  return checked<T>(c, value, rule);
}

/** `value` checked against `rule` at `loc`; or the 422 to answer. */
export function checked<T>(c: Ctx, value: unknown, rule: Rule, loc = ['body']): T | Response {
  const issues: Issue[] = [];
  validate(value, rule, loc, issues);
  return issues.length > 0 ? invalid(c, issues) : (value as T);
}

/**
 * The query parameters named in `fields`, checked and converted (integers become numbers);
 * or the 422 to answer. Other parameters are ignored, as FastAPI does.
 */
export function readQuery<T>(c: Ctx, fields: Record<string, Rule>): T | Response {
  const query = c.req.query();
  const issues: Issue[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, rule] of Object.entries(fields)) {
    const text = query[name];
    if (text === undefined) {
      if (rule.required) {
        issues.push({ type: 'missing', loc: ['query', name], msg: 'Field required', input: null });
      }
      continue;
    }
    validate(text, rule, ['query', name], issues, true);
    values[name] = rule.kind === 'integer' ? Number(text) : text;
  }
  return issues.length > 0 ? invalid(c, issues) : (values as T);
}

/** A path parameter, checked against `rule`; or the 422 to answer. */
export function readPath(c: Ctx, name: string, rule: Rule): string | Response {
  const value = c.req.param(name) ?? '';
  const issues: Issue[] = [];
  validate(value, rule, ['path', name], issues);
  return issues.length > 0 ? invalid(c, issues) : value;
}
