/**
 * Request validation with FastAPI's answers: every problem of a request becomes one issue
 * (`type`, `loc`, `msg`, `input`) of a 422, worded as pydantic words it. The rules mirror the
 * spec's request schemas; each route declares the rules of its body or query.
 */
import type { Schemas } from './types.js';

export type Issue = Schemas['ValidationIssue'];
type Loc = (string | number)[];

export type Rule = (
  | { kind: 'string'; min?: number; max?: number; pattern?: RegExp }
  | { kind: 'integer'; min?: number; max?: number }
  | { kind: 'number'; min?: number }
  | { kind: 'boolean' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'json'; maxBytes?: number }
  | { kind: 'array'; items: Rule }
  | { kind: 'map'; keys: Rule; values: Rule }
  | { kind: 'object'; fields: Record<string, Rule>; closed: boolean; maxBytes?: number }
) & { required?: boolean };

export const str = (rule: { min?: number; max?: number; pattern?: RegExp } = {}): Rule => ({
  kind: 'string',
  ...rule,
});
export const int = (rule: { min?: number; max?: number } = {}): Rule => ({
  kind: 'integer',
  ...rule,
});
export const num = (rule: { min?: number } = {}): Rule => ({ kind: 'number', ...rule });
export const bool = (): Rule => ({ kind: 'boolean' });
export const oneOf = (values: readonly string[]): Rule => ({ kind: 'enum', values });
/** A free-form JSON object, optionally limited in size once serialised. */
export const json = (maxBytes?: number): Rule =>
  maxBytes === undefined ? { kind: 'json' } : { kind: 'json', maxBytes };
export const list = (items: Rule): Rule => ({ kind: 'array', items });
export const map = (keys: Rule, values: Rule): Rule => ({ kind: 'map', keys, values });
/** An object with known fields; `closed` refuses other keys (`additionalProperties: false`). */
export const obj = (
  fields: Record<string, Rule>,
  options: { closed?: boolean; maxBytes?: number } = {},
): Rule => ({ kind: 'object', fields, closed: options.closed ?? true, ...pick(options) });
export const required = (rule: Rule): Rule => ({ ...rule, required: true });

/** The spec's identifier rules. */
export const ID_MAX = 256;
export const KEY = str({ min: 1, max: ID_MAX });
export const ID = str({ min: 1, max: ID_MAX, pattern: /^(?!\.\.?$)[\s\S]*\S/ });
export const TOOL_NAME = str({ min: 1, max: ID_MAX, pattern: /^(?!\.\.?$)[a-zA-Z0-9_.:-]+$/ });
export const SCOPE_ID = str({ pattern: /^(global|agent:.+)$/ });
export const TTL = int({ min: 1 });
export const METADATA_MAX_BYTES = 2048;

/**
 * Checks `value` against `rule` at `loc` and adds what is wrong to `issues`. Query values
 * arrive as text, so with `fromText` integers are parsed from strings.
 */
export function validate(
  value: unknown,
  rule: Rule,
  loc: Loc,
  issues: Issue[],
  fromText = false,
): void {
  const problem = problemOf(value, rule, fromText);
  if (problem) {
    issues.push({ type: problem[0], loc, msg: problem[1], input: inputOf(loc, value) });
    return;
  }

  if (rule.kind === 'array') {
    (value as unknown[]).forEach((item, index) => {
      validate(item, rule.items, [...loc, index], issues);
    });
  } else if (rule.kind === 'map') {
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      validate(key, rule.keys, [...loc, key, '[key]'], issues);
      validate(item, rule.values, [...loc, key], issues);
    }
  } else if (rule.kind === 'object') {
    validateFields(value as Record<string, unknown>, rule, loc, issues, fromText);
  }

  if ((rule.kind === 'json' || rule.kind === 'object') && rule.maxBytes !== undefined) {
    const bytes = new TextEncoder().encode(JSON.stringify(value)).length;
    if (bytes > rule.maxBytes) {
      const msg = `Value error, must be at most ${rule.maxBytes} bytes as JSON (got ${bytes})`;
      issues.push({ type: 'value_error', loc, msg, input: inputOf(loc, value) });
    }
  }
}

type Problem = [type: string, msg: string] | null;

/** What is wrong with `value` itself (its type, length, range), nested values aside. */
function problemOf(value: unknown, rule: Rule, fromText: boolean): Problem {
  switch (rule.kind) {
    case 'string':
      return stringProblem(value, rule);
    case 'integer': {
      const number = fromText && typeof value === 'string' ? parseInteger(value) : value;
      if (fromText && Number.isNaN(number)) {
        return ['int_parsing', 'Input should be a valid integer, unable to parse string'];
      }
      if (typeof number !== 'number' || !Number.isFinite(number)) {
        return ['int_type', 'Input should be a valid integer'];
      }
      if (!Number.isInteger(number)) {
        return ['int_from_float', 'Input should be a valid integer, got a fractional number'];
      }
      return rangeProblem(number, rule.min, rule.max);
    }
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        return ['float_type', 'Input should be a valid number'];
      }
      return rangeProblem(value, rule.min, undefined);
    case 'boolean':
      return typeof value === 'boolean' ? null : ['bool_type', 'Input should be a valid boolean'];
    case 'enum':
      return typeof value === 'string' && rule.values.includes(value)
        ? null
        : ['enum', `Input should be ${alternatives(rule.values)}`];
    case 'json':
    case 'map':
      return isObject(value) ? null : ['dict_type', 'Input should be a valid dictionary'];
    case 'array':
      return Array.isArray(value) ? null : ['list_type', 'Input should be a valid list'];
    case 'object':
      return isObject(value)
        ? null
        : [
            'model_attributes_type',
            'Input should be a valid dictionary or object to extract fields from',
          ];
  }
}

function stringProblem(value: unknown, rule: Extract<Rule, { kind: 'string' }>): Problem {
  if (typeof value !== 'string') return ['string_type', 'Input should be a valid string'];
  const { min, max, pattern } = rule;
  if (min !== undefined && value.length < min) {
    return ['string_too_short', `String should have at least ${plural(min, 'character')}`];
  }
  if (max !== undefined && value.length > max) {
    return ['string_too_long', `String should have at most ${plural(max, 'character')}`];
  }
  if (pattern && !pattern.test(value)) {
    return ['string_pattern_mismatch', `String should match pattern '${pattern.source}'`];
  }
  return null;
}

function validateFields(
  value: Record<string, unknown>,
  rule: Extract<Rule, { kind: 'object' }>,
  loc: Loc,
  issues: Issue[],
  fromText: boolean,
): void {
  for (const [name, fieldRule] of Object.entries(rule.fields)) {
    const item = value[name];
    if (item === undefined) {
      if (fieldRule.required) {
        issues.push({
          type: 'missing',
          loc: [...loc, name],
          msg: 'Field required',
          input: redact(value),
        });
      }
      continue;
    }
    validate(item, fieldRule, [...loc, name], issues, fromText);
  }
  if (!rule.closed) return;
  for (const name of Object.keys(value)) {
    if (!Object.hasOwn(rule.fields, name)) {
      const input = redact(value[name]);
      issues.push({
        type: 'extra_forbidden',
        loc: [...loc, name],
        msg: 'Extra inputs are not permitted',
        input,
      });
    }
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `input` of an issue: the value, with tool secrets masked. */
function inputOf(loc: Loc, value: unknown): unknown {
  return loc.at(-1) === 'secret' ? '***' : redact(value);
}

/**
 * A copy of a request value fit to go back in an error: tool secrets (any `secret` key) are
 * replaced by `***`, so a refused tool registration does not echo its secret.
 */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, key === 'secret' ? '***' : redact(item)]),
  );
}

function rangeProblem(value: number, min: number | undefined, max: number | undefined): Problem {
  if (min !== undefined && value < min) {
    return ['greater_than_equal', `Input should be greater than or equal to ${min}`];
  }
  if (max !== undefined && value > max) {
    return ['less_than_equal', `Input should be less than or equal to ${max}`];
  }
  return null;
}

function parseInteger(text: string): number {
  return /^[+-]?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function alternatives(values: readonly string[]): string {
  const quoted = values.map((value) => `'${value}'`);
  const last = quoted.pop();
  return quoted.length === 0 ? String(last) : `${quoted.join(', ')} or ${last}`;
}

function pick(options: { maxBytes?: number }): { maxBytes?: number } {
  return options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes };
}
