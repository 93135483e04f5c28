/** Conversions between the server's clock (milliseconds) and the API's time formats. */

export const SECOND_MS = 1_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** ISO-8601 UTC to the second, ending in `Z`, as the API writes times. */
export function isoTime(ms: number): string {
  return new Date(Math.floor(ms / SECOND_MS) * SECOND_MS).toISOString().replace('.000Z', 'Z');
}

/** Whole Unix seconds, as in `ts` of logs, events and runs. */
export function unixSeconds(ms: number): number {
  return Math.floor(ms / SECOND_MS);
}

/** The UTC day, `YYYY-MM-DD`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The UTC billing month, `YYYY-MM`. */
export function utcMonth(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** Whole seconds from `fromMs` until `untilMs`, rounded up, never below 0. */
export function secondsUntil(untilMs: number, fromMs: number): number {
  return Math.max(0, Math.ceil((untilMs - fromMs) / SECOND_MS));
}
