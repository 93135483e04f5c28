import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';

/**
 * The transport imports its default `fetch` from `./default-fetch.js`, the Web one. In the
 * package that import becomes `#default-fetch`, left to the runtime: package.json's `imports`
 * maps it to the `node:http` transport under the `node` condition and to the Web one
 * elsewhere (browsers, workers, Deno, Bun). Tests and tsx run the source, with the Web one.
 */
const defaultFetchPerRuntime: Plugin = {
  name: 'default-fetch-per-runtime',
  setup(build) {
    build.onResolve({ filter: /^\.\/default-fetch\.js$/ }, (args) =>
      args.importer.endsWith('/src/internal/transport.ts')
        ? { path: '#default-fetch', external: true }
        : undefined,
    );
  },
};

export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      'testing/index': 'src/testing/index.ts',
      'internal/default-fetch': 'src/internal/default-fetch.ts',
      'node/default-fetch': 'src/node/default-fetch.ts',
    },
    format: ['esm', 'cjs'],
    // One chunk per shared module in both formats: `onceonly-sdk` and `onceonly-sdk/testing`
    // share one copy of each error class, so `instanceof` works across them.
    splitting: true,
    dts: { entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' } },
    target: 'es2022',
    platform: 'neutral',
    esbuildPlugins: [defaultFetchPerRuntime],
    // Keep `node:http` as written: Deno resolves built-ins only with the prefix.
    removeNodeProtocol: false,
    external: [/^node:/],
    clean: true,
  },
  {
    // `onceonly-local`: the local server over HTTP, a command of the package (Node only).
    entry: { 'bin/onceonly-local': 'scripts/onceonly-local.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
    removeNodeProtocol: false,
  },
]);
