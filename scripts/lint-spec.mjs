// Lints the OpenAPI spec with Redocly, using the rules in redocly.yaml.
//
// Usage: node scripts/lint-spec.mjs [spec]   (default openapi/onceonly.yaml)
//
// A Node script rather than `REDOCLY_TELEMETRY=off redocly lint` in package.json, so that the
// environment is set the same way in every shell, Windows' included.

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const spec = process.argv[2] ?? 'openapi/onceonly.yaml';

// Run the CLI file with this Node, not through a shell or npx: no lookup, same on every OS.
const cli = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js');

const result = spawnSync(process.execPath, [cli, 'lint', spec], {
  cwd: ROOT,
  stdio: 'inherit',
  env: {
    ...process.env,
    // Send no usage data anywhere.
    REDOCLY_TELEMETRY: 'off',
    // Skip the new-version check, which would query the npm registry on every run.
    REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
  },
});

if (result.error) throw result.error;
process.exitCode = result.status ?? 1;
