// Generates the code derived from the OpenAPI spec:
//   generated/schema.ts  TypeScript types (`paths`, `components`, `operations`), by
//                        openapi-typescript
//   generated/zod/       zod schemas for component schemas and request/response bodies, by hey-api
//
// Usage:
//   node scripts/generate.mjs [--spec <path>] [--out <dir>]   write the output
//   node scripts/generate.mjs --check [--spec ...] [--out ...] fail if the output is out of date
//
// Both tools read only the local spec file: generation needs no network.

import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient } from '@hey-api/openapi-ts';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';

const ROOT = path.resolve(import.meta.dirname, '..');
const DEFAULT_SPEC = 'openapi/onceonly.yaml';
const DEFAULT_OUT = 'generated';

/** @typedef {{ check: boolean, spec: string, out: string }} Options */

/**
 * Reads the command line. Paths are resolved against the repository root, so the script behaves
 * the same whatever directory it is started from.
 *
 * @param {string[]} argv
 * @returns {Options}
 */
function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      check: { type: 'boolean', default: false },
      spec: { type: 'string', default: DEFAULT_SPEC },
      out: { type: 'string', default: DEFAULT_OUT },
    },
  });

  const options = {
    check: values.check,
    spec: path.resolve(ROOT, values.spec),
    out: path.resolve(ROOT, values.out),
  };
  assertSafeOutDir(options);
  return options;
}

/**
 * The output directory is deleted and rewritten, so refuse one that holds the repository or
 * the spec (a slip such as `--out .` must not wipe the work tree).
 *
 * @param {Options} options
 */
function assertSafeOutDir({ out, spec }) {
  const holds = (/** @type {string} */ target) => !path.relative(out, target).startsWith('..');
  if (holds(ROOT) || holds(spec)) {
    throw new Error(`refusing to use ${out} as output: it contains the repository or the spec`);
  }
}

/**
 * A path as people read it in this repository: relative to the root, `/`-separated.
 *
 * @param {string} file
 * @returns {string}
 */
function displayPath(file) {
  return path.relative(ROOT, file).split(path.sep).join('/');
}

/**
 * The do-not-edit notice that opens every generated file. It names the spec relative to the
 * repository root, never an absolute path, so the output does not depend on where the clone is.
 *
 * @param {string} specPath
 * @returns {string[]}
 */
function headerLines(specPath) {
  return [
    `// Generated from ${displayPath(specPath)} by scripts/generate.mjs.`,
    '// Do not edit by hand: change the spec and run `npm run generate`.',
  ];
}

/**
 * Writes `<outDir>/schema.ts` with openapi-typescript. Defaults are kept on purpose: no `enum`
 * option, so enums stay string-literal unions that cost nothing at run time.
 *
 * @param {string} specPath
 * @param {string} outDir
 */
async function generateTypes(specPath, outDir) {
  // A field with a default is optional for whoever sends it: the server fills the default in.
  // openapi-typescript would otherwise make such fields required in request bodies too.
  const ast = await openapiTS(pathToFileURL(specPath), { defaultNonNullable: false });

  // The Node API returns the bare code; the CLI would add COMMENT_HEADER, so we add it too.
  const code = `${headerLines(specPath).join('\n')}\n${COMMENT_HEADER}${astToString(ast)}`;

  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, 'schema.ts'), code);
}

/**
 * Writes `<outDir>/zod/` with hey-api's zod plugin alone: no client and no SDK functions, only
 * the schemas, which the handwritten layer uses to validate what crosses the wire.
 *
 * @param {string} specPath
 * @param {string} outDir
 */
async function generateZod(specPath, outDir) {
  await createClient({
    input: specPath,
    output: {
      path: path.join(outDir, 'zod'),
      // Our tsconfig uses NodeNext resolution, which needs explicit `.js` in relative imports.
      // (`module.extension` is the current name of the deprecated `importFileExtension`.)
      module: { extension: '.js' },
      // Our notice first, then the tool's own line.
      header: ({ defaultValue }) => [...headerLines(specPath), ...defaultValue],
    },
    // Silent, and no crash-log files written into the working directory.
    logs: { level: 'silent', file: false },
    plugins: [
      {
        name: 'zod',
        // The default rejects `+00:00` offsets, which are valid RFC 3339 times a server may send.
        dates: { offset: true },
        // The default names (`z{op}Body`, `z{op}Response`) collide with component schemas such
        // as `CheckLockResponse`, and hey-api then appends a number (`zCheckLockResponse2`).
        requests: { body: { name: 'z{{name}}RequestBody' } },
        responses: { name: 'z{{name}}ResponseBody' },
      },
    ],
  });
}

/**
 * Lists the files under `dir` as sorted, `/`-separated relative paths ([] if `dir` is missing).
 *
 * @param {string} dir
 * @returns {Promise<string[]>}
 */
async function listFiles(dir) {
  /** @type {import('node:fs').Dirent[]} */
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code === 'ENOENT') return [];
    throw error;
  }

  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .map((file) => file.split(path.sep).join('/'))
    .sort();
}

/**
 * Fails loudly if a tool wrote a file that does not start with the notice, rather than letting
 * an unmarked generated file look hand-written.
 *
 * @param {string} dir
 * @param {string} specPath
 */
async function assertHeaders(dir, specPath) {
  const header = headerLines(specPath).join('\n');

  for (const file of await listFiles(dir)) {
    const text = await readFile(path.join(dir, file), 'utf8');
    if (!text.startsWith(header)) {
      throw new Error(`generated file ${file} does not start with the do-not-edit notice`);
    }
  }
}

/**
 * Generates everything into `dir`, which must be empty or absent.
 *
 * @param {string} specPath
 * @param {string} dir
 */
async function generateInto(specPath, dir) {
  await generateTypes(specPath, dir);
  await generateZod(specPath, dir);
  await assertHeaders(dir, specPath);
}

/**
 * Runs `fn` with a fresh temporary directory and removes it afterwards, whatever happens.
 *
 * @template T
 * @param {(dir: string) => Promise<T>} fn
 * @returns {Promise<T>}
 */
async function withTempDir(fn) {
  const dir = await mkdtemp(path.join(tmpdir(), 'onceonly-generate-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Compares two trees byte for byte.
 *
 * @param {string} expectedDir freshly generated output
 * @param {string} actualDir output on disk
 * @returns {Promise<{ missing: string[], extra: string[], changed: string[] }>}
 */
async function compareTrees(expectedDir, actualDir) {
  const expected = await listFiles(expectedDir);
  const actual = await listFiles(actualDir);

  const missing = expected.filter((file) => !actual.includes(file));
  const extra = actual.filter((file) => !expected.includes(file));
  const changed = [];
  for (const file of expected.filter((name) => actual.includes(name))) {
    const want = await readFile(path.join(expectedDir, file));
    const have = await readFile(path.join(actualDir, file));
    if (!want.equals(have)) changed.push(file);
  }

  return { missing, extra, changed };
}

/**
 * Replaces `outDir` with a fresh generation. Generating into a temporary directory first means
 * a failed run leaves the old output untouched, and no stale file survives a successful one.
 *
 * @param {Options} options
 */
async function write(options) {
  await withTempDir(async (tmp) => {
    // A subdirectory, because mkdtemp's own directory is private (0700) and cp copies modes.
    const fresh = path.join(tmp, 'out');
    await generateInto(options.spec, fresh);
    await rm(options.out, { recursive: true, force: true });
    await cp(fresh, options.out, { recursive: true });
  });

  console.log(`Generated ${displayPath(options.out)}/ from ${displayPath(options.spec)}`);
}

/**
 * Exits 1 when `outDir` differs from what the spec generates now.
 *
 * @param {Options} options
 */
async function check(options) {
  const diff = await withTempDir(async (dir) => {
    await generateInto(options.spec, dir);
    return compareTrees(dir, options.out);
  });

  const outName = displayPath(options.out);
  const problems = [
    ...diff.missing.map((file) => `  missing: ${outName}/${file}`),
    ...diff.extra.map((file) => `  extra:   ${outName}/${file}`),
    ...diff.changed.map((file) => `  changed: ${outName}/${file}`),
  ];

  if (problems.length === 0) {
    console.log(`OK: ${outName}/ is up to date with the spec.`);
    return;
  }

  console.error(`${outName}/ is out of date with the spec:\n${problems.join('\n')}`);
  console.error('Run `npm run generate` and commit the result.');
  process.exitCode = 1;
}

const options = parseOptions(process.argv.slice(2));
await (options.check ? check(options) : write(options));
