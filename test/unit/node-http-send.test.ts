// The Node transport (`httpSend`, the default under the `node` condition) against a real
// loopback server: what it sends, what it reads, the timeout over the whole body, aborts,
// broken connections, keep-alive, decoding, and that nothing of a call is left behind.

import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Outgoing } from '../../src/internal/send.js';
import { Deadlines } from '../../src/node/deadlines.js';
import { httpSend } from '../../src/node/http-send.js';
import { platformSend } from '../../src/node/platform-send.js';

interface Seen {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
  remotePort: number | undefined;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

let server: Server;
let base: string;
let handler: Handler;
const seen: Seen[] = [];
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      const { method, url, headers } = request;
      seen.push({ method, url, headers, body, remotePort: request.socket.remotePort });
      handler(request, response);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  seen.length = 0;
  vi.unstubAllGlobals();
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  server.close();
  await once(server, 'close');
});

function post(path: string, body: string | null = '{"key":"k"}'): Outgoing {
  return {
    method: body === null ? 'GET' : 'POST',
    url: `${base}${path}`,
    headers: {
      accept: 'application/json',
      authorization: 'Bearer once_live_node_send',
      ...(body !== null && { 'content-type': 'application/json' }),
    },
    body,
  };
}

const LIMITS = { timeoutMs: 5_000, signal: undefined };

function answer(status: number, body: string, headers: Record<string, string | string[]> = {}) {
  handler = (_request, response) => {
    response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    response.end(body);
  };
}

/** The timers and sockets this process holds, to compare before and after a call. */
function activeResources(): string[] {
  return process.getActiveResourcesInfo().filter((name) => name === 'Timeout');
}

describe('a request and its answer', () => {
  it('sends the method, path, headers and body as given', async () => {
    answer(200, '{"ok":true}');
    await httpSend(post('/v1/check-lock?x=1'), LIMITS);

    expect(seen).toHaveLength(1);
    const [request] = seen as [Seen];
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/check-lock?x=1');
    expect(request.body).toBe('{"key":"k"}');
    expect(request.headers).toMatchObject({
      accept: 'application/json',
      authorization: 'Bearer once_live_node_send',
      'content-type': 'application/json',
      'content-length': '11',
      'accept-encoding': 'gzip, deflate, br',
    });
  });

  it('sends no body and no Content-Length on a GET', async () => {
    answer(200, '{}');
    await httpSend(post('/v1/me', null), LIMITS);

    const [request] = seen as [Seen];
    expect(request.method).toBe('GET');
    expect(request.body).toBe('');
    expect(request.headers['content-length']).toBeUndefined();
    expect(request.headers['content-type']).toBeUndefined();
  });

  it('reads the status, the headers and the whole body, multi-byte characters included', async () => {
    const text = JSON.stringify({ note: 'ünïcødé ✓', pad: 'x'.repeat(100_000) });
    answer(201, text, { 'X-Request-Id': 'req_1', 'X-Multi': ['a', 'b'] });
    const incoming = await httpSend(post('/v1/events'), LIMITS);

    expect(incoming.status).toBe(201);
    expect(incoming.text).toBe(text);
    expect(incoming.header('X-Request-Id')).toBe('req_1');
    expect(incoming.header('x-request-id')).toBe('req_1');
    expect(incoming.header('X-Multi')).toBe('a, b');
    expect(incoming.header('X-Absent')).toBeNull();
  });

  it('gives the answer as a Web Response with the same status, headers and body', async () => {
    answer(409, '{"detail":"taken"}', { 'X-Request-Id': 'req_2' });
    const incoming = await httpSend(post('/v1/check-lock'), LIMITS);
    const response = incoming.response();

    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(409);
    expect(response.statusText).toBe('Conflict');
    expect(response.headers.get('x-request-id')).toBe('req_2');
    expect(await response.json()).toEqual({ detail: 'taken' });
    // Each call makes a new Response, its body unread.
    expect(await incoming.response().json()).toEqual({ detail: 'taken' });
  });

  it('gives a Response without a body for a 204', async () => {
    handler = (_request, response) => {
      response.writeHead(204);
      response.end();
    };
    const incoming = await httpSend(post('/v1/tools/t'), LIMITS);
    expect(incoming.status).toBe(204);
    expect(incoming.text).toBe('');
    expect(incoming.response().body).toBeNull();
  });

  it('decodes a gzip body and drops a byte order mark', async () => {
    const body = gzipSync(Buffer.from('\uFEFF{"status":"locked"}'));
    handler = (_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
      response.end(body);
    };
    const incoming = await httpSend(post('/v1/check-lock'), LIMITS);
    expect(JSON.parse(incoming.text)).toEqual({ status: 'locked' });
  });

  it('reuses one keep-alive connection for requests made one after another', async () => {
    answer(200, '{}');
    await httpSend(post('/v1/me', null), LIMITS);
    await httpSend(post('/v1/me', null), LIMITS);
    await httpSend(post('/v1/me', null), LIMITS);

    const ports = new Set(seen.map((request) => request.remotePort));
    expect(seen).toHaveLength(3);
    expect(ports.size).toBe(1);
  });

  it('closes an idle connection a second before the server’s Keep-Alive timeout', async () => {
    // The test server itself would keep it open for 5 s (Node's default keepAliveTimeout).
    answer(200, '{}', { 'Keep-Alive': 'timeout=2' });
    await httpSend(post('/v1/me', null), LIMITS);
    const socket = [...sockets].find((s) => s.remotePort === seen[0]?.remotePort);
    if (socket === undefined) throw new Error('no server socket for the request');

    // The client ends the connection: the server sees the end of its stream.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const serverLimit = new Promise((resolve) => {
      timer = setTimeout(resolve, 2_500, 'still open after 2.5 s');
    });
    const ended = once(socket, 'end').then(() => 'ended by the client');
    expect(await Promise.race([ended, serverLimit])).toBe('ended by the client');
    clearTimeout(timer);
  });

  it('keeps a connection that is reused open past the idle limit it had', async () => {
    let count = 0;
    handler = (_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Keep-Alive': 'timeout=2' });
      // The second answer takes longer than the idle limit (1 s) the first one set.
      if (++count === 2) setTimeout(() => response.end('{}'), 1_500);
      else response.end('{}');
    };
    await httpSend(post('/v1/me', null), LIMITS);
    await httpSend(post('/v1/me', null), LIMITS);
    await httpSend(post('/v1/me', null), LIMITS);

    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((request) => request.remotePort)).size).toBe(1);
  });

  it('follows no redirect: a 3xx is the answer', async () => {
    answer(302, '', { Location: '/elsewhere' });
    const incoming = await httpSend(post('/v1/me', null), LIMITS);
    expect(incoming.status).toBe(302);
    expect(seen).toHaveLength(1);
  });
});

describe('failures, timeouts and aborts', () => {
  it('times out when the body stalls after the headers, and closes that connection', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.write('{"status":');
    };
    const before = sockets.size;
    const failure = await httpSend(post('/v1/check-lock'), { timeoutMs: 200, signal: undefined })
      .then(() => undefined)
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(DOMException);
    expect(failure).toMatchObject({
      name: 'TimeoutError',
      message: expect.stringContaining('200 ms'),
    });
    await vi.waitFor(() => expect(sockets.size).toBeLessThan(before + 1));
  });

  it('times out when no answer comes at all', async () => {
    handler = () => {};
    const failure = await httpSend(post('/v1/check-lock'), { timeoutMs: 100, signal: undefined })
      .then(() => undefined)
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'TimeoutError' });
  });

  it('sends nothing when the signal has already aborted', async () => {
    answer(200, '{}');
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    const failure = await httpSend(post('/v1/check-lock'), {
      timeoutMs: 5_000,
      signal: controller.signal,
    })
      .then(() => undefined)
      .catch((error: unknown) => error);

    expect(failure).toEqual(new Error('stop'));
    expect(seen).toHaveLength(0);
  });

  it('rejects with the signal’s reason when it aborts while the body is read', async () => {
    handler = (_request, response) => {
      response.writeHead(200);
      response.write('{');
    };
    const controller = new AbortController();
    const pending = httpSend(post('/v1/check-lock'), {
      timeoutMs: 5_000,
      signal: controller.signal,
    });
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    controller.abort('user');

    const failure = await pending.then(() => undefined).catch((error: unknown) => error);
    expect(failure).toBe('user');
  });

  it('rejects with the system error when nothing listens on the port', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as AddressInfo;
    closed.close();
    await once(closed, 'close');

    const outgoing = { ...post('/v1/me', null), url: `http://127.0.0.1:${port}/v1/me` };
    const failure = await httpSend(outgoing, LIMITS)
      .then(() => undefined)
      .catch((error: unknown) => error);
    expect((failure as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('rejects when the connection closes before the body ends', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'Content-Length': '100' });
      response.write('{"partial":');
      setTimeout(() => response.socket?.destroy(), 10);
    };
    const failure = await httpSend(post('/v1/check-lock'), LIMITS)
      .then(() => undefined)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toMatchObject({ name: 'TimeoutError' });
  });

  it('leaves no deadline, timer or abort listener behind, after an answer or a failure', async () => {
    const controller = new AbortController();
    const listeners = vi.spyOn(controller.signal, 'removeEventListener');
    const added = vi.spyOn(Deadlines.prototype, 'add');
    const removed = vi.spyOn(Deadlines.prototype, 'remove');
    const timersBefore = activeResources().length;

    answer(200, '{}');
    await httpSend(post('/v1/me', null), { timeoutMs: 60_000, signal: controller.signal });
    handler = (_request, response) => response.socket?.destroy();
    await httpSend(post('/v1/me', null), { timeoutMs: 60_000, signal: controller.signal }).catch(
      () => undefined,
    );

    expect(listeners).toHaveBeenCalledTimes(2);
    expect(activeResources().length).toBeLessThanOrEqual(timersBefore);
    // Each request's time limit (60 s) is taken off its list once the request is over.
    const requestDeadlines = added.mock.calls
      .map((call, index) => ({ ms: call[0], deadline: added.mock.results[index]?.value }))
      .filter(({ ms }) => ms === 60_000);
    expect(requestDeadlines).toHaveLength(2);
    for (const { deadline } of requestDeadlines) {
      expect(removed.mock.calls.some(([given]) => given === deadline)).toBe(true);
    }
    added.mockRestore();
    removed.mockRestore();
  });
});

describe('the default on Node', () => {
  it('is httpSend while the global fetch is Node’s own', () => {
    expect(platformSend()).toBe(httpSend);
  });

  it('is the global fetch once that has replaced Node’s own (a mock, an instrumented fetch)', () => {
    vi.stubGlobal('fetch', vi.fn());
    expect(platformSend()).toBeUndefined();
  });
});
