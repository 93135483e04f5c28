// The contract report of a run: every checked exchange, and every failed test with the
// operations it exercised, is appended as one JSON line to a file of its test worker in the
// run's report directory; at the end of the run those lines are gathered per operation of the
// spec, printed as a table and written as JSON.

import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';

export interface Violation {
  /**
   * Which side broke the contract: what the SDK sent, what the server answered, or what the SDK
   * made of the answer.
   */
  where: 'request' | 'response' | 'result';
  /** Where in it, e.g. `body.ttl`, `query.limit`, `header.X-Request-Id`, `status`. */
  field: string;
  message: string;
  /** The offending value, when known. */
  sent?: unknown;
}

export interface ReportLine {
  operationId: string;
  method: string;
  route: string;
  status: number;
  /** The test that made the exchange. */
  test: string;
  violations: Violation[];
}

/**
 * A test that failed after checking exchanges of the operation, for a reason other than a
 * contract violation (those are reported as violations): e.g. a second claim that is not a
 * duplicate. The exchanges fit the spec, but the server did not do what the scenario needs.
 */
export interface FailureLine {
  operationId: string;
  test: string;
  failure: string;
}

export interface TestFailure {
  test: string;
  message: string;
}

export interface OperationReport {
  operationId: string;
  method: string;
  route: string;
  result: 'passed' | 'failed' | 'not run';
  /** How many exchanges were checked. */
  calls: number;
  /** The statuses seen, e.g. `200 404`. */
  statuses: number[];
  violations: (Violation & { test: string; status: number })[];
  /** Tests that exercised the operation and failed for a reason other than a violation. */
  failures: TestFailure[];
}

export interface ContractReport {
  target: string;
  /** Where the SDK's requests went (Prism), and the server Prism forwarded them to. */
  url: string;
  upstream: string | null;
  spec: string;
  finishedAt: string;
  summary: { operations: number; passed: number; failed: number; notRun: number };
  operations: OperationReport[];
}

/** Appends one line to this worker's file (synchronously, so a crash loses none). */
export function appendReport(dir: string, line: ReportLine | FailureLine): void {
  const file = path.join(dir, `${process.pid}-${threadId}.jsonl`);
  appendFileSync(file, `${JSON.stringify(line)}\n`);
}

/** Gathers the lines in `dir` into one entry per operation of `operations`, in spec order. */
export function buildReport(
  dir: string,
  operations: { operationId: string; method: string; route: string }[],
  about: Pick<ContractReport, 'target' | 'url' | 'upstream' | 'spec'>,
): ContractReport {
  const lines: ReportLine[] = [];
  const failed: FailureLine[] = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.jsonl'))) {
    for (const text of readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      if (!text.trim()) continue;
      const line = JSON.parse(text) as ReportLine | FailureLine;
      if ('failure' in line) failed.push(line);
      else lines.push(line);
    }
  }

  const entries = operations.map(({ operationId, method, route }): OperationReport => {
    const mine = lines.filter((line) => line.operationId === operationId);
    const violations = mine.flatMap((line) =>
      line.violations.map((v) => ({ ...v, test: line.test, status: line.status })),
    );
    const failures = failed
      .filter((line) => line.operationId === operationId)
      .map(({ test, failure }) => ({ test, message: failure }));
    const broken = violations.length > 0 || failures.length > 0;
    const result = mine.length === 0 ? 'not run' : broken ? 'failed' : 'passed';
    const statuses = [...new Set(mine.map((line) => line.status))].sort((a, b) => a - b);
    return {
      operationId,
      method,
      route,
      result,
      calls: mine.length,
      statuses,
      violations,
      failures,
    };
  });

  const count = (result: OperationReport['result']) =>
    entries.filter((entry) => entry.result === result).length;
  return {
    ...about,
    finishedAt: new Date().toISOString(),
    summary: {
      operations: entries.length,
      passed: count('passed'),
      failed: count('failed'),
      notRun: count('not run'),
    },
    operations: entries,
  };
}

/** The report as a table, one row per operation, with its violations under it. */
export function formatReport(report: ContractReport): string {
  const via = report.upstream ? `${report.upstream} through a Prism proxy` : 'a Prism mock';
  const rows = [['operation', 'endpoint', 'calls', 'statuses', 'result']];
  const notes: string[][] = [];
  for (const entry of report.operations) {
    rows.push([
      entry.operationId,
      `${entry.method} ${entry.route}`,
      String(entry.calls),
      entry.statuses.join(' '),
      entry.result === 'failed'
        ? `FAILED (${entry.violations.length + entry.failures.length})`
        : entry.result,
    ]);
    notes.push([
      ...uniqueViolations(entry).map((v) => {
        const sent = v.sent === undefined ? '' : ` (sent ${JSON.stringify(v.sent)})`;
        return `      ${v.where} ${v.field}: ${v.message}${sent} [${v.status}; ${v.test}]`;
      }),
      ...entry.failures.map((f) => `      test failed: ${firstLine(f.message)} [${f.test}]`),
    ]);
  }

  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  const text = [`Contract report: ${report.target} (${via}), spec ${report.spec}`];
  rows.forEach((row, index) => {
    text.push(
      `  ${row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd()}`,
    );
    if (index > 0) text.push(...(notes[index - 1] ?? []));
  });
  const { operations, passed, failed, notRun } = report.summary;
  text.push(`  ${operations} operations: ${passed} passed, ${failed} failed, ${notRun} not run`);
  return text.join('\n');
}

/** A failure's message for the table: its first line, shortened; the JSON keeps it whole. */
function firstLine(message: string): string {
  const line = message.split('\n', 1)[0] ?? '';
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}

/** The same violation seen in several calls is listed once. */
function uniqueViolations(entry: OperationReport): OperationReport['violations'] {
  const seen = new Set<string>();
  return entry.violations.filter((v) => {
    const key = `${v.where} ${v.field} ${v.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
