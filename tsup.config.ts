import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';

/**
 * The transport asks `./platform-send.js` how this runtime sends, which in the source is "with
 * `fetch`". In the package that import becomes `#platform-send`, left to the runtime:
 * package.json's `imports` maps it to the `node:http` sender under the `node` condition and to
 * the `fetch` one elsewhere (browsers, workers, Deno, Bun). Tests and tsx run the source.
 */
const platformSendPerRuntime: Plugin = {
  name: 'platform-send-per-runtime',
  setup(build) {
    build.onResolve({ filter: /^\.\/platform-send\.js$/ }, (args) =>
      args.importer.endsWith('/src/internal/transport.ts')
        ? { path: '#platform-send', external: true }
        : undefined,
    );
  },
};

export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      'testing/index': 'src/testing/index.ts',
      'internal/platform-send': 'src/internal/platform-send.ts',
      'node/platform-send': 'src/node/platform-send.ts',
    },
    format: ['esm', 'cjs'],
    // One chunk per shared module in both formats: `onceonly-sdk` and `onceonly-sdk/testing`
    // share one copy of each error class, so `instanceof` works across them.
    splitting: true,
    dts: { entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' } },
    target: 'es2022',
    platform: 'neutral',
    esbuildPlugins: [platformSendPerRuntime],
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
