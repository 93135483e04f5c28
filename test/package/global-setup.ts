// Packs the built package once per run, as `npm publish` would, and installs the tarball with
// npm into a fresh project outside the repository, where the fixtures are copied. Every test of
// the project runs there, so `onceonly-sdk` resolves as it does for a user: through the
// installed package.json, never through this repository's source or paths.

import { existsSync } from 'node:fs';
import { cp, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { describeRun, type Finished, run } from '../support/run.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = path.join(ROOT, 'test/package/fixtures');

declare module 'vitest' {
  export interface ProvidedContext {
    /** The project the packed package is installed in: an absolute path. */
    packageProject: string;
  }
}

export default async function setup(project: TestProject) {
  if (!existsSync(path.join(ROOT, 'dist/index.js'))) {
    throw new Error('dist/ is missing or incomplete: run `npm run build` first (`npm test` does).');
  }
  // Its real path (macOS links its temporary directory), the one tools such as tsc print.
  const root = await realpath(await mkdtemp(path.join(tmpdir(), 'onceonly-package-')));
  const cleanup = () => rm(root, { recursive: true, force: true });
  try {
    const tarball = await pack(root);
    const dir = path.join(root, 'project');
    await cp(FIXTURES, dir, { recursive: true });
    const manifest = { name: 'onceonly-package-check', private: true, type: 'module' };
    await writeFile(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    // The runtime dependencies are in npm's cache once `npm ci` has run.
    const args = ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball];
    succeeded(await run('npm', args, { cwd: dir, timeoutMs: 180_000 }), 'npm install');
    project.provide('packageProject', dir);
  } catch (error) {
    await cleanup();
    throw error;
  }
  return cleanup;
}

/** `npm pack` of the repository into `dir`; the tarball's absolute path. */
async function pack(dir: string): Promise<string> {
  const args = ['pack', '--json', '--pack-destination', dir];
  const finished = succeeded(await run('npm', args, { cwd: ROOT, timeoutMs: 120_000 }), 'npm pack');
  const [packed] = JSON.parse(finished.stdout) as { filename: string }[];
  if (packed === undefined) throw new Error(`npm pack printed no tarball:\n${finished.stdout}`);
  return path.join(dir, packed.filename);
}

function succeeded(finished: Finished, what: string): Finished {
  if (finished.code === 0) return finished;
  throw new Error(`${what} failed:\n${describeRun(finished)}`);
}
