// The fetch transport with the runtime's own fetch (here Node's), against a real loopback
// server: it relies on that fetch to stop reading a body when its signal aborts, so a body that
// stalls after the headers must still end the attempt at its timeout.

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Outgoing, sendWithFetch } from '../../src/internal/send.js';

let server: Server;
let url: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'Content-Type': 'application/json' });
    if (request.url === '/stall') response.write('{"status":');
    else response.end('{"status":"locked"}');
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  server.close();
  await once(server, 'close');
});

const get = (path: string): Outgoing => ({
  method: 'GET',
  url: `${url}${path}`,
  headers: {},
  body: null,
});

describe('sendWithFetch over the runtime’s fetch', () => {
  it('reads a whole answer', async () => {
    const incoming = await sendWithFetch(globalThis.fetch, get('/ok'), {
      timeoutMs: 5_000,
      signal: undefined,
    });
    expect(incoming.status).toBe(200);
    expect(JSON.parse(incoming.text)).toEqual({ status: 'locked' });
  });

  it('ends at the timeout when the body stalls after the headers', async () => {
    const failure = await sendWithFetch(globalThis.fetch, get('/stall'), {
      timeoutMs: 200,
      signal: undefined,
    }).catch((error: unknown) => error);
    expect(failure).toMatchObject({
      name: 'TimeoutError',
      message: expect.stringContaining('200'),
    });
  });

  it('ends with the signal’s reason when the caller aborts while the body stalls', async () => {
    const controller = new AbortController();
    const pending = sendWithFetch(globalThis.fetch, get('/stall'), {
      timeoutMs: 5_000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort('user'), 50);
    expect(await pending.catch((error: unknown) => error)).toBe('user');
  });
});
