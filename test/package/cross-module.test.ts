// Errors across copies of the SDK in one process, with the ESM and the CommonJS builds both
// loaded (cross.mjs): `isOnceOnlyError` of either build recognises the other's errors by their
// brand, and within one build an error thrown by `onceonly-sdk/testing` is `instanceof` the
// classes of `onceonly-sdk`, since both entries share one copy of them.

import { beforeAll, describe, expect, it } from 'vitest';
import { printedJson, runInProject } from './support.js';

interface CrossOutcome {
  names: Record<string, string>;
  twoBuilds: boolean;
  brand: Record<string, boolean>;
  instanceofAcrossEntries: Record<'esm' | 'cjs', { invalidInput: boolean; onceOnly: boolean }>;
}

describe('errors across builds and entries', () => {
  let outcome: CrossOutcome;
  beforeAll(async () => {
    outcome = printedJson(await runInProject(process.execPath, ['cross.mjs'])) as CrossOutcome;
  });

  it('throws the errors the checks are about, from two separate builds', () => {
    expect(outcome.names).toEqual({
      esm: 'InvalidInputError',
      cjs: 'InvalidInputError',
      esmApi: 'AuthenticationError',
      cjsApi: 'AuthenticationError',
      esmTesting: 'InvalidInputError',
      cjsTesting: 'InvalidInputError',
    });
    // With one copy of the classes, the brand checks below would pass without the brand.
    expect(outcome.twoBuilds).toBe(true);
  });

  it("recognises the other build's errors with isOnceOnlyError, and no one else's", () => {
    expect(outcome.brand).toEqual({
      cjsSeesEsm: true,
      esmSeesCjs: true,
      cjsSeesEsmApi: true,
      esmSeesCjsApi: true,
      cjsSeesPlainError: false,
      esmSeesPlainError: false,
      esmSeesLookalike: false,
    });
  });

  it('makes errors of onceonly-sdk/testing instanceof the classes of onceonly-sdk', () => {
    expect(outcome.instanceofAcrossEntries).toEqual({
      esm: { invalidInput: true, onceOnly: true },
      cjs: { invalidInput: true, onceOnly: true },
    });
  });
});
