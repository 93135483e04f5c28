import { InvalidInputError } from '../errors.js';

// The two limits check-lock needs, on their own so that a bundle of check-lock holds no more.
export const ID_MAX_LENGTH = 256;
export const METADATA_MAX_BYTES = 2048;

/**
 * The spec's constraints on request input, checked before anything is sent. A unit test holds
 * each value equal to openapi/onceonly.yaml.
 */
export const LIMITS = {
  idMaxLength: ID_MAX_LENGTH,
  metadataMaxBytes: METADATA_MAX_BYTES,
  toolNamePattern: /^(?!\.\.?$)[a-zA-Z0-9_.:-]+$/,
  scopeIdPattern: /^(global|agent:.+)$/,
  toolUrlPattern: /^https?:\/\//,
  toolSecretMinLength: 8,
  toolTimeoutMs: { min: 250, max: 120_000 },
  toolMaxRetries: { min: 0, max: 10 },
  descriptionMaxLength: 512,
  reasonMaxLength: 512,
  eventTypeMaxLength: 64,
  agentLogsLimit: { min: 1, max: 500 },
  eventsLimit: { min: 1, max: 500 },
  runsLimit: { min: 1, max: 500 },
  runTimelineLimit: { min: 1, max: 2000 },
  dayPattern: /^\d{4}-\d{2}-\d{2}$/,
} as const;

interface StringRule {
  min?: number;
  max?: number;
  pattern?: RegExp;
  /** How to say what the pattern allows, for the error message. */
  patternText?: string;
  /** Refuse strings of only white space. */
  notBlank?: boolean;
}

export function checkString(field: string, value: unknown, rule: StringRule = {}): string {
  if (typeof value !== 'string') fail(field, `must be a string (got ${typeName(value)})`);
  const { min = 1, max, pattern, patternText, notBlank } = rule;
  if (value.length < min || (max !== undefined && value.length > max)) {
    const range = max === undefined ? `at least ${min}` : `${min} to ${max}`;
    fail(field, `must be ${range} characters long (got ${value.length})`);
  }
  if (notBlank && value.trim() === '') fail(field, 'must not be blank');
  if (pattern && !pattern.test(value)) fail(field, `must ${patternText ?? `match ${pattern}`}`);
  return value;
}

/**
 * An id that goes into a URL path (agent, run): 1 to 256 characters, not blank, and not `.` or
 * `..`, which URL parsing would resolve into another endpoint's path.
 */
export function checkId(field: string, value: unknown): string {
  const id = checkString(field, value, { max: LIMITS.idMaxLength, notBlank: true });
  if (id === '.' || id === '..') fail(field, 'must not be "." or ".." (not a usable path segment)');
  return id;
}

/** An idempotency or lease key: 1 to 256 characters. */
export function checkKey(value: unknown, field = 'key'): string {
  return checkString(field, value, { max: ID_MAX_LENGTH });
}

export function checkToolName(field: string, value: unknown): string {
  return checkString(field, value, {
    max: LIMITS.idMaxLength,
    pattern: LIMITS.toolNamePattern,
    patternText: 'use only letters, digits and _ . : - (and not be "." or "..")',
  });
}

export function checkScopeId(field: string, value: unknown): string {
  return checkString(field, value, {
    pattern: LIMITS.scopeIdPattern,
    patternText: 'be "global" or "agent:<agent_id>"',
  });
}

export function checkInteger(
  field: string,
  value: unknown,
  range: { min?: number; max?: number } = {},
): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    fail(field, `must be a whole number (got ${describeValue(value)})`);
  }
  checkRange(field, value, range);
  return value;
}

export function checkNumber(
  field: string,
  value: unknown,
  range: { min?: number; max?: number } = {},
): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail(field, `must be a finite number (got ${describeValue(value)})`);
  }
  checkRange(field, value, range);
  return value;
}

export function checkBoolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(field, `must be true or false (got ${typeName(value)})`);
  return value;
}

export function checkOneOf<T extends string>(field: string, value: unknown, values: readonly T[]) {
  if (!values.includes(value as T)) {
    fail(field, `must be one of ${values.join(', ')} (got ${describeValue(value)})`);
  }
  return value as T;
}

/** A plain JSON object (not an array, not null). */
export function checkObject(field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(field, `must be an object (got ${typeName(value)})`);
  }
  return value as Record<string, unknown>;
}

/** An object whose UTF-8 JSON is at most `maxBytes` long. */
export function checkJsonObject(field: string, value: unknown, maxBytes: number) {
  const object = checkObject(field, value);
  let json: string;
  try {
    json = JSON.stringify(object);
  } catch (error) {
    fail(field, `must be serialisable as JSON (${(error as Error).message})`);
  }
  const bytes = new TextEncoder().encode(json).length;
  if (bytes > maxBytes) fail(field, `must be at most ${maxBytes} bytes as JSON (got ${bytes})`);
  return object;
}

export function checkArray<T>(
  field: string,
  value: unknown,
  checkItem: (field: string, item: unknown) => T,
): T[] {
  if (!Array.isArray(value)) fail(field, `must be an array (got ${typeName(value)})`);
  return value.map((item, index) => checkItem(`${field}[${index}]`, item));
}

/** A calendar day, `YYYY-MM-DD`, that exists. */
export function checkDay(field: string, value: unknown): string {
  const day = checkString(field, value, {
    pattern: LIMITS.dayPattern,
    patternText: 'be YYYY-MM-DD',
  });
  const parsed = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== day) {
    fail(field, `must be a day that exists (got ${day})`);
  }
  return day;
}

/** The longest delay timers take: beyond it `setTimeout` fires at once. About 24.8 days. */
export const MAX_TIMER_MS = 2_147_483_647;

/** A time limit in milliseconds: a positive number a timer can wait for. */
export function checkTimeoutMs(field: string, value: unknown): number {
  if (typeof value !== 'number' || !(value > 0) || !(value <= MAX_TIMER_MS)) {
    fail(
      field,
      `must be a positive number of ms, at most ${MAX_TIMER_MS} (got ${describeValue(value)})`,
    );
  }
  return value;
}

/** A retry count: a whole number >= 0. */
export function checkMaxRetries(field: string, value: unknown): number {
  return checkInteger(field, value, { min: 0 });
}

/** Runs `check` when `value` is present; `undefined` stays `undefined`. */
export function optional<T>(
  field: string,
  value: unknown,
  check: (field: string, value: unknown) => T,
): T | undefined {
  return value === undefined ? undefined : check(field, value);
}

function checkRange(field: string, value: number, range: { min?: number; max?: number }) {
  const { min, max } = range;
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
    const bounds =
      min !== undefined && max !== undefined
        ? `from ${min} to ${max}`
        : min !== undefined
          ? `>= ${min}`
          : `<= ${max}`;
    fail(field, `must be ${bounds} (got ${value})`);
  }
}

function fail(field: string, message: string): never {
  throw new InvalidInputError(field, message);
}

/** How a value's type is named in an error message: `null`, `an array`, or its `typeof`. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

// Only numbers and short strings are echoed into messages: an input may be a secret.
function describeValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeName(value);
}

/** The keys of `RequestOptions`, the per-call options every method takes last. */
export const REQUEST_OPTION_KEYS = ['signal', 'timeoutMs', 'maxRetries', 'headers'] as const;

/**
 * Refuses keys this object does not have: the spec would refuse them too, and a misspelt
 * option (`baseURL`, `timeout`) must not be ignored silently.
 */
export function checkKnownKeys(field: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const hint =
      (REQUEST_OPTION_KEYS as readonly string[]).includes(key) && !known.includes('signal')
        ? '; per-call options such as signal and timeoutMs go in the last argument'
        : '';
    fail(`${field}.${key}`, `is not a field of ${field} (known: ${known.join(', ')})${hint}`);
  }
}

/**
 * A method's params: an object (not `null`, an array or a positional value) with none but the
 * `known` keys. A wrong shape or a misspelt key must not be dropped silently: a `deleteTool`
 * whose scope went missing would delete the global tool.
 */
export function checkParams(
  field: string,
  value: unknown,
  known: readonly string[],
): Record<string, unknown> {
  const object = checkObject(field, value);
  checkKnownKeys(field, object, known);
  return object;
}

/** An `AbortSignal`, or anything that behaves as one (some runtimes have their own class). */
export function checkSignal(field: string, value: unknown): AbortSignal {
  const signal = value as AbortSignal | null;
  if (
    typeof signal !== 'object' ||
    signal === null ||
    typeof signal.aborted !== 'boolean' ||
    typeof signal.addEventListener !== 'function'
  ) {
    fail(field, `must be an AbortSignal (got ${typeName(value)})`);
  }
  return signal;
}

/** A `limit` check for the given range. */
export function limitIn(range: { min: number; max: number }) {
  return (field: string, value: unknown) => checkInteger(field, value, range);
}

/**
 * The object without its `undefined` fields. Every field of `T` must be listed, so a field
 * added to the spec cannot be forgotten silently.
 */
export function compact<T extends object>(
  fields: {
    [K in keyof Required<T>]: T[K] | undefined;
  },
): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T;
}
