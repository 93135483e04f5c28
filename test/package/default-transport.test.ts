// The default transport of the installed package, the one its `imports` map picks for Node:
// clients of the ESM and the CommonJS builds, given no `fetch`, reach `onceonly-local` over
// loopback (default-transport.mjs). The command is started by its file, as `node` runs it, so
// this test depends on the server it provides and not on the .bin link bin.test.ts covers.

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCommand, startLocalCommand } from './local-command.js';
import { printedJson, projectDir, runInProject } from './support.js';

describe('the default transport', () => {
  let server: RunningCommand;
  beforeAll(async () => {
    const file = path.join(projectDir(), 'node_modules/onceonly-sdk/dist/bin/onceonly-local.js');
    server = await startLocalCommand(process.execPath, [file, '--port', '0']);
  });
  afterAll(() => server?.stop());

  it('sends check-locks from both builds to a server over HTTP', async () => {
    const finished = await runInProject(process.execPath, ['default-transport.mjs', server.url]);
    const key = 'package:default-transport';
    expect(printedJson(finished)).toEqual({
      first: expect.objectContaining({ locked: true, status: 'locked', key, first_seen_at: null }),
      second: expect.objectContaining({
        duplicate: true,
        status: 'duplicate',
        key,
        first_seen_at: expect.any(String),
      }),
    });
  });
});
