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

/** Runs a command from the repository root to its end and resolves to what it printed. */
export function runCommand(command, args) {
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
      if (code === 0) resolve(out);
      else
        reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${err.trim() || out}`));
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
