import { AbortError } from '../errors.js';

/**
 * Waits `ms` milliseconds. Rejects with `AbortError` as soon as `signal` aborts, and always
 * removes its timer and its abort listener, so nothing keeps the process alive afterwards.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new AbortError({ cause: signal.reason }));

  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError({ cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
