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
