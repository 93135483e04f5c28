import type { Logger } from '../../src/index.js';

/** A logger that keeps its warnings, and drops every other line. */
export function warningLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const logger = {
    error() {},
    warn: (line: string) => warnings.push(line),
    info() {},
    debug() {},
  };
  return { logger, warnings };
}
