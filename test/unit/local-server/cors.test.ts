import { describe, expect, it } from 'vitest';
import { parseCommandLine, serveLocal } from '../../../scripts/onceonly-local.js';
import { InvalidInputError } from '../../../src/errors.js';
import { createLocalServer } from '../../../src/testing/index.js';

const PAGE = 'http://localhost:5173';
const AUTH = { Authorization: 'Bearer once_live_local' };

/** A browser's preflight for a JSON POST with the SDK's headers. */
function preflight(url: string, origin = PAGE): Request {
  return new Request(url, {
    method: 'OPTIONS',
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'authorization,content-type,x-request-id',
    },
  });
}

function checkLock(url: string, headers: Record<string, string>): Request {
  return new Request(url, {
    method: 'POST',
    headers: { Origin: PAGE, 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ key: 'cors:1' }),
  });
}

describe('local server CORS', () => {
  it('is off by default: no CORS headers, and a preflight is not answered', async () => {
    const local = createLocalServer();
    const response = await local.fetch(checkLock('http://local/v1/check-lock', AUTH));
    expect(response.status).toBe(200);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBeNull();

    const answer = await local.fetch(preflight('http://local/v1/check-lock'));
    expect(answer.headers.get('Access-Control-Allow-Origin')).toBeNull();
    expect(answer.status).toBe(401);
  });

  it('answers a preflight without a key, allowing the headers the SDK sends', async () => {
    const local = createLocalServer({ cors: true });
    const response = await local.fetch(preflight('http://local/v1/check-lock'));
    expect(response.status).toBe(204);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('*');
    expect(response.headers.get('Access-Control-Allow-Methods')).toContain('POST');
    const allowed = response.headers.get('Access-Control-Allow-Headers')?.toLowerCase() ?? '';
    expect(allowed.split(',')).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'x-request-id', 'prefer']),
    );
  });

  it('exposes X-Request-Id and the X-OnceOnly headers on answers, errors included', async () => {
    const local = createLocalServer({ cors: true });
    const ok = await local.fetch(checkLock('http://local/v1/check-lock', AUTH));
    expect(ok.headers.get('Access-Control-Allow-Origin')).toBe('*');
    const exposed = ok.headers.get('Access-Control-Expose-Headers')?.toLowerCase().split(',');
    expect(exposed).toEqual(
      expect.arrayContaining(['x-request-id', 'x-onceonly-status', 'x-onceonly-plan']),
    );
    expect(ok.headers.get('X-OnceOnly-Status')).toBe('locked');

    const refused = await local.fetch(checkLock('http://local/v1/check-lock', {}));
    expect(refused.status).toBe(401);
    expect(refused.headers.get('Access-Control-Allow-Origin')).toBe('*');
  });

  it('allows only the origins listed', async () => {
    const local = createLocalServer({ cors: [PAGE] });
    const listed = await local.fetch(preflight('http://local/v1/check-lock'));
    expect(listed.headers.get('Access-Control-Allow-Origin')).toBe(PAGE);
    const other = await local.fetch(preflight('http://local/v1/check-lock', 'https://evil.test'));
    expect(other.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('refuses a cors option that is not true, false or a list of origins', () => {
    for (const cors of [[], ['localhost:5173'], ['http://localhost:5173/app'], 'yes']) {
      expect(() => createLocalServer({ cors } as never)).toThrow(InvalidInputError);
    }
  });

  it('is turned on by --cors or --cors-origin, and served over HTTP', async () => {
    expect(parseCommandLine(['--cors'])).toMatchObject({ cors: true });
    expect(
      parseCommandLine(['--cors-origin', PAGE, '--cors-origin', 'http://127.0.0.1:3000']),
    ).toMatchObject({ cors: [PAGE, 'http://127.0.0.1:3000'] });
    expect(parseCommandLine([])).not.toHaveProperty('cors');

    const server = await serveLocal({ port: 0, cors: [PAGE] });
    try {
      const response = await fetch(preflight(`${server.url}/v1/check-lock`));
      expect(response.status).toBe(204);
      expect(response.headers.get('Access-Control-Allow-Origin')).toBe(PAGE);
    } finally {
      await server.close();
    }
  });
});
