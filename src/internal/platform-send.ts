import type { Send } from './send.js';

/**
 * How this runtime sends when the client is given no `fetch`, if not with the global `fetch`:
 * here, everywhere but Node, with the global `fetch` (`undefined`).
 *
 * The package build keeps this module a file of its own, reached through the package's
 * `#platform-send` import: under the `node` condition it is `src/node/platform-send.ts`
 * instead. It imports nothing of the SDK's, so that both builds share one copy of the rest.
 */
export function platformSend(): Send | undefined {
  return undefined;
}
