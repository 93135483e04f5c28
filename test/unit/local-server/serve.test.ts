import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCommandLine, serveLocal } from '../../../scripts/onceonly-local.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('npm run local', () => {
  it('serves the local server over HTTP on a free port, and closes', async () => {
    const server = await serveLocal({ port: 0, plan: 'free' });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    try {
      const response = await fetch(`${server.url}/v1/check-lock`, {
        method: 'POST',
        headers: { Authorization: 'Bearer once_live_local', 'Content-Type': 'application/json' },
        body: JSON.stringify({ key: 'over-http' }),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'locked', ttl: 60 });
    } finally {
      await server.close();
    }
    await expect(fetch(`${server.url}/v1/me`)).rejects.toThrow();
  });

  it('reads its flags, and refuses bad ones', () => {
    expect(
      parseCommandLine([
        '--port',
        '0',
        '--plan',
        'agency',
        '--api-key',
        'once_live_a',
        '--api-key',
        'once_live_b',
        '--duplicate-status-code',
        '409',
      ]),
    ).toEqual({
      port: 0,
      host: '127.0.0.1',
      plan: 'agency',
      duplicateStatusCode: 409,
      workerDelayMs: 0,
      apiKeys: ['once_live_a', 'once_live_b'],
    });
    expect(parseCommandLine([])).toMatchObject({
      port: 8080,
      plan: 'pro',
      duplicateStatusCode: 200,
    });
    expect(parseCommandLine(['--port', '70000'])).toMatch(/--port/);
    expect(parseCommandLine(['--plan', 'gold'])).toMatch(/--plan/);
    expect(parseCommandLine(['--duplicate-status-code', '201'])).toMatch(/409/);
  });

  it('prints its URL and key, and stops cleanly on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'scripts/onceonly-local.ts', '--port', '0'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    try {
      while (!output.includes('Ctrl+C')) await once(child.stdout, 'data');
      expect(output).toContain('ONCEONLY_API_KEY=once_live_local');
      const url = /ONCEONLY_BASE_URL=(\S+)/.exec(output)?.[1] as string;
      const response = await fetch(`${url}/v1/me`, {
        headers: { Authorization: 'Bearer once_live_local' },
      });
      expect(await response.json()).toEqual(expect.objectContaining({ plan: 'pro' }));

      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      expect(output).toContain('Stopped (SIGTERM).');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 30_000);

  it('does not print a key given on the command line', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/onceonly-local.ts',
        '--port',
        '0',
        '--api-key',
        'once_live_mine_xyz',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    try {
      while (!output.includes('Ctrl+C')) await once(child.stdout, 'data');
      expect(output).not.toContain('once_live_mine_xyz');
      expect(output).toContain('…xyz');
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }, 30_000);
});
