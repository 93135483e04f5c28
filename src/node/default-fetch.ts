import type { FetchLike } from '../internal/transport.js';
import { nodeHttpFetch } from './http-fetch.js';

// Node's own fetch as it was when the SDK was loaded. A global replaced after that (a test's
// mock, an instrumented fetch) is someone's choice, and is used as it is everywhere else.
const builtinFetch = globalThis.fetch;

/**
 * The `fetch` a client uses on Node when it is given none: `nodeHttpFetch`, a keep-alive
 * `node:http` transport that costs a fraction of Node's global fetch per request, unless the
 * global `fetch` has been replaced since the SDK was loaded.
 */
export function defaultFetch(): FetchLike {
  return globalThis.fetch === builtinFetch ? nodeHttpFetch : globalThis.fetch;
}
