/**
 * The one place the SDK reads environment variables. Browsers and edge runtimes have no
 * `process`: the answer is `undefined`. So it is in Deno without `--allow-env` for the variable,
 * where a plain read would ask on the terminal (and throw where it cannot ask): the permission is
 * queried first, which never asks.
 */
export function readEnv(name: string): string | undefined {
  const runtime = globalThis as {
    process?: { env?: Record<string, string | undefined> };
    Deno?: DenoEnv;
  };
  try {
    // Deno has a `process` too, whose `env` would ask the same way: only `Deno` is used there.
    const value = runtime.Deno ? readDenoEnv(runtime.Deno, name) : runtime.process?.env?.[name];
    return value?.trim() || undefined;
  } catch {
    return undefined;
  }
}

interface DenoEnv {
  env?: { get(name: string): string | undefined };
  permissions?: { querySync?(descriptor: { name: 'env'; variable: string }): { state: string } };
}

function readDenoEnv(deno: DenoEnv, name: string): string | undefined {
  const state = deno.permissions?.querySync?.({ name: 'env', variable: name }).state;
  return state === 'granted' ? deno.env?.get(name) : undefined;
}
