// Every error answer the spec names, for every operation: each status it lists with each of its
// named examples, asked of the Prism mock. The harness validates each body against the
// generated validator of its error schema and checks that the SDK throws the error class of
// that status (check-lock's 409 excepted: a duplicate result) carrying that very body.

import { describe, expect, inject, it } from 'vitest';
import type { ApiError } from '../../../src/index.js';
import { operationCalls } from '../../support/contract/calls.js';
import { ContractSession, errorClassFor } from '../../support/contract/harness.js';

const session = new ContractSession(inject('contract'));
const { client, spec } = session;
const callOf = operationCalls(spec);

const errorExamples = spec.operations.flatMap((operation) =>
  [...operation.responses]
    .filter(([status]) => !status.startsWith('2'))
    .flatMap(([status, response]) =>
      Object.entries(response.examples).map(([name, value]) => ({
        operationId: operation.operationId,
        status: Number(status),
        name,
        value,
      })),
    ),
);

describe('every error example of every operation', () => {
  it('every error status of the spec has a named example to ask for', () => {
    const withoutExample = spec.operations.flatMap((operation) =>
      [...operation.responses]
        .filter(([status, r]) => !status.startsWith('2') && Object.keys(r.examples).length === 0)
        .map(([status]) => `${operation.operationId} ${status}`),
    );

    expect(withoutExample).toEqual([]);
    expect(errorExamples.length).toBeGreaterThan(spec.operations.length);
  });

  it.each(errorExamples)('$operationId → $status $name', async (example) => {
    const { status, body, result, error } = await session.check(
      example.operationId,
      (o) => callOf(example.operationId)(client, o),
      { prefer: `code=${example.status}, example=${example.name}` },
    );

    expect(status).toBe(example.status);
    expect(body).toStrictEqual(example.value);
    if (example.operationId === 'checkLock' && example.status === 409) {
      expect(result).toMatchObject({ duplicate: true, locked: false });
      return;
    }
    const detail = (example.value as { detail?: unknown }).detail;
    expect(error).toBeInstanceOf(errorClassFor(example.status, detail));
    expect(error).toMatchObject({ status: example.status, detail });
    expect((error as ApiError).body).toStrictEqual(example.value);
  });
});
