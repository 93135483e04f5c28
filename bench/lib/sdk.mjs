// How a bench child gets the SDK, the way a user does: `import('onceonly-sdk')`. With a build
// (dist/ and an `exports` map) that is the package itself, resolved through its own exports
// under Node's `node` condition; without one, the parent starts the child under tsx, whose
// reading of tsconfig.json `paths` maps the name to src/.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './child.mjs';

/** Where the SDK comes from in this run, and the Node arguments a child needs to load it. */
export function sdkSource() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  if (pkg.exports && existsSync(join(ROOT, 'dist'))) {
    return { kind: 'dist', label: 'dist/, through the package exports', nodeArgs: [] };
  }
  return { kind: 'src', label: 'src/ under tsx (no build yet)', nodeArgs: ['--import', 'tsx'] };
}

/** True when this checkout has a Node transport to measure. */
export function hasNodeTransport(source) {
  return source.kind === 'dist' || existsSync(join(ROOT, 'src/node/http-send.ts'));
}

/**
 * A client whose requests go through `kind`, and a label naming that transport:
 * - `fetch`: the Web-standard path, the global `fetch` (undici on Node). It is what the default
 *   entry uses in browsers, workers, Deno and Bun, and on Node when run from src/; with the
 *   build on Node it is what a client gets when given `fetch: globalThis.fetch`.
 * - `node`: `nodeHttpFetch` (node:http, keep-alive). With the build on Node it is the default,
 *   so the client is made without a `fetch`; from src/ it is passed as the `fetch` option.
 * `options.fetch`, when given, wins (a scripted fetch for the polling scenarios).
 */
export async function sdkClient(source, kind, options) {
  const { OnceOnly } = await import('onceonly-sdk');
  if (kind === 'fetch') {
    return {
      client: new OnceOnly({ fetch: globalThis.fetch, ...options }),
      transport: 'SDK -> global fetch (undici)',
    };
  }
  if (source.kind === 'dist') {
    return { client: new OnceOnly(options), transport: 'SDK -> its Node default (node:http)' };
  }
  const { nodeHttpFetch } = await import(join(ROOT, 'src/node/http-send.ts'));
  return {
    client: new OnceOnly({ fetch: nodeHttpFetch, ...options }),
    transport: 'SDK -> nodeHttpFetch (node:http)',
  };
}
