// Bundles the smoke scenario once per run, for each runtime, with esbuild from the package's
// entry: the built package through its `exports` and `imports` maps once there is one, else
// `src/index.ts`. Each bundle resolves the package with its runtime's conditions, so Node's
// gets the `node:http` transport, and browser and worker bundles never the `node` condition.

import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import type { TestProject } from 'vitest/node';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRIES = path.join(ROOT, 'test/runtimes/entries');

export type BundleName = 'node' | 'deno' | 'bun' | 'browser' | 'worker';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Each runtime's bundle of the scenario: an absolute path. */
    runtimeBundles: Record<BundleName, string>;
  }
}

/** Which conditions each runtime resolves a package's `exports` with. */
const TARGETS: Record<BundleName, BuildOptions> = {
  node: { entryPoints: [`${ENTRIES}/cli.ts`], platform: 'node', conditions: ['node'] },
  deno: { entryPoints: [`${ENTRIES}/cli.ts`], conditions: ['deno', 'node'] },
  bun: { entryPoints: [`${ENTRIES}/cli.ts`], conditions: ['bun', 'node'] },
  browser: { entryPoints: [`${ENTRIES}/browser.ts`], platform: 'browser', format: 'iife' },
  worker: { entryPoints: [`${ENTRIES}/worker.ts`], conditions: ['workerd', 'worker', 'browser'] },
};

/**
 * The package itself when it is built, else its source. The repository's tsconfig.json maps the
 * package's name to its source (`paths`), which esbuild would follow too: it is left out, so
 * that the name resolves through package.json's `exports` (the package referring to itself).
 */
function sdkResolution(): BuildOptions {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const built = pkg.exports?.['.'] !== undefined && existsSync(path.join(ROOT, 'dist'));
  return built
    ? { tsconfigRaw: {} }
    : { alias: { 'onceonly-sdk': path.join(ROOT, 'src/index.ts') } };
}

export default async function setup(project: TestProject) {
  const outdir = await mkdtemp(path.join(tmpdir(), 'onceonly-runtimes-'));
  const resolution = sdkResolution();
  const bundles = {} as Record<BundleName, string>;

  await Promise.all(
    Object.entries(TARGETS).map(async ([name, target]) => {
      const outfile = path.join(outdir, `${name}.${target.format === 'iife' ? 'js' : 'mjs'}`);
      await build({
        bundle: true,
        platform: 'neutral',
        format: 'esm',
        mainFields: ['module', 'main'],
        target: 'es2022',
        // Node, Deno and Bun provide Node's modules; a browser or worker bundle must not need them.
        external: name === 'browser' || name === 'worker' ? [] : ['node:*'],
        ...resolution,
        absWorkingDir: ROOT,
        logLevel: 'error',
        ...target,
        outfile,
      });
      bundles[name as BundleName] = outfile;
    }),
  );
  project.provide('runtimeBundles', bundles);

  return () => rm(outdir, { recursive: true, force: true });
}
