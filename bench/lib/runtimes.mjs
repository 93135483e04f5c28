// The runtimes besides Node that the overhead table covers: bench/runtime-overhead.mjs bundled
// with each runtime's conditions from the built package, and run by the runtime's binary from
// the npm packages `deno` and `bun`.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT, runCommand } from './child.mjs';
import { median, range } from './stats.mjs';

const RUNTIMES = {
  deno: {
    bin: join(ROOT, 'node_modules/.bin/deno'),
    conditions: ['deno', 'node'],
    args: (bundle, input) => ['run', '--allow-net=127.0.0.1', bundle, input],
    version: ['--version'],
  },
  bun: {
    bin: join(ROOT, 'node_modules/.bin/bun'),
    conditions: ['bun', 'node'],
    args: (bundle, input) => ['run', bundle, input],
    version: ['--version'],
  },
};

/**
 * Raw `fetch` against the SDK in each runtime, `rounds` times in fresh processes, the order of
 * the two rows alternating; each ratio is taken within its round and the median reported.
 */
export async function measureRuntimes(url, settings, rounds, log) {
  const dir = await mkdtemp(join(tmpdir(), 'onceonly-bench-'));
  try {
    const out = [];
    for (const [name, runtime] of Object.entries(RUNTIMES)) {
      if (!existsSync(runtime.bin)) {
        out.push({ runtime: name, skipped: `no ${runtime.bin}` });
        continue;
      }
      const bundle = join(dir, `${name}.mjs`);
      await build({
        entryPoints: [join(ROOT, 'bench/runtime-overhead.mjs')],
        bundle: true,
        format: 'esm',
        platform: 'neutral',
        mainFields: ['module', 'main'],
        conditions: runtime.conditions,
        external: ['node:*'],
        // Not the repository's tsconfig `paths`: the package's name resolves through its exports.
        tsconfigRaw: {},
        absWorkingDir: ROOT,
        outfile: bundle,
        logLevel: 'error',
      });
      const version = (await runCommand(runtime.bin, runtime.version)).trim().split('\n')[0];
      const perRound = [];
      for (let round = 0; round < rounds; round++) {
        const input = JSON.stringify({ url, ...settings, sdkFirst: round % 2 === 1 });
        const printed = await runCommand(runtime.bin, runtime.args(bundle, input));
        const { fetch, sdk } = JSON.parse(printed.trim().split('\n').at(-1));
        perRound.push({
          fetchSeqUs: fetch.seq.medianUs,
          sdkSeqUs: sdk.seq.medianUs,
          fetchCallsPerSec: fetch.conc.callsPerSec,
          sdkCallsPerSec: sdk.conc.callsPerSec,
          latencyRatio: sdk.seq.medianUs / fetch.seq.medianUs,
          throughputRatio: sdk.conc.callsPerSec / fetch.conc.callsPerSec,
        });
      }
      const pick = (field) => perRound.map((r) => r[field]);
      out.push({
        runtime: name,
        version,
        fetchSeqUs: median(pick('fetchSeqUs')),
        sdkSeqUs: median(pick('sdkSeqUs')),
        fetchCallsPerSec: median(pick('fetchCallsPerSec')),
        sdkCallsPerSec: median(pick('sdkCallsPerSec')),
        latencyRatio: median(pick('latencyRatio')),
        latencyRatioRange: range(pick('latencyRatio')),
        throughputRatio: median(pick('throughputRatio')),
        throughputRatioRange: range(pick('throughputRatio')),
        rounds: perRound,
      });
      log(`${name}: ${rounds} rounds done`);
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
