/**
 * The one place the SDK reads environment variables. Browsers and edge runtimes have no
 * `process`; Deno without `--allow-env` throws on access. Either way the answer is `undefined`.
 */
export function readEnv(name: string): string | undefined {
  const runtime = globalThis as {
    process?: { env?: Record<string, string | undefined> };
    Deno?: { env?: { get(name: string): string | undefined } };
  };
  try {
    const value = runtime.process?.env?.[name] ?? runtime.Deno?.env?.get(name);
    return value?.trim() || undefined;
  } catch {
    return undefined;
  }
}
