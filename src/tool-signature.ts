import { InvalidInputError, OnceOnlyError } from './errors.js';
import { checkNumber } from './internal/validate.js';

/**
 * Signatures of the calls OnceOnly makes to a registered tool. OnceOnly POSTs JSON to the
 * tool's URL with `X-OnceOnly-Signature` (lowercase hex HMAC-SHA256 of the raw body, keyed with
 * the tool's secret), `X-OnceOnly-Timestamp` (Unix seconds) and `X-OnceOnly-Signature-Alg`
 * (`hmac_sha256`). Only WebCrypto is used, so this runs in any runtime.
 */

export type SignatureFailure =
  | 'missing_signature'
  | 'missing_timestamp'
  | 'invalid_timestamp'
  | 'stale_timestamp'
  | 'unsupported_algorithm'
  | 'invalid_signature';

/** The request is not a genuine, fresh call from OnceOnly. Answer it with 401. */
export class SignatureVerificationError extends OnceOnlyError {
  override name = 'SignatureVerificationError';

  constructor(
    readonly reason: SignatureFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface VerifyToolSignatureOptions {
  /** The largest accepted distance between the timestamp and now, in ms. Default 300000. */
  toleranceMs?: number | undefined;
  /** The current time in milliseconds since the epoch. Default `Date.now()`. */
  now?: number | undefined;
}

type RawBody = string | Uint8Array | ArrayBuffer;

/** A tool call as received: a Web `Request`, or its raw body and headers. */
export type SignedCall = Request | { body: RawBody; headers: Headers | Record<string, string> };

const ALGORITHM = 'hmac_sha256';
const SIGNATURE_PATTERN = /^[0-9a-f]{64}$/i;

/**
 * Checks that a call to your tool comes from OnceOnly and is fresh. Resolves to the raw body
 * (as text) and the timestamp; rejects with `SignatureVerificationError` saying why not. A
 * `Request` is cloned, so it can still be read afterwards; one whose body was already read (or
 * is being read) rejects with `InvalidInputError`: that is a mistake in the backend, not a
 * forged call, so verify before reading the body, or pass `{ body, headers }`. The comparison is
 * constant-time (WebCrypto's HMAC verify).
 */
export async function verifyToolSignature(
  call: SignedCall,
  secret: string,
  options: VerifyToolSignatureOptions = {},
): Promise<{ body: string; timestamp: number }> {
  checkSecret(secret);
  // A NaN here (say, from an unset environment variable) would turn the replay window off.
  const toleranceMs = checkNumber('toleranceMs', options.toleranceMs ?? 300_000, { min: 0 });
  const now = checkNumber('now', options.now ?? Date.now());
  const headers = call instanceof Request ? call.headers : new Headers(call.headers);
  const body = call instanceof Request ? await readBody(call) : call.body;

  const signature = headers.get('X-OnceOnly-Signature')?.trim();
  if (!signature) reject('missing_signature', 'X-OnceOnly-Signature is missing');
  const timestampText = headers.get('X-OnceOnly-Timestamp')?.trim();
  if (!timestampText) reject('missing_timestamp', 'X-OnceOnly-Timestamp is missing');
  const algorithm = headers.get('X-OnceOnly-Signature-Alg')?.trim();
  if (algorithm && algorithm.toLowerCase() !== ALGORITHM) {
    reject('unsupported_algorithm', `X-OnceOnly-Signature-Alg is not ${ALGORITHM}`);
  }

  if (!/^\d+$/.test(timestampText)) {
    reject('invalid_timestamp', 'X-OnceOnly-Timestamp is not Unix seconds');
  }
  const timestamp = Number(timestampText);
  if (Math.abs(now - timestamp * 1000) > toleranceMs) {
    reject('stale_timestamp', `X-OnceOnly-Timestamp is more than ${toleranceMs} ms from now`);
  }

  const bytes = toBytes(body);
  const valid =
    SIGNATURE_PATTERN.test(signature) &&
    (await crypto.subtle.verify(
      'HMAC',
      await hmacKey(secret, 'verify'),
      hexBytes(signature),
      bytes,
    ));
  if (!valid) reject('invalid_signature', 'X-OnceOnly-Signature does not match the body');

  return { body: new TextDecoder().decode(bytes), timestamp };
}

/**
 * The headers OnceOnly sends with a tool call of this body: for testing a tool backend, or for
 * a server that calls tools as OnceOnly does.
 */
export async function signToolCall(
  body: RawBody,
  secret: string,
  options: { now?: number | undefined } = {},
): Promise<Record<string, string>> {
  checkSecret(secret);
  const now = checkNumber('now', options.now ?? Date.now());
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret, 'sign'), toBytes(body));
  const hex = Array.from(new Uint8Array(mac), (byte) => byte.toString(16).padStart(2, '0'));
  return {
    'X-OnceOnly-Signature': hex.join(''),
    'X-OnceOnly-Timestamp': String(Math.floor(now / 1000)),
    'X-OnceOnly-Signature-Alg': ALGORITHM,
  };
}

/** The raw body of a `Request`, read from a clone. */
function readBody(request: Request): Promise<ArrayBuffer> {
  if (request.bodyUsed || request.body?.locked) {
    throw new InvalidInputError(
      'request',
      'was read already: verify before reading its body, or pass { body, headers }',
    );
  }
  return request.clone().arrayBuffer();
}

function hmacKey(secret: string, usage: 'sign' | 'verify'): Promise<CryptoKey> {
  const raw = new TextEncoder().encode(secret);
  return crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);
}

function toBytes(body: RawBody): Uint8Array<ArrayBuffer> {
  if (typeof body === 'string') return new TextEncoder().encode(body);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  return new Uint8Array(body);
}

function hexBytes(hex: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++)
    bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

function checkSecret(secret: unknown): void {
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new InvalidInputError('secret', 'must be the tool secret (a non-empty string)');
  }
}

function reject(reason: SignatureFailure, message: string): never {
  throw new SignatureVerificationError(reason, message);
}
