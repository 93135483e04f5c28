// What the stateful scenarios (test/contract/server/) share: a checked session on the target,
// names under the run's prefix, and the cleanup of what a scenario created.

import { expect, inject, type ProvidedContext } from 'vitest';
import { ApiError, PermissionDeniedError } from '../../../src/index.js';
import { type Checked, ContractSession } from './harness.js';

export interface ServerKit {
  session: ContractSession;
  target: ProvidedContext['contract'];
  /** A key, agent id, run id or tool name of this scenario file, under the run's prefix. */
  name(what: string): string;
  /** Remembers a tool to delete at the end, should the scenario stop before it does. */
  created: { tools: Set<string>; disabledAgents: Set<string> };
  /** Deletes the tools and re-enables the agents still remembered. */
  cleanUp(): Promise<void>;
}

export function serverKit(tag: string): ServerKit {
  const target = inject('contract');
  const session = new ContractSession(target);
  const created = { tools: new Set<string>(), disabledAgents: new Set<string>() };

  return {
    session,
    target,
    name: (what) => `${target.prefix}${tag}-${what}`,
    created,
    async cleanUp() {
      // Not checked: these repeat steps the scenarios check, and must run even after a failure.
      for (const tool of created.tools) {
        await session.client.gov.deleteTool(tool, { scope_id: 'global' }).catch(notFoundIsFine);
      }
      for (const agent of created.disabledAgents) {
        await session.client.gov.enableAgent(agent, { reason: 'contract test cleanup' });
      }
    },
  };
}

function notFoundIsFine(error: unknown): void {
  if (!(error instanceof ApiError && error.status === 404)) throw error;
}

/** The result of a check that must have succeeded; its error (with its body) otherwise. */
export function succeeded<T>(checked: Checked<T>): T {
  if (checked.error !== undefined) throw checked.error;
  return checked.result as T;
}

/** The error of a check that must have failed with `status` and, when given, `code`. */
export function failedWith(checked: Checked<unknown>, status: number, code?: string): ApiError {
  expect(checked.error).toBeInstanceOf(ApiError);
  const error = checked.error as ApiError;
  expect(error.status).toBe(status);
  if (code !== undefined) expect(error.code).toBe(code);
  return error;
}

/**
 * True when the server refused for the account's plan (403 `feature_not_available` or
 * `plan_limit`): a valid answer, after which the scenario cannot go on.
 */
export function refusedByPlan(checked: Checked<unknown>): boolean {
  return checked.error instanceof PermissionDeniedError;
}
