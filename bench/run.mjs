// `npm run bench`: measures the SDK against raw clients in one run and prints the tables.
// Every number that depends on the machine is a ratio to a baseline measured in the same run,
// repeated and reduced to its median: machines are shared and noisy. See bench/README.md.
//
//   node bench/run.mjs [--rounds N] [--import-runs N] [--quick] [--no-real-polling]
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { measureImportTime } from './import-time.mjs';
import { ROOT, runChild, startServer } from './lib/child.mjs';
import { measureRuntimes } from './lib/runtimes.mjs';
import { hasNodeTransport, sdkSource } from './lib/sdk.mjs';
import { median, range } from './lib/stats.mjs';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string' },
    'import-runs': { type: 'string' },
    quick: { type: 'boolean', default: false },
    'no-real-polling': { type: 'boolean', default: false },
  },
});
const quick = args.quick;
const ROUNDS = Number(args.rounds ?? (quick ? 3 : 7));
const IMPORT_RUNS = Number(args['import-runs'] ?? (quick ? 20 : 40));
const OVERHEAD = {
  warmupCalls: 500,
  seqCalls: quick ? 1_000 : 3_000,
  concCalls: quick ? 5_000 : 20_000,
  inFlight: 100,
};
const RUNTIME_OVERHEAD = {
  warmupCalls: 500,
  seqCalls: quick ? 500 : 2_000,
  concCalls: quick ? 2_000 : 10_000,
  inFlight: 100,
};
const MEMORY_CALLS = 10_000;
// The targets the SDK is measured against (see bench/README.md).
const TARGETS = {
  latencyRatio: 0.5,
  throughputRatio: 3,
  // Within 30% of the machine's limit, the raw node:http request.
  latencyVsHttp: 1.3,
  throughputVsHttp: 1 / 1.3,
  // Runtimes other than Node, against their own fetch.
  otherRuntimeRatio: 1.05,
  importMs: 15,
  pollsFor10sJob: 10,
  lateMs: 5_000, // one maxPollIntervalMs, the default
};

const ROW_NAMES = {
  fetch: 'raw global fetch',
  http: 'raw node:http request',
  'sdk-fetch': 'SDK, default transport',
  'sdk-node': 'SDK, Node transport',
};

const source = sdkSource();
const rows = ['fetch', 'http', 'sdk-fetch', ...(hasNodeTransport(source) ? ['sdk-node'] : [])];
const machine = {
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  loadBefore: loadavg(),
};

log(`SDK from ${source.label}; ${machine.cpus} CPUs, load ${fmtLoad(machine.loadBefore)}`);

const server = await startServer();
let overhead;
let memory;
let runtimes;
try {
  overhead = await measureOverhead(server.url);
  memory = await measureMemory(server.url);
  runtimes =
    source.kind === 'dist'
      ? await measureRuntimes(server.url, RUNTIME_OVERHEAD, ROUNDS, log)
      : [{ runtime: 'deno, bun', skipped: 'no build (run `npm run build` first)' }];
} finally {
  server.stop();
}
const polling = await measurePolling();
const importTime = measureImports();
machine.loadAfter = loadavg();

const tables = [
  overheadTable(overhead),
  runtimesTable(runtimes),
  pollingTable(polling),
  importTable(importTime),
  memoryTable(memory),
].join('\n\n');
const footer =
  `SDK from ${source.label}. Node ${machine.node}, ${machine.cpus} CPUs, load average ` +
  `${fmtLoad(machine.loadBefore)} before, ${fmtLoad(machine.loadAfter)} after.`;
process.stdout.write(`\n${tables}\n\n${footer}\n`);

const results = {
  date: new Date().toISOString(),
  sdk: source.label,
  machine,
  settings: {
    rounds: ROUNDS,
    importRuns: IMPORT_RUNS,
    overhead: OVERHEAD,
    memoryCalls: MEMORY_CALLS,
  },
  targets: TARGETS,
  overhead,
  runtimes,
  polling,
  importTime,
  memory,
};
const dir = join(ROOT, 'bench/results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `bench-${results.date.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
log(`results written to ${file.slice(ROOT.length)}`);

// --- Measurements --------------------------------------------------------------------------

/** Starts bench/server.mjs in its own process; `stop()` ends it by closing its stdin. */
/**
 * Each round runs every row once, each in a fresh process, in an order rotated by one each
 * round. A row's ratio is taken within its round (against that round's raw fetch), and the
 * table shows the median of the rounds.
 */
async function measureOverhead(url) {
  const perRow = Object.fromEntries(rows.map((row) => [row, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = rows.map((_, i) => rows[(i + round) % rows.length]);
    const results = {};
    for (const row of order) {
      results[row] = await runChild(
        'overhead.mjs',
        { row, url, sdk: source, ...OVERHEAD },
        source.nodeArgs,
      );
    }
    for (const row of rows) {
      const r = results[row];
      perRow[row].push({
        transport: r.transport,
        seqUs: r.seq.medianUs,
        seqCpuUs: r.seq.cpuUsPerCall,
        callsPerSec: r.conc.callsPerSec,
        concCpuUs: r.conc.cpuUsPerCall,
        latencyRatio: r.seq.medianUs / results.fetch.seq.medianUs,
        throughputRatio: r.conc.callsPerSec / results.fetch.conc.callsPerSec,
        latencyVsHttp: r.seq.medianUs / results.http.seq.medianUs,
        throughputVsHttp: r.conc.callsPerSec / results.http.conc.callsPerSec,
      });
    }
    log(`overhead: round ${round + 1}/${ROUNDS} done`);
  }
  return rows.map((row) => {
    const runs = perRow[row];
    const pick = (field) => runs.map((r) => r[field]);
    return {
      row,
      name: ROW_NAMES[row],
      transport: runs[0].transport,
      seqUs: median(pick('seqUs')),
      seqCpuUs: median(pick('seqCpuUs')),
      callsPerSec: median(pick('callsPerSec')),
      concCpuUs: median(pick('concCpuUs')),
      latencyRatio: median(pick('latencyRatio')),
      latencyRatioRange: range(pick('latencyRatio')),
      throughputRatio: median(pick('throughputRatio')),
      throughputRatioRange: range(pick('throughputRatio')),
      latencyVsHttp: median(pick('latencyVsHttp')),
      throughputVsHttp: median(pick('throughputVsHttp')),
      rounds: runs,
    };
  });
}

async function measureMemory(url) {
  const kinds = rows.includes('sdk-node') ? ['fetch', 'node'] : ['fetch'];
  const out = [];
  for (const kind of kinds) {
    const input = { sdk: source, kind, url, calls: MEMORY_CALLS, inFlight: 100 };
    out.push(await runChild('memory.mjs', input, [...source.nodeArgs, '--expose-gc']));
  }
  log('memory: done');
  return out;
}

async function measurePolling() {
  // Every job length with no server hint, as the defaults alone poll; and with the hint of 5 s
  // that the API documents for `polling` answers, which the SDK follows within its bounds.
  const fakeScenarios = [2_000, 10_000, 30_000].flatMap((jobMs) => [
    { jobMs, hintSec: null },
    { jobMs, hintSec: 5 },
  ]);
  const runs = [
    runChild(
      'polling.mjs',
      { sdk: source, clock: 'fake', scenarios: fakeScenarios },
      source.nodeArgs,
    ),
  ];
  if (!args['no-real-polling']) {
    log('polling: waiting for real jobs of 2 s and 10 s (about 13 s)');
    const realScenarios = [2_000, 10_000].map((jobMs) => ({ jobMs, hintSec: null }));
    runs.push(
      runChild(
        'polling.mjs',
        { sdk: source, clock: 'real', scenarios: realScenarios },
        source.nodeArgs,
      ),
    );
  }
  const results = (await Promise.all(runs)).flatMap((r) =>
    r.results.map((result) => ({ clock: r.clock, ...result })),
  );
  return results.sort(
    (a, b) =>
      a.jobMs - b.jobMs || (a.hintSec ?? 0) - (b.hintSec ?? 0) || (a.clock < b.clock ? 1 : -1),
  );
}

function measureImports() {
  if (source.kind !== 'dist') {
    log('import time: skipped, no build (run `npm run build` first)');
    return { skipped: 'no dist/ with an exports map: run `npm run build` first' };
  }
  log(`import time: ${IMPORT_RUNS} runs of each`);
  return measureImportTime(IMPORT_RUNS);
}

// --- Tables --------------------------------------------------------------------------------

function overheadTable(results) {
  const head =
    '| check-lock on Node, loopback keep-alive | Transport | Sequential µs/call (median) | ' +
    'Latency vs fetch | vs node:http | 100 in flight, calls/s | Throughput vs fetch | ' +
    'vs node:http | CPU µs/call at 100 |';
  const lines = [head, '|---|---|--:|--:|--:|--:|--:|--:|--:|'];
  for (const r of results) {
    // The Node transport is held to the targets; the other rows are what it is measured by.
    const held = r.row === 'sdk-node';
    const cells = [
      r.name,
      r.transport,
      r.seqUs.toFixed(0),
      r.row === 'fetch'
        ? '1.00x (baseline)'
        : judged(
            r.latencyRatio,
            held && `<= ${TARGETS.latencyRatio}x`,
            held && r.latencyRatio <= TARGETS.latencyRatio,
          ),
      r.row === 'http'
        ? '1.00x (the limit)'
        : judged(
            r.latencyVsHttp,
            held && `<= ${TARGETS.latencyVsHttp}x`,
            held && r.latencyVsHttp <= TARGETS.latencyVsHttp,
          ),
      r.callsPerSec.toFixed(0),
      r.row === 'fetch'
        ? '1.00x (baseline)'
        : judged(
            r.throughputRatio,
            held && `>= ${TARGETS.throughputRatio}x`,
            held && r.throughputRatio >= TARGETS.throughputRatio,
          ),
      r.row === 'http'
        ? '1.00x (the limit)'
        : judged(
            r.throughputVsHttp,
            held && `>= ${TARGETS.throughputVsHttp.toFixed(2)}x`,
            held && r.throughputVsHttp >= TARGETS.throughputVsHttp,
          ),
      r.concCpuUs.toFixed(0),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  if (!results.some((r) => r.row === 'sdk-node')) {
    lines.push('| SDK, Node transport | not in this checkout | - | - | - | - | - | - | - |');
  }
  return lines.join('\n');
}

function runtimesTable(results) {
  const lines = [
    '| check-lock in another runtime | Version | raw fetch µs/call | SDK µs/call | ' +
      'Latency vs fetch | raw fetch calls/s at 100 | SDK calls/s | Throughput vs fetch |',
    '|---|---|--:|--:|--:|--:|--:|--:|',
  ];
  const limit = TARGETS.otherRuntimeRatio;
  for (const r of results) {
    if (r.skipped) {
      lines.push(`| ${r.runtime} | not measured: ${r.skipped} | - | - | - | - | - | - |`);
      continue;
    }
    const cells = [
      r.runtime,
      r.version,
      r.fetchSeqUs.toFixed(0),
      r.sdkSeqUs.toFixed(0),
      judged(r.latencyRatio, `<= ${limit}x`, r.latencyRatio <= limit),
      r.fetchCallsPerSec.toFixed(0),
      r.sdkCallsPerSec.toFixed(0),
      judged(r.throughputRatio, `>= ${(1 / limit).toFixed(2)}x`, r.throughputRatio >= 1 / limit),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** A ratio, followed by its target and whether it was met when it has one. */
function judged(value, target, met) {
  return target ? `${ratio(value)} (target ${target}: ${verdict(met)})` : ratio(value);
}

function pollingTable(results) {
  const lines = [
    '| runAndWait, default options | Clock | Server hint `retry_after_sec` | Status polls | ' +
      'Returned after the job ended | Target |',
    '|---|---|---|--:|--:|---|',
  ];
  for (const r of results) {
    const targets = [
      `seen within ${TARGETS.lateMs / 1000} s: ${verdict(r.lateMs <= TARGETS.lateMs)}`,
    ];
    if (r.jobMs === 10_000) {
      targets.unshift(
        `<= ${TARGETS.pollsFor10sJob} polls: ${verdict(r.statusPolls <= TARGETS.pollsFor10sJob)}`,
      );
    }
    const hint = r.hintSec === null ? 'none' : `${r.hintSec} s`;
    lines.push(
      `| job of ${r.jobMs / 1000} s | ${r.clock} | ${hint} | ${r.statusPolls} | ` +
        `${(r.lateMs / 1000).toFixed(2)} s | ${targets.join('; ')} |`,
    );
  }
  return lines.join('\n');
}

function importTable(result) {
  const head = '| Import of `onceonly-sdk` (built entry) | Median | Target |';
  if (result.skipped) {
    const row = `| not measured | ${result.skipped} | <= ${TARGETS.importMs} ms |`;
    return `${head}\n|---|--:|---|\n${row}`;
  }
  const met = verdict(result.diffMs <= TARGETS.importMs);
  return [
    head,
    '|---|--:|---|',
    `| \`node -e 0\` (${result.runs} runs) | ${result.bareMs.toFixed(1)} ms | |`,
    `| \`node -e "import('onceonly-sdk')"\` | ${result.importMs.toFixed(1)} ms | |`,
    `| the import's cost: median of the paired differences | ${result.diffMs.toFixed(1)} ms | ` +
      `<= ${TARGETS.importMs} ms: ${met} |`,
    '| `import()` timed inside the process (ESM loader start included) | ' +
      `${result.inProcessImportMs.toFixed(1)} ms | |`,
    `| \`require()\` timed inside the process | ${result.inProcessRequireMs.toFixed(1)} ms | |`,
  ].join('\n');
}

function memoryTable(results) {
  const lines = [
    `| Heap after ${MEMORY_CALLS / 1000}k checkLocks (after gc) | Transport | ` +
      'Heap after warm-up | Heap after | Growth | Per call |',
    '|---|---|--:|--:|--:|--:|',
  ];
  for (const r of results) {
    const row = r.kind === 'node' ? ROW_NAMES['sdk-node'] : ROW_NAMES['sdk-fetch'];
    lines.push(
      `| ${row} | ${r.transport} | ` +
        `${mb(r.heapBefore)} | ${mb(r.heapAfter)} | ${mb(r.growth)} | ` +
        `${(r.growth / r.calls).toFixed(1)} B |`,
    );
  }
  return lines.join('\n');
}

function ratio(value) {
  return `${value.toFixed(2)}x`;
}

function verdict(met) {
  return met ? 'met' : 'MISSED';
}

function mb(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

function fmtLoad(load) {
  return load.map((n) => n.toFixed(2)).join(' ');
}

function log(message) {
  process.stderr.write(`[bench] ${message}\n`);
}
