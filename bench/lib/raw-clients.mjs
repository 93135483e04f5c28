// The check-lock request made without the SDK, the baselines the SDK is measured against: the
// same headers and body the SDK sends, and the same answer read and parsed.
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';

const BODY = JSON.stringify({ key: 'bench:k', ttl: 60 });

function headers(apiKey) {
  return {
    Accept: 'application/json',
    'Content-Type': 'application/json',
    Authorization: `Bearer ${apiKey}`,
    'X-Request-Id': randomUUID(),
  };
}

/** A check-lock with the global `fetch` (undici on Node). */
export function rawFetch(url, apiKey) {
  const target = `${url}/v1/check-lock`;
  return async () => {
    const response = await fetch(target, { method: 'POST', headers: headers(apiKey), body: BODY });
    const data = JSON.parse(await response.text());
    if (data.status !== 'locked') throw new Error(`unexpected answer ${response.status}`);
    return data;
  };
}

/** A check-lock with a plain `node:http` request on a keep-alive agent: the machine's limit. */
export function rawHttp(url, apiKey) {
  const { hostname, port } = new URL(url);
  const agent = new Agent({ keepAlive: true });
  const options = { agent, hostname, port, path: '/v1/check-lock', method: 'POST' };
  return () =>
    new Promise((resolve, reject) => {
      const req = request({ ...options, headers: headers(apiKey) }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => {
          const data = JSON.parse(text);
          if (data.status === 'locked') resolve(data);
          else reject(new Error(`unexpected answer ${res.statusCode}`));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(BODY);
    });
}
