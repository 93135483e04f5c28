import type { FetchLike } from './transport.js';

/**
 * The `fetch` a client uses when it is given none: the global one, looked up at each request so
 * that a `fetch` replaced after the client was made (a test's mock) is used.
 *
 * The package build does not bundle this module: it stays a separate file, reached through the
 * package's `#default-fetch` import, which under the `node` condition is `src/node/default-fetch.ts`
 * instead. Browsers, workers, Deno and Bun get this one.
 */
export function defaultFetch(): FetchLike {
  return globalThis.fetch;
}
