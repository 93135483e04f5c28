// Starting the installed `onceonly-local` command on a free port and stopping it: the base URL
// it prints, and everything it printed once it has exited.

import { spawn } from 'node:child_process';
import type { Finished } from '../support/run.js';
import { describeRun, projectDir } from './support.js';

export interface RunningCommand {
  /** The base URL the command printed, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** Sends SIGTERM and resolves with the exit code and output once the command has exited. */
  stop(): Promise<Finished>;
}

/**
 * Starts `command` in the project and resolves once it prints `ONCEONLY_BASE_URL=<url>`. An
 * exit before that, or a minute without it, rejects with the output, and the process is gone.
 */
export async function startLocalCommand(command: string, args: string[]): Promise<RunningCommand> {
  const child = spawn(command, args, { cwd: projectDir(), stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output.stderr += chunk;
  });
  const closed = new Promise<Finished>((resolve) => {
    child.once('close', (code: number | null) => resolve({ code, ...output }));
  });
  const kill = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return closed;
  };

  let timer: NodeJS.Timeout | undefined;
  const url = await new Promise<string | Error>((resolve) => {
    timer = setTimeout(() => resolve(new Error('no base URL printed within a minute')), 60_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output.stdout += chunk;
      const printed = /^ {2}ONCEONLY_BASE_URL=(\S+)\r?\n/m.exec(output.stdout)?.[1];
      if (printed !== undefined) resolve(printed);
    });
    child.once('error', resolve);
    child.once('close', () => resolve(new Error('it exited without printing a base URL')));
  });
  clearTimeout(timer);
  if (url instanceof Error) {
    const finished = await kill('SIGKILL');
    throw new Error(`${command} ${args.join(' ')}: ${url.message}\n${describeRun(finished)}`);
  }

  return {
    url,
    stop: async () => {
      // A command that ignores SIGTERM is killed, and its exit code then says so.
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      try {
        return await kill('SIGTERM');
      } finally {
        clearTimeout(killer);
      }
    },
  };
}
