import type { CheckLockResult } from './check-lock.js';
import type { OnceOnly } from './client.js';
import { InvalidInputError, OnceOnlyError } from './errors.js';
import {
  checkInteger,
  checkKey,
  checkKnownKeys,
  checkObject,
  checkString,
  ID_MAX_LENGTH,
  optional,
} from './internal/validate.js';
import {
  checkRunFnOptions,
  RUN_FN_OPTION_KEYS,
  type RunFnOptions,
  type RunFnResult,
} from './run-fn.js';

interface KeyOptions<A extends unknown[]> {
  /** Makes the key from the arguments. Default: a hash of the arguments (see `callKey`). */
  keyFn?: ((...args: A) => string) | undefined;
  /** Put before the hash: `<keyPrefix>:<hash>`. Default `func`. */
  keyPrefix?: string | undefined;
  /** Names the function in the hash. Default: `fn.name`; required for anonymous functions. */
  keyId?: string | undefined;
  /** Part of the hash: change it to start afresh after changing what the function does. */
  keyVersion?: string | undefined;
}

const KEY_OPTION_KEYS = ['keyFn', 'keyPrefix', 'keyId', 'keyVersion'] as const;
const DUPLICATE_OPTION_KEYS = ['onDuplicate', 'returnValueOnDuplicate'] as const;
// `<prefix>:` and 64 hex characters must fit in a key.
const MAX_PREFIX_LENGTH = ID_MAX_LENGTH - 65;

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
  onDuplicate?: ((lock: CheckLockResult, ...args: A) => D | Promise<D>) | undefined;
  /** Returned for a duplicate call when there is no `onDuplicate`. Default `undefined`. */
  returnValueOnDuplicate?: D | undefined;
}

/**
 * Wraps `fn` so that each distinct call runs once: its key is claimed with `checkLock`, and a
 * call whose key is already claimed returns `onDuplicate(lock, ...args)` (or
 * `returnValueOnDuplicate`) instead of running. The key is `keyFn(...args)`, or `keyPrefix:`
 * followed by the SHA-256 of the arguments in canonical JSON (see `callKey`). Every option is
 * checked when wrapping: a bad one throws `InvalidInputError` here, not at the first call.
 */
export function idempotent<A extends unknown[], R, D = undefined>(
  client: OnceOnly,
  fn: (...args: A) => R | Promise<R>,
  options: IdempotentOptions<A, D> = {},
): (...args: A) => Promise<R | D> {
  checkFunction('fn', fn, true);
  checkKnownKeys('options', checkObject('options', options), [
    ...KEY_OPTION_KEYS,
    ...DUPLICATE_OPTION_KEYS,
    'ttl',
  ]);
  const makeKey = keyMaker(fn, options);
  const ttl = checkInteger('ttl', options.ttl ?? 86_400, { min: 1 });
  const { onDuplicate } = options;
  checkFunction('onDuplicate', onDuplicate);

  return async (...args: A) => {
    const lock = await client.checkLock({ key: await makeKey(args), ttl });
    if (lock.locked) return fn(...args);
    if (onDuplicate) return onDuplicate(lock, ...args);
    // The claim may be this call's own (a retry whose first answer was lost): neither running
    // nor skipping is safe to decide here.
    if (lock.ambiguousDuplicate) throw new AmbiguousDuplicateError(lock);
    return options.returnValueOnDuplicate as D;
  };
}

/** A `runFn` outcome in which this call did not run the function. */
export type DuplicateRun = Exclude<RunFnResult, { outcome: 'ran' }>;

export interface IdempotentAiOptions<A extends unknown[], D = never>
  extends KeyOptions<A>,
    RunFnOptions {
  /** A fixed key for every call (rather than one per distinct call). */
  key?: string | undefined;
  /**
   * Called for a duplicate call, one that did not run the function (`waited`, `finished` or
   * `not_acquired`): it gets that outcome, with the stored result, and the arguments, and its
   * value is returned.
   */
  onDuplicate?: ((run: DuplicateRun, ...args: A) => D | Promise<D>) | undefined;
  /**
   * Returned for a duplicate call when there is no `onDuplicate`. Default: the outcome itself
   * (`{ outcome, result }`, `result` being the stored result).
   */
  returnValueOnDuplicate?: D | undefined;
}

/**
 * Wraps `fn` so that each distinct call runs exactly once under a lease (`client.ai.runFn`):
 * concurrent or repeated calls wait for, or return, the stored result. `fn` gets the lease's
 * `AbortSignal` as an extra last argument. A call that ran `fn` resolves to its `runFn`
 * outcome (`{ outcome: 'ran', value, result }`); a duplicate to `onDuplicate(run, ...args)`,
 * else `returnValueOnDuplicate`, else its outcome. Every option, the `runFn` ones included, is
 * checked when wrapping.
 */
export function idempotentAi<A extends unknown[], R, D = never>(
  client: OnceOnly,
  fn: (...args: [...A, AbortSignal]) => R | Promise<R>,
  options: IdempotentAiOptions<A, D> = {},
): (...args: A) => Promise<RunFnResult<R> | D> {
  checkFunction('fn', fn, true);
  checkKnownKeys('options', checkObject('options', options), [
    'key',
    ...KEY_OPTION_KEYS,
    ...DUPLICATE_OPTION_KEYS,
    ...RUN_FN_OPTION_KEYS,
  ]);
  const { key, keyFn, keyPrefix, keyId, keyVersion, onDuplicate, returnValueOnDuplicate, ...run } =
    options;
  checkRunFnOptions(run);
  checkFunction('onDuplicate', onDuplicate);
  const makeKey = key === undefined ? keyMaker(fn, { keyFn, keyPrefix, keyId, keyVersion }) : null;
  if (makeKey === null) {
    checkKey(key);
    // A fixed key names every call the same: options that derive a key would be ignored.
    const deriving = KEY_OPTION_KEYS.find((name) => options[name] !== undefined);
    if (deriving) throw new InvalidInputError(deriving, 'cannot be combined with a fixed key');
  }

  return async (...args: A) => {
    const callKey = makeKey ? await makeKey(args) : (key as string);
    const outcome = await client.ai.runFn(callKey, (signal) => fn(...args, signal), run);
    if (outcome.outcome === 'ran') return outcome;
    if (onDuplicate) return onDuplicate(outcome, ...args);
    return returnValueOnDuplicate === undefined ? outcome : returnValueOnDuplicate;
  };
}

function keyMaker<A extends unknown[]>(
  fn: (...args: never[]) => unknown,
  options: KeyOptions<A>,
): (args: A) => Promise<string> {
  const { keyFn } = options;
  checkFunction('keyFn', keyFn);
  const prefix = checkString('keyPrefix', options.keyPrefix ?? 'func', {
    max: MAX_PREFIX_LENGTH,
  });
  const version = checkString('keyVersion', options.keyVersion ?? 'v1');
  const id = optional('keyId', options.keyId, checkString) ?? fn.name;
  if (keyFn) return async (args) => checkKey(keyFn(...args), 'keyFn()');

  if (!id) {
    throw new InvalidInputError(
      'keyId',
      'is required for an anonymous function: without it every anonymous function would share keys',
    );
  }
  return async (args) => `${prefix}:${await callKey(version, id, args)}`;
}

/** Refuses a value that is not a function, unless it is optional and not given. */
function checkFunction(field: string, value: unknown, required = false): void {
  if ((required || value !== undefined) && typeof value !== 'function') {
    throw new InvalidInputError(field, 'must be a function');
  }
}

/**
 * The hash that names one call: lowercase hex SHA-256 of the canonical JSON of
 * `{ args, fn, v }`. Canonical JSON sorts object keys at every depth, so argument objects that
 * differ only in key order give the same key, and nested fields all count. Trailing `undefined`
 * arguments are left out: `f(a)` and `f(a, undefined)` are the same call (a parameter's default
 * applies to both), so they get the same key.
 */
export async function callKey(version: string, fnId: string, args: unknown[]): Promise<string> {
  let count = args.length;
  while (count > 0 && args[count - 1] === undefined) count--;
  const json = canonicalJson({ v: version, fn: fnId, args: args.slice(0, count) }, 'args');
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(json));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * JSON with object keys sorted at every depth. Only plain data is accepted (objects, arrays,
 * strings, finite numbers, booleans, `null`, and values with `toJSON` such as `Date`): anything
 * JSON would flatten (a `Map` or a class instance to `{}`, `NaN` to `null`) is refused, so two
 * different calls never get the same key by accident. Pass a `keyFn` for such arguments.
 * `undefined` is written as `JSON.stringify` writes it: an object field holding it is left out
 * (the same as no field), and an array item that is `undefined` or a hole is `null`.
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
    // `Array.from` visits holes too, which `map` would skip and `join` leave empty.
    const items = Array.from(value, (item: unknown, index) =>
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
