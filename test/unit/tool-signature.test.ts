import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  InvalidInputError,
  type SignatureFailure,
  SignatureVerificationError,
  signToolCall,
  verifyToolSignature,
} from '../../src/index.js';

const SECRET = 'tool-s3cret-VALUE-0xDEADBEEF';
const BODY = '{"tool":"send_email","args":{"to":"a@example.com","subject":"Héllo ☃"}}';
const NOW = Date.UTC(2026, 2, 31, 10, 30, 0); // ms
const NOW_SEC = NOW / 1000;

const hmacHex = (secret: string, body: string | Uint8Array) =>
  createHmac('sha256', secret).update(body).digest('hex');

/** The headers of a call signed at `timestampSec` over `body` with `secret`. */
function headersFor(body: string, secret = SECRET, timestampSec = NOW_SEC) {
  return {
    'X-OnceOnly-Signature': hmacHex(secret, body),
    'X-OnceOnly-Timestamp': String(timestampSec),
    'X-OnceOnly-Signature-Alg': 'hmac_sha256',
  };
}

function toolRequest(body: string, headers: Record<string, string>): Request {
  return new Request('https://tools.example.com/send', { method: 'POST', body, headers });
}

/** The reason the call is refused; fails the test when it is accepted. */
async function refusal(
  promise: Promise<unknown>,
): Promise<{ reason: SignatureFailure; error: SignatureVerificationError }> {
  const error = await promise.then(
    () => expect.unreachable('the call was accepted'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SignatureVerificationError);
  const failure = error as SignatureVerificationError;
  return { reason: failure.reason, error: failure };
}

describe('signToolCall', () => {
  it('signs with lowercase hex HMAC-SHA256 of the body, as node:crypto computes it', async () => {
    const headers = await signToolCall(BODY, SECRET, { now: NOW });
    expect(headers).toEqual({
      'X-OnceOnly-Signature': hmacHex(SECRET, BODY),
      'X-OnceOnly-Timestamp': String(NOW_SEC),
      'X-OnceOnly-Signature-Alg': 'hmac_sha256',
    });
  });

  it('matches a fixed vector (RFC 4231 test case 2)', async () => {
    const headers = await signToolCall('what do ya want for nothing?', 'Jefe');
    expect(headers['X-OnceOnly-Signature']).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('signs a Uint8Array body over its bytes', async () => {
    const bytes = new TextEncoder().encode(BODY);
    const headers = await signToolCall(bytes, SECRET, { now: NOW });
    expect(headers['X-OnceOnly-Signature']).toBe(hmacHex(SECRET, bytes));
  });

  it('uses whole seconds for the timestamp', async () => {
    const headers = await signToolCall(BODY, SECRET, { now: NOW + 999 });
    expect(headers['X-OnceOnly-Timestamp']).toBe(String(NOW_SEC));
  });

  it.each([
    ['an empty secret', ''],
    ['a secret that is not a string', 42 as unknown as string],
  ])('refuses %s', async (_, secret) => {
    await expect(signToolCall(BODY, secret)).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('refuses a now of NaN rather than sending the timestamp NaN', async () => {
    const error = await signToolCall(BODY, SECRET, { now: Number.NaN }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe('now');
  });
});

describe('verifyToolSignature round trip', () => {
  it('accepts a signed Request, gives body text and timestamp, leaves it readable', async () => {
    const request = toolRequest(BODY, await signToolCall(BODY, SECRET, { now: NOW }));
    const verified = await verifyToolSignature(request, SECRET, { now: NOW });

    expect(verified).toEqual({ body: BODY, timestamp: NOW_SEC });
    expect(request.bodyUsed).toBe(false);
    expect(await request.text()).toBe(BODY);
  });

  it('accepts { body: string, headers }', async () => {
    const headers = await signToolCall(BODY, SECRET, { now: NOW });
    const verified = await verifyToolSignature({ body: BODY, headers }, SECRET, { now: NOW });
    expect(verified).toEqual({ body: BODY, timestamp: NOW_SEC });
  });

  it('accepts { body: Uint8Array, headers } and decodes the body as UTF-8', async () => {
    const bytes = new TextEncoder().encode(BODY);
    const headers = await signToolCall(bytes, SECRET, { now: NOW });
    const verified = await verifyToolSignature({ body: bytes, headers }, SECRET, { now: NOW });
    expect(verified).toEqual({ body: BODY, timestamp: NOW_SEC });
  });

  it('accepts a Node Buffer body (a view into a shared memory pool)', async () => {
    const buffer = Buffer.from(BODY);
    const headers = await signToolCall(buffer, SECRET, { now: NOW });
    expect(headers['X-OnceOnly-Signature']).toBe(hmacHex(SECRET, BODY));
    const verified = await verifyToolSignature({ body: buffer, headers }, SECRET, { now: NOW });
    expect(verified.body).toBe(BODY);
  });

  it('accepts an ArrayBuffer body', async () => {
    const bytes = new TextEncoder().encode(BODY);
    const headers = headersFor(BODY);
    const verified = await verifyToolSignature({ body: bytes.buffer, headers }, SECRET, {
      now: NOW,
    });
    expect(verified.body).toBe(BODY);
  });

  it('accepts headers as a Headers object or with lowercase names (as Node gives)', async () => {
    const signed = await signToolCall(BODY, SECRET, { now: NOW });
    const lower = Object.fromEntries(
      Object.entries(signed).map(([name, value]) => [name.toLowerCase(), value]),
    );
    await expect(
      verifyToolSignature({ body: BODY, headers: lower }, SECRET, { now: NOW }),
    ).resolves.toEqual({ body: BODY, timestamp: NOW_SEC });
    await expect(
      verifyToolSignature({ body: BODY, headers: new Headers(signed) }, SECRET, { now: NOW }),
    ).resolves.toEqual({ body: BODY, timestamp: NOW_SEC });
  });

  it('accepts a signature made with node:crypto createHmac over the same bytes', async () => {
    const request = toolRequest(BODY, headersFor(BODY));
    await expect(verifyToolSignature(request, SECRET, { now: NOW })).resolves.toEqual({
      body: BODY,
      timestamp: NOW_SEC,
    });
  });

  it('accepts an empty body that is signed', async () => {
    const verified = await verifyToolSignature({ body: '', headers: headersFor('') }, SECRET, {
      now: NOW,
    });
    expect(verified.body).toBe('');
  });
});

describe('verifyToolSignature refuses a forged or altered call', () => {
  it('refuses a tampered body as invalid_signature', async () => {
    const tampered = BODY.replace('a@example.com', 'evil@example.com');
    const request = toolRequest(tampered, headersFor(BODY));
    expect((await refusal(verifyToolSignature(request, SECRET, { now: NOW }))).reason).toBe(
      'invalid_signature',
    );
  });

  it('refuses a body differing in one trailing byte as invalid_signature', async () => {
    const call = { body: `${BODY}\n`, headers: headersFor(BODY) };
    expect((await refusal(verifyToolSignature(call, SECRET, { now: NOW }))).reason).toBe(
      'invalid_signature',
    );
  });

  it('refuses a signature made with another secret as invalid_signature', async () => {
    const call = { body: BODY, headers: headersFor(BODY, 'another-secret') };
    expect((await refusal(verifyToolSignature(call, SECRET, { now: NOW }))).reason).toBe(
      'invalid_signature',
    );
  });

  it('refuses a missing signature as missing_signature', async () => {
    const { 'X-OnceOnly-Signature': _, ...headers } = headersFor(BODY);
    const call = { body: BODY, headers };
    expect((await refusal(verifyToolSignature(call, SECRET, { now: NOW }))).reason).toBe(
      'missing_signature',
    );
  });

  it('refuses an empty signature as missing_signature', async () => {
    const call = { body: BODY, headers: { ...headersFor(BODY), 'X-OnceOnly-Signature': '' } };
    expect((await refusal(verifyToolSignature(call, SECRET, { now: NOW }))).reason).toBe(
      'missing_signature',
    );
  });

  it('refuses a missing timestamp as missing_timestamp', async () => {
    const { 'X-OnceOnly-Timestamp': _, ...headers } = headersFor(BODY);
    const call = { body: BODY, headers };
    expect((await refusal(verifyToolSignature(call, SECRET, { now: NOW }))).reason).toBe(
      'missing_timestamp',
    );
  });

  it.each([
    ['letters', 'abc'],
    ['a fraction', `${NOW_SEC}.5`],
    ['a negative number', '-5'],
    ['milliseconds in ISO form', '2026-03-31T10:30:00Z'],
  ])('refuses a timestamp of %s as invalid_timestamp', async (_, timestamp) => {
    const call = {
      body: BODY,
      headers: { ...headersFor(BODY), 'X-OnceOnly-Timestamp': timestamp },
    };
    expect((await refusal(verifyToolSignature(call, SECRET, { now: NOW }))).reason).toBe(
      'invalid_timestamp',
    );
  });

  it('refuses X-OnceOnly-Signature-Alg hmac_md5 as unsupported_algorithm', async () => {
    const headers = { ...headersFor(BODY), 'X-OnceOnly-Signature-Alg': 'hmac_md5' };
    expect(
      (await refusal(verifyToolSignature({ body: BODY, headers }, SECRET, { now: NOW }))).reason,
    ).toBe('unsupported_algorithm');
  });

  it('accepts a call without X-OnceOnly-Signature-Alg', async () => {
    const { 'X-OnceOnly-Signature-Alg': _, ...headers } = headersFor(BODY);
    await expect(
      verifyToolSignature({ body: BODY, headers }, SECRET, { now: NOW }),
    ).resolves.toEqual({ body: BODY, timestamp: NOW_SEC });
  });
});

describe('verifyToolSignature signature forms', () => {
  it('accepts the signature in uppercase hex', async () => {
    const headers = headersFor(BODY);
    headers['X-OnceOnly-Signature'] = headers['X-OnceOnly-Signature'].toUpperCase();
    await expect(
      verifyToolSignature({ body: BODY, headers }, SECRET, { now: NOW }),
    ).resolves.toEqual({ body: BODY, timestamp: NOW_SEC });
  });

  it.each([
    ['short by one byte', (hex: string) => hex.slice(0, 62)],
    ['short by one character', (hex: string) => hex.slice(0, 63)],
    ['one byte too long', (hex: string) => `${hex}00`],
    ['not hex', (hex: string) => `zz${hex.slice(2)}`],
    ['base64 of the same MAC', (hex: string) => Buffer.from(hex, 'hex').toString('base64')],
    ['prefixed sha256=', (hex: string) => `sha256=${hex}`],
  ])('refuses a signature %s as invalid_signature', async (_, change) => {
    const headers = headersFor(BODY);
    headers['X-OnceOnly-Signature'] = change(headers['X-OnceOnly-Signature']);
    expect(
      (await refusal(verifyToolSignature({ body: BODY, headers }, SECRET, { now: NOW }))).reason,
    ).toBe('invalid_signature');
  });
});

describe('verifyToolSignature freshness', () => {
  const call = (timestampSec: number) => ({
    body: BODY,
    headers: headersFor(BODY, SECRET, timestampSec),
  });

  it.each([
    ['older than 300 s', NOW_SEC - 301],
    ['newer than 300 s', NOW_SEC + 301],
  ])('refuses a timestamp %s as stale_timestamp', async (_, timestampSec) => {
    expect(
      (await refusal(verifyToolSignature(call(timestampSec), SECRET, { now: NOW }))).reason,
    ).toBe('stale_timestamp');
  });

  it.each([
    ['exactly 300 s old', NOW_SEC - 300],
    ['exactly 300 s ahead', NOW_SEC + 300],
  ])('accepts a timestamp %s', async (_, timestampSec) => {
    await expect(
      verifyToolSignature(call(timestampSec), SECRET, { now: NOW }),
    ).resolves.toMatchObject({ timestamp: timestampSec });
  });

  it('refuses a tolerance or a clock that is not a number, which would disable the window', async () => {
    const notANumber = await verifyToolSignature(call(NOW_SEC), SECRET, {
      now: NOW,
      toleranceMs: Number.NaN,
    }).catch((error: unknown) => error);
    expect(notANumber).toBeInstanceOf(InvalidInputError);
    expect((notANumber as InvalidInputError).field).toBe('toleranceMs');
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a string', '1774953000000' as unknown as number],
  ])('refuses a now of %s (InvalidInputError naming now)', async (_, now) => {
    const error = await verifyToolSignature(call(NOW_SEC), SECRET, { now }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe('now');
  });

  it('follows toleranceMs', async () => {
    const options = { now: NOW, toleranceMs: 10_000 };
    await expect(verifyToolSignature(call(NOW_SEC - 10), SECRET, options)).resolves.toMatchObject({
      timestamp: NOW_SEC - 10,
    });
    expect((await refusal(verifyToolSignature(call(NOW_SEC - 11), SECRET, options))).reason).toBe(
      'stale_timestamp',
    );
    const wide = { now: NOW, toleranceMs: 3_600_000 };
    await expect(verifyToolSignature(call(NOW_SEC - 3600), SECRET, wide)).resolves.toMatchObject({
      timestamp: NOW_SEC - 3600,
    });
  });

  it('uses the current time when now is not given', async () => {
    const fresh = Math.floor(Date.now() / 1000);
    await expect(verifyToolSignature(call(fresh), SECRET)).resolves.toMatchObject({
      timestamp: fresh,
    });
    expect((await refusal(verifyToolSignature(call(fresh - 3600), SECRET))).reason).toBe(
      'stale_timestamp',
    );
  });
});

describe('verifyToolSignature never reveals the secret', () => {
  const base = headersFor(BODY);
  const { 'X-OnceOnly-Signature': _sig, ...noSignature } = base;
  const { 'X-OnceOnly-Timestamp': _ts, ...noTimestamp } = base;
  const failures: [SignatureFailure, Record<string, string>, string][] = [
    ['missing_signature', noSignature, BODY],
    ['missing_timestamp', noTimestamp, BODY],
    ['invalid_timestamp', { ...base, 'X-OnceOnly-Timestamp': 'soon' }, BODY],
    ['stale_timestamp', headersFor(BODY, SECRET, NOW_SEC - 999), BODY],
    ['unsupported_algorithm', { ...base, 'X-OnceOnly-Signature-Alg': 'hmac_md5' }, BODY],
    ['invalid_signature', base, `${BODY} `],
    ['invalid_signature', { ...base, 'X-OnceOnly-Signature': SECRET }, BODY],
  ];

  it.each(failures)('in the %s error', async (expected, headers, body) => {
    const { reason, error } = await refusal(
      verifyToolSignature({ body, headers }, SECRET, { now: NOW }),
    );
    expect(reason).toBe(expected);
    for (const text of [error.message, String(error), error.stack ?? '', JSON.stringify(error)]) {
      expect(text).not.toContain(SECRET);
    }
  });
});

describe('verifyToolSignature input', () => {
  it.each([
    ['an empty secret', ''],
    ['a secret that is not a string', undefined as unknown as string],
  ])('refuses %s with InvalidInputError', async (_, secret) => {
    const call = { body: BODY, headers: headersFor(BODY) };
    await expect(verifyToolSignature(call, secret, { now: NOW })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });
});

describe('verifyToolSignature on a Request whose body was read', () => {
  it('rejects with InvalidInputError (field request) when the body was read already', async () => {
    const request = toolRequest(BODY, headersFor(BODY));
    await request.text();

    const error = await verifyToolSignature(request, SECRET, { now: NOW }).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).not.toBeInstanceOf(SignatureVerificationError);
    expect((error as InvalidInputError).field).toBe('request');
  });

  it('rejects with InvalidInputError when the body is being read (its stream is locked)', async () => {
    const request = toolRequest(BODY, headersFor(BODY));
    request.body?.getReader();

    const error = await verifyToolSignature(request, SECRET, { now: NOW }).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe('request');
  });
});
