import type { CheckLockResult } from './check-lock.js';
import type { OnceOnly } from './client.js';
import { InvalidInputError, OnceOnlyError } from './errors.js';
import { checkInteger, checkString } from './internal/validate.js';
import type { RunFnOptions, RunFnResult } from './run-fn.js';

interface KeyOptions<A extends unknown[]> {
  /** Makes the key from the arguments. Default: a hash of the arguments (see `callKey`). */
  keyFn?: (...args: A) => string;
  /** Put before the hash: `<keyPrefix>:<hash>`. Default `func`. */
  keyPrefix?: string | undefined;
  /** Names the function in the hash. Default: `fn.name`; required for anonymous functions. */
  keyId?: string | undefined;
  /** Part of the hash: change it to start afresh after changing what the function does. */
  keyVersion?: string | undefined;
}

/**
 * `idempotent` found the key claimed, but after a retry whose first attempt may have claimed it
 * (see `CheckLockResult.ambiguousDuplicate`), and has no `onDuplicate` to decide. The function
 * did not run. Check your own records, or give `onDuplicate`, which sees `lock` and decides.
 */
export class AmbiguousDuplicateError extends OnceOnlyError {
  override name = 'AmbiguousDuplicateError';

  constructor(readonly lock: CheckLockResult) {
    super(
      `The key ${lock.key} is claimed, possibly by this call's own earlier attempt; ` +
        'the function did not run.',
    );
  }
}

export interface IdempotentOptions<A extends unknown[], D> extends KeyOptions<A> {
  /** How long a call's key stays claimed, in seconds. Default 86400 (a day). */
  ttl?: number | undefined;
  /**
   * Called instead of the function for a duplicate call; its value is returned. It also gets
   * the ambiguous duplicates (`lock.ambiguousDuplicate`), which without it throw.
   */
  onDuplicate?: (lock: CheckLockResult, ...args: A) => D | Promise<D>;
  /** Returned for a duplicate call when there is no `onDuplicate`. Default `undefined`. */
  returnValueOnDuplicate?: D | undefined;
}

/**
 * Wraps `fn` so that each distinct call runs once: its key is claimed with `checkLock`, and a
 * call whose key is already claimed returns `onDuplicate(lock, ...args)` (or
 * `returnValueOnDuplicate`) instead of running. The key is `keyFn(...args)`, or `keyPrefix:`
 * followed by the SHA-256 of the arguments in canonical JSON (see `callKey`).
 */
export function idempotent<A extends unknown[], R, D = undefined>(
  client: OnceOnly,
  fn: (...args: A) => R | Promise<R>,
  options: IdempotentOptions<A, D> = {},
): (...args: A) => Promise<R | D> {
  const makeKey = keyMaker(fn, options);
  const ttl = checkInteger('ttl', options.ttl ?? 86_400, { min: 1 });

  return async (...args: A) => {
    const lock = await client.checkLock({ key: await makeKey(args), ttl });
    if (lock.locked) return fn(...args);
    if (options.onDuplicate) return options.onDuplicate(lock, ...args);
    // The claim may be this call's own (a retry whose first answer was lost): neither running
    // nor skipping is safe to decide here.
    if (lock.ambiguousDuplicate) throw new AmbiguousDuplicateError(lock);
    return options.returnValueOnDuplicate as D;
  };
}

export interface IdempotentAiOptions<A extends unknown[]> extends KeyOptions<A>, RunFnOptions {
  /** A fixed key for every call (rather than one per distinct call). */
  key?: string | undefined;
}

/**
 * Wraps `fn` so that each distinct call runs exactly once under a lease (`client.ai.runFn`):
 * concurrent or repeated calls wait for, or return, the stored result. `fn` gets the lease's
 * `AbortSignal` as an extra last argument.
 */
export function idempotentAi<A extends unknown[], R>(
  client: OnceOnly,
  fn: (...args: [...A, AbortSignal]) => R | Promise<R>,
  options: IdempotentAiOptions<A> = {},
): (...args: A) => Promise<RunFnResult<R>> {
  const { key, keyFn, keyPrefix, keyId, keyVersion, ...runOptions } = options;
  // A fixed key names every call the same: no key is derived from the function or arguments.
  const makeKey =
    key === undefined
      ? keyMaker(fn, { keyFn, keyPrefix, keyId, keyVersion })
      : async () => checkString('key', key, { max: 256 });

  return async (...args: A) => {
    return client.ai.runFn(await makeKey(args), (signal) => fn(...args, signal), runOptions);
  };
}

function keyMaker<A extends unknown[]>(
  fn: (...args: never[]) => unknown,
  options: { [K in keyof KeyOptions<A>]?: KeyOptions<A>[K] | undefined },
): (args: A) => Promise<string> {
  if (typeof fn !== 'function') throw new InvalidInputError('fn', 'must be a function');
  const { keyFn } = options;
  if (keyFn) return async (args) => checkString('keyFn()', keyFn(...args), { max: 256 });

  const id = options.keyId ?? fn.name;
  if (!id) {
    throw new InvalidInputError(
      'keyId',
      'is required for an anonymous function: without it every anonymous function would share keys',
    );
  }
  const prefix = options.keyPrefix ?? 'func';
  const version = options.keyVersion ?? 'v1';
  return async (args) => `${prefix}:${await callKey(version, id, args)}`;
}

/**
 * The hash that names one call: lowercase hex SHA-256 of the canonical JSON of
 * `{ args, fn, v }`. Canonical JSON sorts object keys at every depth, so argument objects that
 * differ only in key order give the same key, and nested fields all count.
 */
export async function callKey(version: string, fnId: string, args: unknown[]): Promise<string> {
  const json = canonicalJson({ v: version, fn: fnId, args }, 'args');
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(json));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * JSON with object keys sorted at every depth. Only plain data is accepted (objects, arrays,
 * strings, finite numbers, booleans, `null`, and values with `toJSON` such as `Date`): anything
 * JSON would flatten (a `Map` or a class instance to `{}`, `NaN` to `null`) is refused, so two
 * different calls never get the same key by accident. Pass a `keyFn` for such arguments.
 */
export function canonicalJson(value: unknown, path = 'value', seen = new Set<object>()): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) refuse(path, `is ${value}, which JSON cannot represent`);
    return JSON.stringify(value);
  }
  if (typeof value !== 'object') refuse(path, `is a ${typeof value}, which JSON cannot represent`);
  if (seen.has(value)) refuse(path, 'refers back to itself');

  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') {
    return canonicalJson(withToJson.toJSON(), path, seen);
  }
  // Instances of classes (a Map, Headers, a class with private fields) keep their state where
  // `Object.entries` does not see it: two different ones would give the same key.
  const prototype = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) {
    refuse(path, `is an instance of ${prototype?.constructor?.name ?? 'a class'}, not plain data`);
  }

  seen.add(value);
  let json: string;
  if (Array.isArray(value)) {
    const items = value.map((item, index) =>
      item === undefined ? 'null' : canonicalJson(item, `${path}[${index}]`, seen),
    );
    json = `[${items.join(',')}]`;
  } else {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(
        ([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item, `${path}.${key}`, seen)}`,
      );
    json = `{${entries.join(',')}}`;
  }
  seen.delete(value);
  return json;
}

function refuse(path: string, why: string): never {
  throw new InvalidInputError(path, `${why}; give a keyFn to make the key yourself`);
}
