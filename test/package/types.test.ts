// The installed package's declarations, as TypeScript users get them: tsc (this repository's)
// type-checks files that import it under moduleResolution node16, from ESM and from CommonJS,
// and bundler, with `skipLibCheck` off so the package's .d.ts and .d.cts files are checked too.
// The fixtures use typed results and hold `@ts-expect-error` misuses, so wrong types fail.

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRun, expectSuccess, projectDir, runInProject, TSC } from './support.js';

const CHECKS = [
  { config: 'tsconfig.node16-esm.json', file: 'types.ts', declarations: '.d.ts' },
  { config: 'tsconfig.node16-cjs.json', file: 'types.cts', declarations: '.d.cts' },
  { config: 'tsconfig.bundler.json', file: 'types.ts', declarations: '.d.ts' },
];

describe('the package from TypeScript', () => {
  it.each(CHECKS)('type-checks $file with $config', async ({ config, declarations }) => {
    const finished = await runInProject(process.execPath, [TSC, '-p', config, '--listFiles']);
    expectSuccess(finished);

    // The declarations of both entries were the ones for this module system.
    const dist = path.join(projectDir(), 'node_modules/onceonly-sdk/dist');
    const listed = finished.stdout.split(/\r?\n/);
    expect(listed, describeRun(finished)).toEqual(
      expect.arrayContaining([
        path.join(dist, `index${declarations}`),
        path.join(dist, `testing/index${declarations}`),
      ]),
    );
  });
});
