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

/**
 * A copy of an error and its `cause` chain, fit to show: each link becomes an `Error` with the
 * link's `name`, its `message` and `stack` redacted, and its `code` (retry decisions read it:
 * `ECONNREFUSED` says nothing was sent). Anything else on a link is dropped, since a network
 * library's error may hold the request, headers included. A link that is not an error becomes
 * its redacted text. The chain ends after `MAX_CAUSE_DEPTH` links.
 */
export function redactError(value: unknown, secrets: readonly string[], depth = 1): unknown {
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'string' ? redactText(value, secrets) : value;
  }
  const link = value as { name?: unknown; message?: unknown; stack?: unknown; code?: unknown };
  if (typeof link.message !== 'string') return redactText(textOf(value), secrets);

  const copy = new Error(redactText(link.message, secrets)) as Error & { code?: unknown };
  if (typeof link.name === 'string') copy.name = link.name;
  copy.stack = redactText(String(link.stack ?? `${copy.name}: ${copy.message}`), secrets);
  if (typeof link.code === 'string' || typeof link.code === 'number') copy.code = link.code;
  const { cause } = value as { cause?: unknown };
  if (cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    copy.cause = redactError(cause, secrets, depth + 1);
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
