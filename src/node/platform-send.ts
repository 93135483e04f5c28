import type { Send } from '../internal/send.js';
import { httpSend } from './http-send.js';

// Node's own fetch as it was when the SDK was loaded. A global replaced after that (a test's
// mock, an instrumented fetch) is someone's choice, and is used as it is everywhere else.
const builtinFetch = globalThis.fetch;

/**
 * How a client given no `fetch` sends on Node: with `httpSend`, straight over `node:http` and
 * `node:https`, which costs a fraction of Node's global `fetch` per request; or with the global
 * `fetch` (`undefined`) when that has been replaced since the SDK was loaded.
 */
export function platformSend(): Send | undefined {
  return globalThis.fetch === builtinFetch ? httpSend : undefined;
}
