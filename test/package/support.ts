// What the package tests share: the project the packed package is installed in, running a
// file or a command there, and assertions that show a failed process's output.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, inject } from 'vitest';
import { describeRun, type Finished, run } from '../support/run.js';

export { describeRun } from '../support/run.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The repository's TypeScript, run against the installed package. */
export const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');

/** The version a user installs, which `VERSION` must equal. */
export const PACKAGE_VERSION: string = JSON.parse(
  readFileSync(path.join(ROOT, 'package.json'), 'utf8'),
).version;

/** The key the local server accepts when given none (see src/testing/README.md). */
export const DEFAULT_API_KEY = 'once_live_local';

/** The project with the packed package installed, its fixtures beside it. */
export function projectDir(): string {
  return inject('packageProject');
}

/** Runs `command` in the project; a run past two minutes is killed. */
export function runInProject(command: string, args: string[]): Promise<Finished> {
  return run(command, args, { cwd: projectDir(), timeoutMs: 120_000 });
}

/** Fails, showing the output, unless the process exited with 0. */
export function expectSuccess(finished: Finished): void {
  expect(finished.code, describeRun(finished)).toBe(0);
}

/** The JSON a fixture printed as its last line, after checking that it exited with 0. */
export function printedJson(finished: Finished): unknown {
  expectSuccess(finished);
  const line = finished.stdout.trimEnd().split(/\r?\n/).at(-1) ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`the last line printed is not JSON:\n${describeRun(finished)}`);
  }
}

/** What esm.mjs and cjs.cjs print: the same checks, made from either module system. */
export function expectEntryOutcome(outcome: unknown, key: string): void {
  expect(outcome).toEqual({
    VERSION: PACKAGE_VERSION,
    first: expect.objectContaining({
      locked: true,
      duplicate: false,
      status: 'locked',
      key,
      first_seen_at: null,
    }),
    second: expect.objectContaining({
      locked: false,
      duplicate: true,
      status: 'duplicate',
      key,
      first_seen_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
    }),
    emptyApiKey: {
      name: 'InvalidInputError',
      field: 'apiKey',
      instanceofInvalidInputError: true,
      instanceofOnceOnlyError: true,
      isOnceOnlyError: true,
    },
  });
}
