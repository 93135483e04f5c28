// `.withResponse()`: the result together with the Response and the request id, the same
// Response, readable, whichever way the answer came (a given fetch, the runtime's fetch, or
// node:http, the default on Node).

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OnceOnly } from '../../src/index.js';
import { API_KEY, clientWith, EVENT, fakeFetch, json } from '../support/fake-fetch.js';

// What Node's build does: a client given no fetch sends over node:http.
vi.mock('../../src/internal/platform-send.js', () => import('../../src/node/platform-send.js'));

describe('.withResponse()', () => {
  it('gives data, the Response and the request id of a GET', async () => {
    const body = { id: 'acct_1', email: 'ops@example.com' };
    const headers = { 'X-Request-Id': 'srv-req-1', 'X-RateLimit-Remaining': '41' };
    const fetch = fakeFetch(json(200, body, headers));
    const { data, response, request_id } = await clientWith(fetch).me().withResponse();

    expect(data).toEqual(body);
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    expect(response.headers.get('X-RateLimit-Remaining')).toBe('41');
    expect(request_id).toBe('srv-req-1');
  });

  it('gives data, the Response (201) and the id sent for a POST answered without one', async () => {
    const body = { ok: true, event_id: 'evt_1' };
    const fetch = fakeFetch(json(201, body, { Location: '/v1/runs/run_1' }));
    const { data, response, request_id } = await clientWith(fetch).postEvent(EVENT).withResponse();

    expect(data).toEqual(body);
    expect(response.status).toBe(201);
    expect(response.headers.get('Location')).toBe('/v1/runs/run_1');
    expect(request_id).toBe(fetch.calls[0]?.headers.get('X-Request-Id'));
    expect(request_id).toBeTruthy();
  });

  it('gives the same data when awaited directly, with one request', async () => {
    const fetch = fakeFetch(json(200, { id: 'acct_1' }));
    const promise = clientWith(fetch).me();

    expect(await promise).toEqual({ id: 'acct_1' });
    expect((await promise.withResponse()).data).toEqual({ id: 'acct_1' });
    expect(fetch.calls).toHaveLength(1);
  });
});

describe('.withResponse() is the same Response on every sender', () => {
  const ANSWER = { status: 'locked', key: 'order:1', ttl: 60, first_seen_at: null };
  let server: Server;
  let baseUrl: string;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      // No Content-Type: the Response must not gain one the answer did not have.
      response.writeHead(201, 'Created Here', { 'X-Request-Id': 'srv-9', 'X-Trace': 'abc' });
      response.end(JSON.stringify(ANSWER));
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    server.close();
    await once(server, 'close');
  });

  const senders: [string, () => { fetch?: typeof globalThis.fetch }][] = [
    ['node:http (no fetch given, on Node)', () => ({})],
    ['the runtime’s fetch', () => ({ fetch: globalThis.fetch })],
    ['a fetch given by the caller', () => ({ fetch: (url, init) => globalThis.fetch(url, init) })],
  ];

  it.each(senders)('%s: status, status text, headers and an unread body', async (_, options) => {
    const client = new OnceOnly({ apiKey: API_KEY, baseUrl, ...options() });
    const promise = client.checkLock({ key: 'order:1' });
    const { data, response } = await promise.withResponse();

    expect(data).toMatchObject({ locked: true, key: 'order:1' });
    expect(response?.status).toBe(201);
    expect(response?.statusText).toBe('Created Here');
    expect(response?.headers.get('X-Trace')).toBe('abc');
    expect(response?.headers.get('Content-Type')).toBeNull();
    expect(response?.bodyUsed).toBe(false);
    expect(await response?.json()).toEqual(ANSWER);

    // Asked again: a new Response, as readable as the first.
    const again = (await promise.withResponse()).response;
    expect(await again?.text()).toBe(JSON.stringify(ANSWER));
  });
});
