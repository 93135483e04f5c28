// Import time of the built entry, two ways:
// - a process that imports the SDK against a bare `node -e 0`, started alternately from the
//   repository root (where the name resolves to the package through its own exports): the
//   median of the paired differences, so that a change in machine load hits both alike;
// - inside one process, the time `import()` and `require()` of the SDK take, which leaves out
//   the process start and its noise (the ESM loader's own start is included).
import { spawnSync } from 'node:child_process';
import { ROOT } from './lib/child.mjs';
import { median } from './lib/stats.mjs';

const BARE = ['-e', '0'];
const IMPORT = ['-e', "import('onceonly-sdk').then(() => {}, (e) => { throw e; })"];
const TIMED_IMPORT = [
  '-e',
  "const t = performance.now(); import('onceonly-sdk').then(() => " +
    'process.stdout.write(String(performance.now() - t)), (e) => { throw e; })',
];
const TIMED_REQUIRE = [
  '-e',
  "const t = performance.now(); require('onceonly-sdk'); " +
    'process.stdout.write(String(performance.now() - t))',
];

function spawnNode(args) {
  const started = performance.now();
  const child = spawnSync(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  const ms = performance.now() - started;
  if (child.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${child.stderr}`);
  return { ms, printed: child.stdout };
}

/** Median times of `runs` of each way, and the import's cost over a bare start. */
export function measureImportTime(runs) {
  spawnNode(BARE);
  spawnNode(IMPORT);
  const bare = [];
  const withImport = [];
  const inProcessImport = [];
  const inProcessRequire = [];
  for (let i = 0; i < runs; i++) {
    // Alternate which goes first, so neither always follows the other.
    if (i % 2) {
      bare.push(spawnNode(BARE).ms);
      withImport.push(spawnNode(IMPORT).ms);
    } else {
      withImport.push(spawnNode(IMPORT).ms);
      bare.push(spawnNode(BARE).ms);
    }
    inProcessImport.push(Number(spawnNode(TIMED_IMPORT).printed));
    inProcessRequire.push(Number(spawnNode(TIMED_REQUIRE).printed));
  }
  const pairDiffs = bare.map((ms, i) => (withImport[i] ?? ms) - ms);
  return {
    runs,
    bareMs: median(bare),
    importMs: median(withImport),
    diffMs: median(pairDiffs),
    inProcessImportMs: median(inProcessImport),
    inProcessRequireMs: median(inProcessRequire),
    samples: { bare, withImport, inProcessImport, inProcessRequire },
  };
}
