// Runs one measurement in a fresh Node process, so that one row's JIT state, sockets and heap
// never affect another's. A child prints one JSON line on stdout; anything else goes to stderr.
import { spawn } from 'node:child_process';

export const ROOT = new URL('../..', import.meta.url).pathname;

/**
 * Runs `node [nodeArgs] bench/<script> <JSON of input>` from the repository root and resolves
 * to the JSON the child printed last.
 */
export async function runChild(script, input, nodeArgs = []) {
  const args = [...nodeArgs, `bench/${script}`, JSON.stringify(input)];
  const last = (await runCommand(process.execPath, args)).trim().split('\n').at(-1);
  if (!last) throw new Error(`bench/${script} printed no result`);
  return JSON.parse(last);
}

/**
 * Runs a command from the repository root to its end and resolves to what it printed on
 * `stream` (valgrind reports on stderr).
 */
export function runCommand(command, args, stream = 'stdout') {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stream === 'stdout' ? out : err);
      else
        reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${err.trim() || out}`));
    });
  });
}

/**
 * The loopback API stand-in (`bench/server.mjs`) in a process of its own, so that its work does
 * not share an event loop with the client measured. `stop()` ends it.
 */
export function startServer() {
  const child = spawn(process.execPath, ['bench/server.mjs'], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.stdout.once('data', (chunk) => {
      const { port } = JSON.parse(String(chunk));
      resolve({ url: `http://127.0.0.1:${port}`, stop: () => child.stdin.end() });
    });
  });
}

/** The child's input: the JSON its parent passed as the first argument. */
export function childInput() {
  return JSON.parse(process.argv[2] ?? '{}');
}

/** Prints the child's result for its parent. */
export function report(result) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
