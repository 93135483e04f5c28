import type { Agent, ClientRequest, IncomingHttpHeaders, RequestOptions } from 'node:http';
import type { Socket } from 'node:net';
// Types only: this module is built on its own, and must not hold a second copy of the SDK.
import type { Incoming, Limits, Outgoing } from '../internal/send.js';
import { type Deadline, type Deadlines, deadlinesOf } from './deadlines.js';

/**
 * Connections are kept open between requests and reused, newest first. An idle connection is
 * closed after `IDLE_TIMEOUT_MS`, or a second before the server's `Keep-Alive: timeout` hint,
 * so that a request is rarely sent on a connection the server is closing.
 */
const IDLE_TIMEOUT_MS = 4_000;
const AGENT_OPTIONS = { keepAlive: true, scheduling: 'lifo' } as const;

/** How long each connection may stay idle, when its server asked for less than the default. */
const idleLimits = new WeakMap<Socket, number>();
/** The deadline of each idle connection, and the list it is in. */
const idleDeadlines = new WeakMap<Socket, { deadlines: Deadlines; deadline: Deadline }>();

interface Client {
  request: (options: RequestOptions) => ClientRequest;
  agent: Agent;
}

type Protocol = 'http:' | 'https:';

/** What `node:http` needs of a URL's origin, parsed once per origin. */
interface Origin {
  protocol: Protocol;
  hostname: string;
  port: string;
}

const origins = new Map<string, Origin>();

// Each protocol's module is loaded by its first request, so that importing the SDK costs its
// own code only (`node:https` alone takes milliseconds to load, and a client needs one of them).
const clients: Partial<Record<Protocol, Client>> = {};
const loading: Partial<Record<Protocol, Promise<Client>>> = {};

/**
 * A `Send` over `node:http` and `node:https`, on keep-alive connections: the SDK's default on
 * Node, where it costs a fraction of the global `fetch` per request. It follows no redirect
 * (the API gives none) and decodes a gzip, deflate or br body, as `fetch` does. Connection
 * failures reject with Node's own error (`ECONNREFUSED`, ...).
 */
export function httpSend(request: Outgoing, limits: Limits): Promise<Incoming> {
  const { origin, path } = target(request.url);
  const client = clients[origin.protocol];
  if (client) return exchange(client, origin, path, request, limits);
  return load(origin.protocol).then((loaded) => exchange(loaded, origin, path, request, limits));
}

/** The URL's origin and path; URLs are parsed once per origin, not at every request. */
function target(url: string): { origin: Origin; path: string } {
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  const originText = slash === -1 ? url : url.slice(0, slash);
  let origin = origins.get(originText);
  if (origin === undefined) {
    const parsed = new URL(originText);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new TypeError(`only http and https URLs can be sent (got ${parsed.protocol})`);
    }
    // An IPv6 address is written in brackets in a URL, and without them for a connection.
    const hostname = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
    origin = { protocol: parsed.protocol, hostname, port: parsed.port };
    origins.set(originText, origin);
  }
  return { origin, path: slash === -1 ? '/' : url.slice(slash) };
}

function load(protocol: Protocol): Promise<Client> {
  loading[protocol] ??= (protocol === 'https:' ? import('node:https') : import('node:http')).then(
    (module) => {
      const client = { request: module.request, agent: poolAgent(module.Agent) };
      clients[protocol] = client;
      return client;
    },
  );
  return loading[protocol];
}

/** What Node's agent does with a connection between requests (typed as Node documents it). */
interface PoolHooks {
  keepSocketAlive(socket: Socket): boolean;
  reuseSocket(socket: Socket, request: ClientRequest): void;
}

/**
 * A keep-alive agent whose idle connections are closed on a timer they share. Node's own idle
 * timeout (the agent's `timeout` option) is a socket timer, refreshed at every read and write.
 */
function poolAgent(AgentClass: typeof Agent): Agent {
  const Base = AgentClass as unknown as new (options: typeof AGENT_OPTIONS) => PoolHooks;
  const PoolAgent = class extends Base {
    override keepSocketAlive(socket: Socket): boolean {
      if (!super.keepSocketAlive(socket)) return false;
      const ms = idleLimits.get(socket) ?? IDLE_TIMEOUT_MS;
      const deadlines = deadlinesOf(ms);
      const deadline = deadlines.add(ms, () => socket.destroy());
      idleDeadlines.set(socket, { deadlines, deadline });
      return true;
    }

    override reuseSocket(socket: Socket, request: ClientRequest): void {
      const idle = idleDeadlines.get(socket);
      if (idle) idle.deadlines.remove(idle.deadline);
      super.reuseSocket(socket, request);
    }
  };
  return new PoolAgent(AGENT_OPTIONS) as unknown as Agent;
}

/**
 * The idle time a server's `Keep-Alive: timeout=<s>` allows, less a second of margin. (Node's
 * agent itself refuses to keep a connection whose server allows a second or less.)
 */
function idleLimitOf(keepAlive: string | string[] | undefined): number | undefined {
  const seconds = keepAlive === undefined ? undefined : /\btimeout=(\d+)/.exec(`${keepAlive}`)?.[1];
  return seconds === undefined
    ? undefined
    : Math.min(IDLE_TIMEOUT_MS, Number(seconds) * 1000 - 1000);
}

function exchange(
  client: Client,
  { hostname, port }: Origin,
  path: string,
  outgoing: Outgoing,
  limits: Limits,
): Promise<Incoming> {
  const { timeoutMs, signal } = limits;
  if (signal?.aborted) return Promise.reject(signal.reason);

  return new Promise<Incoming>((resolve, reject) => {
    const request = client.request({
      hostname,
      port,
      path,
      method: outgoing.method,
      headers: { 'accept-encoding': 'gzip, deflate, br', ...outgoing.headers },
      agent: client.agent,
    });

    // Every way out goes through here once: the deadline and the abort listener are removed,
    // and a failed exchange destroys its connection rather than returning it to the pool.
    let settled = false;
    const settle = (error: unknown, incoming?: Incoming) => {
      if (settled) return;
      settled = true;
      deadlines.remove(deadline);
      signal?.removeEventListener('abort', onAbort);
      if (incoming) {
        resolve(incoming);
      } else {
        request.destroy();
        reject(error);
      }
    };
    const deadlines = deadlinesOf(timeoutMs);
    const deadline = deadlines.add(timeoutMs, () => {
      settle(new DOMException(`no complete answer within ${timeoutMs} ms`, 'TimeoutError'));
    });
    const onAbort = () => settle(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });

    request.on('error', settle);
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      if (status < 200 || status > 599) {
        settle(new Error(`the server answered with status ${status}`));
        return;
      }
      const idleLimit = idleLimitOf(response.headers['keep-alive']);
      if (idleLimit === undefined) idleLimits.delete(response.socket);
      else idleLimits.set(response.socket, idleLimit);
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', settle);
      response.on('close', () => {
        if (!response.complete) settle(new Error('the connection closed before the body ended'));
      });
      response.on('end', () => {
        const { headers, rawHeaders, statusMessage } = response;
        const answer = (text: string) =>
          settle(null, incoming(status, statusMessage ?? '', headers, rawHeaders, text));
        const coding = headers['content-encoding']?.trim().toLowerCase();
        // Most answers are not compressed: those are read at once, without a promise between.
        if (!coding || coding === 'identity') answer(utf8(concat(chunks)));
        else decompress(coding, concat(chunks)).then((bytes) => answer(utf8(bytes)), settle);
      });
    });
    request.end(outgoing.body ?? undefined);
  });
}

function incoming(
  status: number,
  statusText: string,
  headers: IncomingHttpHeaders,
  rawHeaders: string[],
  text: string,
): Incoming {
  return {
    status,
    text,
    header(name) {
      const value = headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
    response() {
      const pairs: [string, string][] = [];
      for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
        pairs.push([rawHeaders[i] as string, rawHeaders[i + 1] as string]);
      }
      // A Blob without a type makes `Response` add no `Content-Type` the answer did not have;
      // an empty body is none at all, which `Response` requires of a 204 or 304.
      return new Response(text ? new Blob([text]) : null, { status, statusText, headers: pairs });
    },
  };
}

/** The body in one buffer. */
function concat(chunks: Buffer[]): Buffer {
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

/** The body as text, without a byte order mark. */
function utf8(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

async function decompress(coding: string, bytes: Buffer): Promise<Buffer> {
  const zlib = await import('node:zlib');
  const inflate =
    coding === 'gzip' || coding === 'x-gzip'
      ? zlib.gunzip
      : coding === 'deflate'
        ? zlib.inflate
        : coding === 'br'
          ? zlib.brotliDecompress
          : undefined;
  if (inflate === undefined) throw new Error(`the body has an unknown content coding: ${coding}`);
  return new Promise((resolve, reject) => {
    inflate(bytes, (error, result) => (error ? reject(error) : resolve(result)));
  });
}
