// Vitest global setup of the `contract` project: one Prism mock of the spec for the whole run.
//
// Tests read its base URL with `inject('prismUrl')` and the spec it serves with
// `inject('prismSpec')`. The spec defaults to openapi/onceonly.yaml; set PRISM_SPEC to serve
// another file (the tests then read their expected examples from that file too).

import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startPrism } from '../../scripts/lib/prism.mjs';

export type { PrismOptions, PrismServer } from '../../scripts/lib/prism.mjs';
export { startPrism, withPrism } from '../../scripts/lib/prism.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the Prism mock, without a trailing slash, e.g. `http://127.0.0.1:41234`. */
    prismUrl: string;
    /** Absolute path of the spec Prism serves. */
    prismSpec: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const spec = path.resolve(project.config.root, process.env.PRISM_SPEC ?? 'openapi/onceonly.yaml');
  const prism = await startPrism({ spec });

  project.provide('prismUrl', prism.url);
  project.provide('prismSpec', spec);

  // Vitest calls the returned function as the teardown, after the last test file.
  return prism.stop;
}
