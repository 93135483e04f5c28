// The `onceonly-local` command of the installed package, run as a user runs it: through the
// link npm puts in node_modules/.bin. It prints its usage for --help, and on --port 0 it
// serves the local server on a free port, prints the base URL and the key, and stops on SIGTERM.

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finished } from '../support/run.js';
import { startLocalCommand } from './local-command.js';
import {
  DEFAULT_API_KEY,
  describeRun,
  expectSuccess,
  projectDir,
  runInProject,
} from './support.js';

const bin = () => path.join(projectDir(), 'node_modules/.bin/onceonly-local');

describe('onceonly-local', () => {
  it('prints its usage for --help and exits with 0', async () => {
    const finished = await runInProject(bin(), ['--help']);
    expectSuccess(finished);
    expect(finished.stdout, describeRun(finished)).toMatch(/^Usage: /);
    for (const text of ['--port <n>', '--plan <plan>', '--api-key <key>', DEFAULT_API_KEY]) {
      expect(finished.stdout, describeRun(finished)).toContain(text);
    }
  });

  it('serves on a free port with --port 0, answers there, and stops on SIGTERM', async () => {
    const command = await startLocalCommand(bin(), ['--port', '0']);
    let answer: { status: number; body: unknown };
    let stopped: Finished;
    try {
      const response = await fetch(`${command.url}/v1/check-lock`, {
        method: 'POST',
        headers: { authorization: `Bearer ${DEFAULT_API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ key: 'package:bin' }),
      });
      answer = { status: response.status, body: await response.json() };
    } finally {
      stopped = await command.stop();
    }

    expect(command.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(answer).toEqual({
      status: 200,
      body: expect.objectContaining({ success: true, status: 'locked', key: 'package:bin' }),
    });
    expectSuccess(stopped);
    expect(stopped.stdout, describeRun(stopped)).toContain(`ONCEONLY_API_KEY=${DEFAULT_API_KEY}`);
    expect(stopped.stdout, describeRun(stopped)).toContain('Stopped (SIGTERM).');
  });
});
