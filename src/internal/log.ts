import { readEnv } from './env.js';
import { redactText } from './redact.js';

export type LogLevel = 'off' | 'error' | 'warn' | 'info' | 'debug';

/** Anything with these four methods, `console` included. */
export interface Logger {
  error(message: string, ...rest: unknown[]): void;
  warn(message: string, ...rest: unknown[]): void;
  info(message: string, ...rest: unknown[]): void;
  debug(message: string, ...rest: unknown[]): void;
}

const RANK: Record<LogLevel, number> = { off: 0, error: 1, warn: 2, info: 3, debug: 4 };

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && Object.hasOwn(RANK, value);
}

/**
 * The SDK's log: levelled, silent unless asked, every line prefixed and stripped of secrets.
 * The level comes from the option, else `ONCEONLY_LOG`, else `warn` when a logger was given
 * and `off` when not.
 */
export class Log {
  readonly level: LogLevel;
  readonly #logger: Logger;
  readonly #secrets: readonly string[];

  constructor(options: {
    logger?: Logger | undefined;
    level?: LogLevel | undefined;
    secrets: readonly string[];
  }) {
    const fromEnv = readEnv('ONCEONLY_LOG')?.toLowerCase();
    this.level = options.level ?? (isLogLevel(fromEnv) ? fromEnv : options.logger ? 'warn' : 'off');
    this.#logger = options.logger ?? console;
    this.#secrets = options.secrets;
  }

  enabled(level: Exclude<LogLevel, 'off'>): boolean {
    return RANK[this.level] >= RANK[level];
  }

  debug(message: string): void {
    this.#emit('debug', message);
  }

  info(message: string): void {
    this.#emit('info', message);
  }

  warn(message: string): void {
    this.#emit('warn', message);
  }

  error(message: string): void {
    this.#emit('error', message);
  }

  #emit(level: Exclude<LogLevel, 'off'>, message: string): void {
    if (!this.enabled(level)) return;
    try {
      this.#logger[level](`[onceonly] ${redactText(message, this.#secrets)}`);
    } catch {
      // A logger that throws must not fail the request it reports on (or a heartbeat, where it
      // would become an unhandled rejection); there is nowhere left to report its failure.
    }
  }
}
