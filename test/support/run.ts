// Running a command to its end and collecting what it printed, for suites that spawn processes
// (runtimes, the packed package). It imports nothing of the SDK, so a suite that tests a build
// does not load the source.

import { spawn } from 'node:child_process';
import { once } from 'node:events';

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; past `timeoutMs` it is killed, so a hung process fails fast. */
export async function run(
  command: string,
  args: string[],
  options: { cwd: string; timeoutMs: number },
): Promise<Finished> {
  const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  try {
    const [code] = await once(child, 'close');
    return { code: code as number | null, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** A finished command's exit code and output, for an error or an assertion's message. */
export function describeRun(finished: Finished): string {
  return [
    `exit code ${finished.code}`,
    `--- stdout ---\n${finished.stdout.trimEnd()}`,
    `--- stderr ---\n${finished.stderr.trimEnd()}`,
  ].join('\n');
}
