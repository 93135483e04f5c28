// The loopback API stand-in: a keep-alive node:http server answering every POST /v1/check-lock
// with a fixed `locked` body and the caller's X-Request-Id. It runs in its own process, so its
// work does not share an event loop with the client being measured. Prints its port, then
// serves until its parent closes stdin.
import { createServer } from 'node:http';

const BODY = JSON.stringify({
  success: true,
  status: 'locked',
  key: 'k',
  ttl: 60,
  first_seen_at: null,
});
const LENGTH = String(Buffer.byteLength(BODY));

const server = createServer({ keepAlive: true, keepAliveTimeout: 60_000 }, (req, res) => {
  // Read the whole body, as a real server would, before answering.
  req.resume();
  req.on('end', () => {
    const requestId = req.headers['x-request-id'];
    const headers = { 'Content-Type': 'application/json', 'Content-Length': LENGTH };
    if (typeof requestId === 'string') headers['X-Request-Id'] = requestId;
    res.writeHead(req.url === '/v1/check-lock' && req.method === 'POST' ? 200 : 404, headers);
    res.end(BODY);
  });
});
server.keepAliveTimeout = 60_000;
server.headersTimeout = 61_000;
server.maxRequestsPerSocket = 0;

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
