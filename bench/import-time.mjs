// Import time of the built entry: `node -e "import('onceonly-sdk')"` against a bare `node -e 0`,
// both spawned from the repository root (where the name resolves to the package through its
// own exports), interleaved so that a change in machine load hits both alike.
import { spawnSync } from 'node:child_process';
import { ROOT } from './lib/child.mjs';
import { median } from './lib/stats.mjs';

const BARE = ['-e', '0'];
const IMPORT = ['-e', "import('onceonly-sdk').then(() => {}, (e) => { throw e; })"];

function timeOnce(args) {
  const started = performance.now();
  const child = spawnSync(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const ms = performance.now() - started;
  if (child.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${child.stderr}`);
  return ms;
}

/** Median times of `runs` bare starts and `runs` starts that import the SDK, and their gap. */
export function measureImportTime(runs) {
  timeOnce(BARE);
  timeOnce(IMPORT);
  const bare = [];
  const withImport = [];
  for (let i = 0; i < runs; i++) {
    // Alternate which goes first, so neither always follows the other.
    if (i % 2) {
      bare.push(timeOnce(BARE));
      withImport.push(timeOnce(IMPORT));
    } else {
      withImport.push(timeOnce(IMPORT));
      bare.push(timeOnce(BARE));
    }
  }
  const pairDiffs = bare.map((ms, i) => withImport[i] - ms);
  return {
    runs,
    bareMs: median(bare),
    importMs: median(withImport),
    diffMs: median(withImport) - median(bare),
    medianPairDiffMs: median(pairDiffs),
    samples: { bare, withImport },
  };
}
