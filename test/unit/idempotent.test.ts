import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { callKey, canonicalJson } from '../../src/idempotent.js';
import {
  AmbiguousDuplicateError,
  type CheckLockResult,
  InvalidInputError,
  idempotent,
  idempotentAi,
} from '../../src/index.js';
import {
  aiResult,
  connectionFailure,
  json,
  leaseState,
  type ScriptedApi,
  scriptedApi,
  settle,
} from '../support/scripted-api.js';

const CHECK_LOCK = 'POST /v1/check-lock';
const LEASE = 'POST /v1/ai/lease';
const COMPLETE = 'POST /v1/ai/complete';
const RESULT = 'GET /v1/ai/result';
const HEX64 = /^[0-9a-f]{64}$/;

const locked = json({ success: true, status: 'locked', key: 'k', ttl: 60, first_seen_at: null });
const duplicate = json({
  success: false,
  status: 'duplicate',
  key: 'k',
  ttl: 60,
  first_seen_at: '2026-03-31T10:30:00Z',
});

function lockApi(...replies: ReturnType<typeof json>[]): ScriptedApi {
  return scriptedApi({ [CHECK_LOCK]: replies.length > 0 ? replies : [locked] });
}

/** The keys sent to check-lock, in order. */
function lockKeys(api: ScriptedApi): string[] {
  return api.to(CHECK_LOCK).map((request) => (request.body as { key: string }).key);
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

async function sendEmail(to: unknown, options?: unknown) {
  return { sent: to, options };
}

describe('idempotent: a call that gets the lock', () => {
  it('runs fn with the arguments and gives its value', async () => {
    const api = lockApi(locked);
    const fn = vi.fn(sendEmail);
    const wrapped = idempotent(api.client(), fn);

    expect(await wrapped('a@example.com', { cc: 'b' })).toEqual({
      sent: 'a@example.com',
      options: { cc: 'b' },
    });
    expect(fn).toHaveBeenCalledOnce();
    expect(fn).toHaveBeenCalledWith('a@example.com', { cc: 'b' });
    expect(api.routes()).toEqual([CHECK_LOCK]);
  });

  it('claims the key for 86400 s by default', async () => {
    const api = lockApi();
    await idempotent(api.client(), sendEmail)('a');
    expect(api.body(CHECK_LOCK).ttl).toBe(86_400);
  });

  it('claims the key for the ttl given', async () => {
    const api = lockApi();
    await idempotent(api.client(), sendEmail, { ttl: 60 })('a');
    expect(api.body(CHECK_LOCK).ttl).toBe(60);
  });

  it('refuses a ttl of 0 when wrapping', () => {
    const api = lockApi();
    expect(() => idempotent(api.client(), sendEmail, { ttl: 0 })).toThrow(InvalidInputError);
  });
});

describe('idempotent: a duplicate call', () => {
  it('gives onDuplicate(lock, ...args) and does not run fn', async () => {
    const api = lockApi(duplicate);
    const fn = vi.fn(sendEmail);
    const onDuplicate = vi.fn(
      (_lock: CheckLockResult, to: unknown, _options?: unknown) => `skipped ${to}`,
    );
    const wrapped = idempotent(api.client(), fn, { onDuplicate });

    expect(await wrapped('a@example.com', { cc: 'b' })).toBe('skipped a@example.com');
    expect(fn).not.toHaveBeenCalled();
    const [lock, ...args] = onDuplicate.mock.calls[0] ?? [];
    expect(args).toEqual(['a@example.com', { cc: 'b' }]);
    expect(lock).toMatchObject({
      duplicate: true,
      locked: false,
      first_seen_at: '2026-03-31T10:30:00Z',
    });
  });

  it('gives returnValueOnDuplicate when there is no onDuplicate', async () => {
    const api = lockApi(duplicate);
    const fn = vi.fn(sendEmail);
    const wrapped = idempotent(api.client(), fn, { returnValueOnDuplicate: 'already sent' });
    expect(await wrapped('a')).toBe('already sent');
    expect(fn).not.toHaveBeenCalled();
  });

  it('gives undefined by default', async () => {
    const api = lockApi(duplicate);
    const fn = vi.fn(sendEmail);
    expect(await idempotent(api.client(), fn)('a')).toBeUndefined();
    expect(fn).not.toHaveBeenCalled();
  });

  it('runs fn the first time and not the second for the same arguments', async () => {
    const api = lockApi(locked, duplicate);
    const fn = vi.fn(sendEmail);
    const wrapped = idempotent(api.client(), fn);
    await wrapped('a', { n: 1 });
    await wrapped('a', { n: 1 });
    expect(fn).toHaveBeenCalledOnce();
    const [first, second] = lockKeys(api);
    expect(first).toBe(second);
  });
});

describe('idempotent: an ambiguous duplicate (the claim may be this call’s own)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  // The first attempt fails with a connection error that may have been sent; the retry (same
  // X-Request-Id) finds the key claimed. A keyFn keeps the key off crypto.subtle, which does
  // not run on fake time.
  const ambiguousApi = () => scriptedApi({ [CHECK_LOCK]: [connectionFailure(), duplicate] });
  const keyFn = (to: unknown) => `email:${to}`;

  it.each([
    ['no options', {}],
    ['returnValueOnDuplicate', { returnValueOnDuplicate: 'already sent' }],
  ])('rejects with AmbiguousDuplicateError with %s, without running fn', async (_, options) => {
    const api = ambiguousApi();
    const fn = vi.fn(sendEmail);
    const outcome = settle(idempotent(api.client(), fn, { keyFn, ...options })('a'));
    await vi.advanceTimersByTimeAsync(10_000);

    expect(lockKeys(api)).toEqual(['email:a', 'email:a']);
    expect(outcome.error).toBeInstanceOf(AmbiguousDuplicateError);
    const { lock } = outcome.error as AmbiguousDuplicateError;
    expect(lock).toMatchObject({ duplicate: true, locked: false, ambiguousDuplicate: true });
    expect(fn).not.toHaveBeenCalled();
  });

  it('lets onDuplicate decide: it gets the lock with the flag and its value is returned', async () => {
    const api = ambiguousApi();
    const fn = vi.fn(sendEmail);
    const onDuplicate = vi.fn((lock: CheckLockResult, to: unknown) =>
      lock.ambiguousDuplicate ? `check ${to}` : 'skip',
    );
    const outcome = settle(idempotent(api.client(), fn, { keyFn, onDuplicate })('a@example.com'));
    await vi.advanceTimersByTimeAsync(10_000);

    expect(outcome.value).toBe('check a@example.com');
    expect(onDuplicate).toHaveBeenCalledOnce();
    expect(onDuplicate.mock.calls[0]?.[0]).toMatchObject({ ambiguousDuplicate: true });
    expect(fn).not.toHaveBeenCalled();
  });
});

describe('idempotent: the key', () => {
  it('is keyFn(...args) when keyFn is given', async () => {
    const api = lockApi();
    const keyFn = vi.fn((to: unknown, _options?: unknown) => `email:${to}`);
    await idempotent(api.client(), sendEmail, { keyFn })('a@example.com', {});
    expect(keyFn).toHaveBeenCalledWith('a@example.com', {});
    expect(lockKeys(api)).toEqual(['email:a@example.com']);
  });

  it('refuses a keyFn that gives an empty key, sending nothing', async () => {
    const api = lockApi();
    const fn = vi.fn();
    await expect(idempotent(api.client(), fn, { keyFn: () => '' })()).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    expect(api.requests).toHaveLength(0);
    expect(fn).not.toHaveBeenCalled();
  });

  it('is func: and 64 lowercase hex characters by default', async () => {
    const api = lockApi();
    await idempotent(api.client(), sendEmail)('a');
    const [key] = lockKeys(api);
    expect(key).toMatch(/^func:[0-9a-f]{64}$/);
  });

  it('starts with keyPrefix when given', async () => {
    const api = lockApi();
    await idempotent(api.client(), sendEmail, { keyPrefix: 'mail' })('a');
    expect(lockKeys(api)[0]).toMatch(/^mail:[0-9a-f]{64}$/);
  });

  it('is keyPrefix: and the SHA-256 of the canonical JSON of {args, fn, v}', async () => {
    const api = lockApi();
    await idempotent(api.client(), sendEmail)('a@example.com', { z: 1, a: [2, { y: 3, b: 4 }] });
    const canonical =
      '{"args":["a@example.com",{"a":[2,{"b":4,"y":3}],"z":1}],"fn":"sendEmail","v":"v1"}';
    expect(lockKeys(api)).toEqual([`func:${sha256(canonical)}`]);
  });

  it('differs for arguments that differ in a nested field', async () => {
    const api = lockApi();
    const wrapped = idempotent(api.client(), sendEmail);
    await wrapped({ a: { b: 1 } });
    await wrapped({ a: { b: 2 } });
    await wrapped({ a: { b: { c: [1] } } });
    await wrapped({ a: { b: { c: [2] } } });
    expect(new Set(lockKeys(api)).size).toBe(4);
  });

  it('is the same for arguments whose keys are in another order at every depth', async () => {
    const api = lockApi();
    const wrapped = idempotent(api.client(), sendEmail);
    await wrapped({ x: 1, y: { p: 1, q: { m: 1, n: [{ s: 1, t: 2 }] } } }, 'b');
    await wrapped({ y: { q: { n: [{ t: 2, s: 1 }], m: 1 }, p: 1 }, x: 1 }, 'b');
    const [first, second] = lockKeys(api);
    expect(first).toBe(second);
  });

  it('differs for arrays in another order', async () => {
    const api = lockApi();
    const wrapped = idempotent(api.client(), sendEmail);
    await wrapped([1, 2]);
    await wrapped([2, 1]);
    const [first, second] = lockKeys(api);
    expect(first).not.toBe(second);
  });

  it('differs for a different number of arguments', async () => {
    const api = lockApi();
    const wrapped = idempotent(api.client(), sendEmail);
    await wrapped('a');
    await wrapped('a', null);
    await wrapped('a', {});
    const [one, withNull, withObject] = lockKeys(api);
    expect(new Set([one, withNull, withObject]).size).toBe(3);
  });

  it('is the same for a missing argument and trailing undefined ones: fn runs once', async () => {
    const api = scriptedApi({ [CHECK_LOCK]: [locked, duplicate, duplicate] });
    const charge = vi.fn(async (_invoice: string, _amount?: number, _note?: string) => 'charged');
    const wrapped = idempotent(api.client(), charge, { keyId: 'charge' });

    expect(await wrapped('inv1')).toBe('charged');
    expect(await wrapped('inv1', undefined)).toBeUndefined();
    expect(await wrapped('inv1', undefined, undefined)).toBeUndefined();

    expect(charge).toHaveBeenCalledOnce();
    const [missing, oneUndefined, twoUndefined] = lockKeys(api);
    expect(oneUndefined).toBe(missing);
    expect(twoUndefined).toBe(missing);
  });

  it('keeps an undefined argument followed by others, as null (as JSON writes arrays)', async () => {
    const api = lockApi();
    const wrapped = idempotent(api.client(), sendEmail);
    await wrapped(undefined, { cc: 'b' });
    await wrapped(null, { cc: 'b' });
    await wrapped({ cc: 'b' });
    const [withUndefined, withNull, shifted] = lockKeys(api);
    expect(withUndefined).toBe(withNull);
    expect(shifted).not.toBe(withUndefined);
  });

  it('is the same for an object field set to undefined and a missing one, at any depth', async () => {
    const api = lockApi();
    const wrapped = idempotent(api.client(), sendEmail);
    await wrapped('a', { cc: undefined, meta: { tag: undefined, n: 1 } });
    await wrapped('a', { meta: { n: 1 } });
    const [withUndefined, without] = lockKeys(api);
    expect(withUndefined).toBe(without);
  });

  it('changes with keyVersion', async () => {
    const api = lockApi();
    await idempotent(api.client(), sendEmail)('a');
    await idempotent(api.client(), sendEmail, { keyVersion: 'v1' })('a');
    await idempotent(api.client(), sendEmail, { keyVersion: 'v2' })('a');
    const [implicit, v1, v2] = lockKeys(api);
    expect(implicit).toBe(v1);
    expect(v2).not.toBe(v1);
  });

  it('changes with keyId, which replaces the function’s name', async () => {
    const api = lockApi();
    async function otherName(to: unknown) {
      return to;
    }
    await idempotent(api.client(), sendEmail)('a');
    await idempotent(api.client(), sendEmail, { keyId: 'mailer' })('a');
    await idempotent(api.client(), otherName, { keyId: 'mailer' })('a');
    await idempotent(api.client(), otherName)('a');
    const [byName, byId, otherById, otherByName] = lockKeys(api);
    expect(byId).not.toBe(byName);
    expect(otherById).toBe(byId);
    expect(otherByName).not.toBe(byName);
  });

  it('refuses an anonymous function without keyId when wrapping', () => {
    const api = lockApi();
    expect(() => idempotent(api.client(), async () => 1)).toThrow(InvalidInputError);
    expect(() => idempotent(api.client(), async () => 1, { keyId: 'job' })).not.toThrow();
    expect(api.requests).toHaveLength(0);
  });

  it('accepts an anonymous function with a keyFn', async () => {
    const api = lockApi();
    await idempotent(api.client(), async () => 1, { keyFn: () => 'fixed' })();
    expect(lockKeys(api)).toEqual(['fixed']);
  });

  it.each([
    ['a Map', new Map([['a', 1]])],
    ['a Set', new Set([1])],
    ['a Map nested in an object', { a: { b: new Map() } }],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['NaN nested in an array', [1, [Number.NaN]]],
    ['a BigInt', 10n],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
  ])('refuses %s as an argument with InvalidInputError, sending nothing', async (_, arg) => {
    const api = lockApi();
    const fn = vi.fn(sendEmail);
    await expect(idempotent(api.client(), fn)(arg)).rejects.toBeInstanceOf(InvalidInputError);
    expect(api.requests).toHaveLength(0);
    expect(fn).not.toHaveBeenCalled();
  });

  class Order {
    readonly #id: string;
    constructor(id: string) {
      this.#id = id;
    }
    get id() {
      return this.#id;
    }
  }

  it.each([
    ['an instance of a class with private fields', new Order('A')],
    ['a class instance nested in an array', [{ order: new Order('B') }]],
    ['a Headers', new Headers({ 'X-Team': 'payments' })],
    ['a Map', new Map([['a', 1]])],
  ])('refuses %s (its state is not in its keys), sending nothing', async (_, arg) => {
    const api = lockApi();
    const fn = vi.fn(sendEmail);
    await expect(idempotent(api.client(), fn)(arg)).rejects.toBeInstanceOf(InvalidInputError);
    expect(api.requests).toHaveLength(0);
    expect(fn).not.toHaveBeenCalled();
  });

  it('accepts a Date (through toJSON): two different dates give two keys', async () => {
    const api = lockApi();
    const wrapped = idempotent(api.client(), sendEmail);
    await wrapped(new Date('2026-03-31T10:30:00.000Z'));
    await wrapped(new Date('2026-04-01T10:30:00.000Z'));
    const canonical = '{"args":["2026-03-31T10:30:00.000Z"],"fn":"sendEmail","v":"v1"}';
    expect(lockKeys(api)[0]).toBe(`func:${sha256(canonical)}`);
    expect(new Set(lockKeys(api)).size).toBe(2);
  });

  it('accepts a plain object without a prototype, keyed as the same plain object', async () => {
    const api = lockApi();
    const wrapped = idempotent(api.client(), sendEmail);
    await wrapped(Object.assign(Object.create(null), { b: 2, a: 1 }));
    await wrapped({ a: 1, b: 2 });
    const [bare, plain] = lockKeys(api);
    expect(bare).toMatch(/^func:[0-9a-f]{64}$/);
    expect(bare).toBe(plain);
  });

  it('refuses a circular argument with InvalidInputError, sending nothing', async () => {
    const api = lockApi();
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = { back: circular };
    await expect(idempotent(api.client(), sendEmail)(circular)).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    expect(api.requests).toHaveLength(0);
  });

  it('accepts the same object twice in one call (shared, not circular)', async () => {
    const api = lockApi();
    const shared = { n: 1 };
    await idempotent(api.client(), sendEmail)(shared, { again: shared, list: [shared, shared] });
    expect(lockKeys(api)[0]).toMatch(/^func:[0-9a-f]{64}$/);
  });
});

describe('canonicalJson', () => {
  it('sorts object keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: 2 } })).toBe(
      '{"a":{"c":2,"d":[{"y":2,"z":1}]},"b":1}',
    );
  });

  it('keeps the order of arrays', () => {
    expect(canonicalJson([3, 1, 2, ['b', 'a']])).toBe('[3,1,2,["b","a"]]');
  });

  it('drops object fields that are undefined and writes undefined in arrays as null', () => {
    expect(canonicalJson({ a: undefined, b: 1, c: { d: undefined } })).toBe('{"b":1,"c":{}}');
    expect(canonicalJson([undefined, 1])).toBe('[null,1]');
  });

  it('writes a hole in an array as null, as JSON.stringify does', () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is what is tested
    const sparse = [, 1, , 2];
    expect(canonicalJson(sparse)).toBe('[null,1,null,2]');
    expect(canonicalJson(sparse)).toBe(JSON.stringify(sparse));
  });

  it('uses toJSON, and sorts what it gives', () => {
    expect(canonicalJson({ at: new Date('2026-03-31T10:30:00.000Z') })).toBe(
      '{"at":"2026-03-31T10:30:00.000Z"}',
    );
    expect(canonicalJson({ toJSON: () => ({ z: 1, y: [2] }) })).toBe('{"y":[2],"z":1}');
  });

  it('writes strings, numbers, booleans and null as JSON does', () => {
    const value = ['quote " and \\ and \n', 'é ☃', -0.5, 1e21, true, false, null];
    expect(canonicalJson(value)).toBe(JSON.stringify(value));
  });

  it('equals JSON.stringify for an object whose keys are already sorted', () => {
    const value = { a: [1, { b: null, c: 'x' }], d: { e: true } };
    expect(canonicalJson(value)).toBe(JSON.stringify(value));
  });

  it.each([
    ['a Map', new Map()],
    ['a Set', new Set()],
    ['NaN', Number.NaN],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['a BigInt', 1n],
  ])('refuses %s with InvalidInputError', (_, value) => {
    expect(() => canonicalJson({ v: value })).toThrow(InvalidInputError);
  });
});

describe('callKey', () => {
  it('is the lowercase hex SHA-256 of the canonical JSON of {v, fn, args}', async () => {
    const args = [{ b: 2, a: [1, { d: 4, c: 3 }] }, 'x'];
    const expected = sha256(canonicalJson({ v: 'v3', fn: 'report', args }));
    const key = await callKey('v3', 'report', args);
    expect(key).toMatch(HEX64);
    expect(key).toBe(expected);
  });

  it('hashes exactly the canonical text (a fixed vector)', async () => {
    const canonical = '{"args":[{"a":1,"b":[1,2]}],"fn":"f","v":"v1"}';
    expect(await callKey('v1', 'f', [{ b: [1, 2], a: 1 }])).toBe(sha256(canonical));
  });

  it('leaves trailing undefined arguments out of the hash, and only trailing ones', async () => {
    const canonical = '{"args":["a",null,1],"fn":"f","v":"v1"}';
    expect(await callKey('v1', 'f', ['a', undefined, 1, undefined, undefined])).toBe(
      sha256(canonical),
    );
    expect(await callKey('v1', 'f', [undefined])).toBe(await callKey('v1', 'f', []));
  });

  it('hashes non-ASCII text as UTF-8', async () => {
    const canonical = '{"args":["héllo ☃"],"fn":"f","v":"v1"}';
    expect(await callKey('v1', 'f', ['héllo ☃'])).toBe(sha256(canonical));
  });
});

describe('idempotentAi', () => {
  function aiApi(): ScriptedApi {
    return scriptedApi({
      [LEASE]: json(leaseState('any', 'acquired', { lease_id: 'lease_9' })),
      [COMPLETE]: json({ ok: true, status: 'completed', key: 'any' }),
      [RESULT]: json(aiResult('any', 'completed', { result: { value: 5 } })),
    });
  }
  const leaseKeys = (api: ScriptedApi) =>
    api.to(LEASE).map((request) => (request.body as { key: string }).key);

  it('runs fn under a lease on the derived key and passes the lease signal last', async () => {
    const api = aiApi();
    const fn = vi.fn(async (a: number, b: { x: number }, signal: AbortSignal) => {
      expect(signal).toBeInstanceOf(AbortSignal);
      expect(signal.aborted).toBe(false);
      return a + b.x;
    });
    const wrapped = idempotentAi<[number, { x: number }], number>(api.client(), fn, {
      keyId: 'adder',
    });

    const outcome = await wrapped(2, { x: 3 });
    expect(fn).toHaveBeenCalledOnce();
    expect(fn.mock.calls[0]?.slice(0, 2)).toEqual([2, { x: 3 }]);
    expect(fn.mock.calls[0]?.[2]).toBeInstanceOf(AbortSignal);
    expect(api.routes()).toEqual([LEASE, COMPLETE, RESULT]);
    const canonical = '{"args":[2,{"x":3}],"fn":"adder","v":"v1"}';
    expect(leaseKeys(api)).toEqual([`func:${sha256(canonical)}`]);
    expect(api.body(COMPLETE).result).toEqual({ value: 5 });
    expect(outcome).toEqual({
      outcome: 'ran',
      result: aiResult('any', 'completed', { result: { value: 5 } }),
      value: 5,
    });
  });

  it('uses the fixed key for every call when key is given', async () => {
    const api = aiApi();
    async function report(_n: number, _s: AbortSignal) {
      return 1;
    }
    const wrapped = idempotentAi(api.client(), report, { key: 'nightly-report' });
    await wrapped(1);
    await wrapped(2);
    expect(leaseKeys(api)).toEqual(['nightly-report', 'nightly-report']);
  });

  it('accepts an anonymous function when a fixed key is given (no keyId needed)', async () => {
    const api = aiApi();
    const wrap = () =>
      idempotentAi(api.client(), async (_s: AbortSignal) => 1, { key: 'nightly-report' });
    expect(wrap).not.toThrow();
    await wrap()();
    expect(leaseKeys(api)).toEqual(['nightly-report']);
  });

  it('uses keyFn and keyPrefix as idempotent does', async () => {
    const api = aiApi();
    async function job(_n: number, _s: AbortSignal) {
      return 1;
    }
    await idempotentAi(api.client(), job, { keyFn: (n) => `job:${n}` })(7);
    await idempotentAi(api.client(), job, { keyPrefix: 'jobs' })(7);
    const [byKeyFn, byPrefix] = leaseKeys(api);
    expect(byKeyFn).toBe('job:7');
    expect(byPrefix).toMatch(/^jobs:[0-9a-f]{64}$/);
  });

  it('passes the runFn options on (ttl in the lease)', async () => {
    const api = aiApi();
    async function job(_s: AbortSignal) {
      return 1;
    }
    await idempotentAi(api.client(), job, { ttl: 45 })();
    expect(api.to(LEASE)[0]?.body).toMatchObject({ ttl: 45 });
  });

  it('refuses an anonymous function without keyId, keyFn or key when wrapping', () => {
    const api = aiApi();
    expect(() => idempotentAi(api.client(), async (_s: AbortSignal) => 1)).toThrow(
      InvalidInputError,
    );
  });
});

describe('idempotentAi: a duplicate call (one that did not run fn)', () => {
  const stored = aiResult('any', 'completed', { result: { value: 5 } });

  /** A fake API on which the lease is already `status` (another caller has or had it). */
  function heldApi(status: 'completed' | 'polling'): ScriptedApi {
    return scriptedApi({ [LEASE]: json(leaseState('any', status)), [RESULT]: json(stored) });
  }
  async function report(_month: string, _signal: AbortSignal) {
    return 7;
  }

  it('gives the outcome with the stored result by default', async () => {
    const api = heldApi('completed');
    const fn = vi.fn(report);
    expect(await idempotentAi(api.client(), fn)('2026-03')).toEqual({
      outcome: 'finished',
      result: stored,
    });
    expect(fn).not.toHaveBeenCalled();
  });

  it('gives onDuplicate(run, ...args), which sees the stored result', async () => {
    const api = heldApi('completed');
    const fn = vi.fn(report);
    const onDuplicate = vi.fn((run: { result: unknown }, month: string) => ({ month, run }));
    const wrapped = idempotentAi(api.client(), fn, { onDuplicate });

    expect(await wrapped('2026-03')).toEqual({
      month: '2026-03',
      run: { outcome: 'finished', result: stored },
    });
    expect(onDuplicate).toHaveBeenCalledOnce();
    expect(fn).not.toHaveBeenCalled();
  });

  it('gives onDuplicate a not_acquired outcome too (waitOnConflict: false)', async () => {
    const api = heldApi('polling');
    const onDuplicate = vi.fn(() => 'busy');
    const wrapped = idempotentAi(api.client(), report, { onDuplicate, waitOnConflict: false });

    expect(await wrapped('2026-03')).toBe('busy');
    expect(onDuplicate).toHaveBeenCalledWith(
      { outcome: 'not_acquired', result: null, status: 'polling' },
      '2026-03',
    );
  });

  it('gives returnValueOnDuplicate when there is no onDuplicate', async () => {
    const api = heldApi('completed');
    expect(await idempotentAi(api.client(), report, { returnValueOnDuplicate: 0 })('x')).toBe(0);
  });

  it('does not call onDuplicate for a call that ran fn', async () => {
    const api = scriptedApi({
      [LEASE]: json(leaseState('any', 'acquired', { lease_id: 'lease_9' })),
      [COMPLETE]: json({ ok: true, status: 'completed', key: 'any' }),
      [RESULT]: json(stored),
    });
    const onDuplicate = vi.fn(() => 'duplicate');
    const outcome = await idempotentAi(api.client(), report, { onDuplicate })('2026-03');
    expect(outcome).toEqual({ outcome: 'ran', result: stored, value: 7 });
    expect(onDuplicate).not.toHaveBeenCalled();
  });
});

describe('the wrappers check every option when wrapping', () => {
  async function job(_n: number, _signal: AbortSignal) {
    return 1;
  }

  it.each([
    ['an unknown option (a misspelt ttl)', { tll: 60 }],
    ['an onDuplicate that is not a function', { onDuplicate: 'skip' }],
    ['a keyFn that is not a function', { keyFn: 'order' }],
    ['an empty keyPrefix', { keyPrefix: '' }],
    ['a keyPrefix too long for a key of 256 characters', { keyPrefix: 'p'.repeat(192) }],
    ['a keyVersion that is not a string', { keyVersion: 2 }],
    ['a keyId that is not a string', { keyId: 7 }],
  ])('idempotent refuses %s', (_, options) => {
    const api = lockApi();
    expect(() => idempotent(api.client(), sendEmail, options as never)).toThrow(InvalidInputError);
    expect(api.requests).toHaveLength(0);
  });

  it.each([
    ['an unknown option', { retries: 3 }],
    ['a negative timeoutMs', { timeoutMs: -5 }],
    ['a NaN pollIntervalMs', { pollIntervalMs: Number.NaN }],
    ['an onStatus that is not a function', { onStatus: 'x' }],
    ['a waitOnConflict that is not a boolean', { waitOnConflict: 'no' }],
    ['a ttl of 0', { ttl: 0 }],
    ['an extendEveryMs as long as the ttl', { ttl: 10, extendEveryMs: 10_000 }],
    ['metadata that is not an object', { metadata: 'nightly' }],
    ['an errorCode that is not a string', { errorCode: 500 }],
    ['a signal that is not an AbortSignal', { signal: {} }],
    ['an onDuplicate that is not a function', { onDuplicate: 1 }],
    ['a fixed key with a keyFn', { key: 'nightly', keyFn: () => 'other' }],
    ['an empty fixed key', { key: '' }],
  ])('idempotentAi refuses %s', (_, options) => {
    const api = lockApi();
    expect(() => idempotentAi(api.client(), job, options as never)).toThrow(InvalidInputError);
    expect(api.requests).toHaveLength(0);
  });

  it('idempotentAi refuses an fn that is not a function, with a fixed key too', () => {
    const api = lockApi();
    const wrap = () => idempotentAi(api.client(), 'report' as never, { key: 'nightly' });
    expect(wrap).toThrow(expect.objectContaining({ field: 'fn' }));
  });

  it('idempotentAi names the option it refuses', () => {
    const api = lockApi();
    const wrap = () => idempotentAi(api.client(), job, { waitOnConflict: 'no' as never });
    expect(wrap).toThrow(expect.objectContaining({ field: 'waitOnConflict' }));
  });
});
