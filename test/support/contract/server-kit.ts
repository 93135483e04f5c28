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
  /**
   * What the scenario must undo should it stop early: tools to delete, agents to enable again.
   * A scenario adds an entry before the call that creates the thing (the server may create it
   * and still answer off the spec, or not at all) and removes it once it has undone it.
   */
  created: { tools: Set<string>; disabledAgents: Set<string> };
  /** Deletes the tools and re-enables the agents still remembered; tries every one of them. */
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
      // A step that fails does not stop the others; the first failure is thrown at the end.
      const failures: unknown[] = [];
      const attempt = (step: Promise<unknown>) => step.catch((error) => failures.push(error));
      const { gov } = session.client;

      for (const tool of created.tools) {
        await attempt(gov.deleteTool(tool, { scope_id: 'global' }).catch(notFoundIsFine));
      }
      for (const agent of created.disabledAgents) {
        const enabling = gov.enableAgent(agent, { reason: 'contract test cleanup' });
        await attempt(enabling.catch(refusedByPlanIsFine));
      }
      if (failures.length > 0) throw failures[0];
    },
  };
}

function notFoundIsFine(error: unknown): void {
  if (!(error instanceof ApiError && error.status === 404)) throw error;
}

/** A plan without the kill switch refuses to enable an agent it never let anyone disable. */
function refusedByPlanIsFine(error: unknown): void {
  if (!(error instanceof PermissionDeniedError)) throw error;
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
