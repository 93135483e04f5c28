import { describe, expect, it } from 'vitest';
import { AuthenticationError, InvalidInputError, OnceOnly } from '../../../src/index.js';
import { createLocalServer } from '../../../src/testing/index.js';
import { API_KEY, BASE_URL, harness } from './support.js';

describe('local server: authentication and request ids', () => {
  it('answers 401 without a bearer token, and 403 "Invalid API key" for an unknown key', async () => {
    const { raw } = harness();

    const missing = await raw('GET', '/v1/me', { key: null });
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ detail: 'Missing Authorization Bearer token' });

    const basic = await raw('GET', '/v1/me', { key: null, headers: { Authorization: 'Basic x' } });
    expect(basic.status).toBe(401);

    const unknown = await raw('GET', '/v1/me', { key: 'once_live_not_a_key_of_this_server' });
    expect(unknown.status).toBe(403);
    expect(unknown.body).toEqual({ detail: 'Invalid API key' });
  });

  it('accepts every key of apiKeys, and the client maps a wrong key to AuthenticationError', async () => {
    const local = createLocalServer({ apiKeys: ['once_live_a', 'once_live_b'] });
    const headers = (key: string) => ({ Authorization: `Bearer ${key}` });

    for (const key of ['once_live_a', 'once_live_b']) {
      const response = await local.fetch(`${BASE_URL}/v1/me`, { headers: headers(key) });
      expect(response.status).toBe(200);
    }
    const { client } = harness({ apiKeys: ['once_live_other'] });
    await expect(client.me()).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('never repeats the key it refused', async () => {
    const { raw } = harness();
    const key = 'once_live_secret_key_that_must_not_leak';
    const answer = await raw('GET', '/v1/me', { key });
    expect(JSON.stringify(answer.body)).not.toContain(key);
    expect([...answer.headers.values()].join(' ')).not.toContain(key);
  });

  it("echoes the client's X-Request-Id, and makes one when none is sent", async () => {
    const { raw } = harness();

    const echoed = await raw('GET', '/v1/me', { headers: { 'X-Request-Id': 'req-from-client-1' } });
    expect(echoed.headers.get('X-Request-Id')).toBe('req-from-client-1');

    const refused = await raw('GET', '/v1/me', {
      key: null,
      headers: { 'X-Request-Id': 'req-2' },
    });
    expect(refused.headers.get('X-Request-Id')).toBe('req-2');

    const first = await raw('GET', '/v1/me');
    const second = await raw('GET', '/v1/me');
    expect(first.headers.get('X-Request-Id')).toMatch(/^req_[0-9a-f]{16}$/);
    expect(second.headers.get('X-Request-Id')).not.toBe(first.headers.get('X-Request-Id'));
  });

  it('refuses a malformed X-Request-Id with 422', async () => {
    const { raw } = harness();
    const answer = await raw('GET', '/v1/me', { headers: { 'X-Request-Id': 'x'.repeat(129) } });
    expect(answer.status).toBe(422);
    expect(answer.body.detail[0].loc).toEqual(['header', 'x-request-id']);
  });

  it('authenticates before it checks X-Request-Id: 401 or 403 for a bad id too', async () => {
    const { raw } = harness();
    const headers = { 'X-Request-Id': 'not valid: has spaces' };

    const missing = await raw('GET', '/v1/me', { key: null, headers });
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ detail: 'Missing Authorization Bearer token' });
    expect(missing.headers.get('X-Request-Id')).toMatch(/^req_[0-9a-f]{16}$/);

    const unknown = await raw('GET', '/v1/me', { key: 'once_live_unknown', headers });
    expect(unknown.status).toBe(403);

    const known = await raw('GET', '/v1/me', { headers });
    expect(known.status).toBe(422);
  });

  it('answers a path it does not serve with 404 "Not Found"', async () => {
    const { raw } = harness();
    const answer = await raw('GET', '/v1/nothing-here');
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ detail: 'Not Found' });
  });

  it('plugs into the client as its fetch, as it is', async () => {
    const local = createLocalServer({ plan: 'starter' });
    const client = new OnceOnly({ apiKey: API_KEY, baseUrl: BASE_URL, fetch: local.fetch });
    expect((await client.me()).plan).toBe('starter');
  });

  it('takes a Request, a string or a URL, as fetch does', async () => {
    const local = createLocalServer();
    const init = { headers: { Authorization: `Bearer ${API_KEY}` } };
    const answers = await Promise.all([
      local.fetch(new Request(`${BASE_URL}/v1/me`, init)),
      local.fetch(`${BASE_URL}/v1/me`, init),
      local.fetch(new URL(`${BASE_URL}/v1/me`), init),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
  });

  it('answers 500 to a request a route failed on, and reports the error', async () => {
    const errors: unknown[] = [];
    const local = createLocalServer({
      now: () => {
        throw new Error('the clock broke');
      },
      onError: (error) => errors.push(error),
    });
    const response = await local.fetch(`${BASE_URL}/v1/check-lock`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ key: 'k' }),
    });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ detail: 'Internal Server Error' });
    expect(response.headers.get('X-Request-Id')).toMatch(/^req_/);
    expect(errors).toEqual([new Error('the clock broke')]);
  });

  it('refuses invalid options with InvalidInputError, without echoing keys', () => {
    expect(() => createLocalServer({ plan: 'gold' as 'pro' })).toThrow(InvalidInputError);
    expect(() => createLocalServer({ duplicateStatusCode: 201 as 200 })).toThrow(InvalidInputError);
    expect(() => createLocalServer({ workerDelayMs: -1 })).toThrow(InvalidInputError);
    expect(() => createLocalServer({ apiKeys: [] })).toThrow(InvalidInputError);
    const badKey = 'once_live secret with spaces';
    expect(() => createLocalServer({ apiKeys: [badKey] })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(badKey) }),
    );
  });
});
