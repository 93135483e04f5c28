// `npm run bench:instructions`: the machine instructions a check-lock costs on Node, counted by
// valgrind's callgrind. Time on a shared machine moves with its load; an instruction count does
// not (the same within a fraction of a percent from run to run), so small changes to the
// transport show here first. Each row runs twice in a fresh process, with `FEW` and with `MANY`
// calls, and the difference divided by the extra calls is the cost of one call, start-up and
// warm-up left out. Ratios are to the raw `node:http` request of the same width. Needs valgrind
// (Debian's `valgrind`) and a build (`npm run build`); it takes about ten minutes, most of it
// in the `fetch` rows.
//
//   node bench/instructions.mjs [--rows http,sdk-node,fetch,sdk-fetch] [--widths 1,100]
import { parseArgs } from 'node:util';
import { runCommand, startServer } from './lib/child.mjs';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: 'http,sdk-node,fetch,sdk-fetch' },
    widths: { type: 'string', default: '1,100' },
  },
});
const FEW = 1_000;
const MANY = 5_000;
const ROW_NAMES = {
  http: 'raw node:http request',
  'sdk-node': 'SDK, Node transport',
  fetch: 'raw global fetch',
  'sdk-fetch': 'SDK, given the global fetch',
};
const rows = args.rows.split(',');
const widths = args.widths.split(',').map(Number);

async function instructions(url, row, calls, width) {
  const valgrind = ['--tool=callgrind', '--callgrind-out-file=/dev/null'];
  const child = [process.execPath, 'bench/instructions-child.mjs', url, row, calls, width];
  const printed = await runCommand('valgrind', [...valgrind, ...child.map(String)], 'stderr');
  const count = /Collected : (\d+)/.exec(printed)?.[1];
  if (count === undefined) throw new Error(`no instruction count from valgrind:\n${printed}`);
  return Number(count);
}

const server = await startServer();
const perCall = {};
try {
  for (const width of widths) {
    for (const row of rows) {
      const few = await instructions(server.url, row, FEW, width);
      const many = await instructions(server.url, row, MANY, width);
      perCall[`${row}@${width}`] = (many - few) / (MANY - FEW);
      console.error(`[bench] ${ROW_NAMES[row]}, ${width} in flight: done`);
    }
  }
} finally {
  server.stop();
}

const lines = [
  `| Instructions per check-lock on Node ${process.version} | ` +
    `${widths.map((w) => `${w} in flight | vs node:http`).join(' | ')} |`,
  `|---|${widths.map(() => '--:|--:').join('|')}|`,
];
for (const row of rows) {
  const cells = widths.map((width) => {
    const count = perCall[`${row}@${width}`];
    const base = perCall[`http@${width}`];
    const ratio = base ? `${(count / base).toFixed(2)}x` : '';
    return `${Math.round(count / 1000)}k | ${ratio}`;
  });
  lines.push(`| ${ROW_NAMES[row]} | ${cells.join(' | ')} |`);
}
console.log(lines.join('\n'));
