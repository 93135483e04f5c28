const REDACTED = '[redacted]';

/** `text` with every occurrence of each secret replaced. Secrets shorter than 4 are ignored. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/**
 * A copy of a parsed JSON value with the secrets redacted from every string in it. Servers
 * echo request input in validation errors (FastAPI's `input`), and a tool's secret must not
 * reach an error's `detail` that way.
 */
export function redactJson<T>(value: T, secrets: readonly string[]): T {
  if (typeof value === 'string') return redactText(value, secrets) as T;
  if (Array.isArray(value)) return value.map((item) => redactJson(item, secrets)) as T;
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = redactJson(item, secrets);
    return copy as T;
  }
  return value;
}

/** How many links of a `cause` chain `redactError` keeps; deeper ones are dropped. */
const MAX_CAUSE_DEPTH = 5;
/** How many errors of an `AggregateError` it keeps. */
const MAX_AGGREGATED = 8;
/** What a system error says of the connection (Node's `ECONNREFUSED` and the like). */
const SYSTEM_FIELDS = ['code', 'errno', 'syscall', 'address', 'port'] as const;
const BUILTIN_ERRORS = [TypeError, RangeError, SyntaxError, ReferenceError, URIError, EvalError];

/**
 * A copy of an error and its `cause` chain, fit to show: each link becomes an error of the same
 * built-in class (`TypeError`, ...; else `Error`) with its `name`, its `message` and `stack`
 * redacted, and its `code` (retry decisions read it: `ECONNREFUSED` says nothing was sent) and
 * other system error fields. Anything else on a link is dropped, since a network library's
 * error may hold the request, headers included. A link that is not an error becomes its
 * redacted text. The chain ends after `MAX_CAUSE_DEPTH` links.
 */
export function redactError(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (typeof value === 'function') return '[function]';
  if (typeof value !== 'object' || value === null) return value;

  const link = value as Record<string, unknown>;
  if (!(value instanceof Error) && typeof link.message !== 'string') {
    return redactText(textOf(value), secrets);
  }
  const Kind = BUILTIN_ERRORS.find((kind) => value instanceof kind) ?? Error;
  const copy = new Kind(redactText(String(link.message), secrets)) as Error &
    Record<string, unknown>;
  if (typeof link.name === 'string' && link.name !== copy.name) copy.name = link.name;
  if (typeof link.stack === 'string') copy.stack = redactText(link.stack, secrets);
  else delete copy.stack;
  for (const field of SYSTEM_FIELDS) {
    const item = link[field];
    if (typeof item === 'number') copy[field] = item;
    else if (typeof item === 'string') copy[field] = redactText(item, secrets);
  }

  if (depth + 1 < MAX_CAUSE_DEPTH) {
    if (link.cause !== undefined) copy.cause = redactError(link.cause, secrets, depth + 1);
    if (Array.isArray(link.errors)) {
      copy.errors = link.errors
        .slice(0, MAX_AGGREGATED)
        .map((item) => redactError(item, secrets, depth + 1));
    }
  }
  return copy;
}

function textOf(value: object): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
