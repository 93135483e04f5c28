// Proof that the contract check catches a spec the SDK no longer fits: in a copy of the spec,
// check-lock's required request field `key` is renamed to `lock_key`. The real SDK call, which
// sends `key`, must fail against a Prism mock of that copy with a ContractViolationError that
// names the operation and the field. If it passed, the kit could not see a request-side break.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { startPrism } from '../../../scripts/lib/prism.mjs';
import { ContractSession, ContractViolationError } from '../../support/contract/harness.js';

const SPEC = path.resolve(import.meta.dirname, '../../../openapi/onceonly.yaml');
const RENAMED = 'lock_key';

let dir: string | undefined;
let prism: { url: string; stop(): Promise<void> } | undefined;
let session: ContractSession;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'onceonly-broken-spec-'));
  const specPath = path.join(dir, 'onceonly.yaml');
  writeFileSync(specPath, renameRequiredField(readFileSync(SPEC, 'utf8'), 'CheckLockRequest'));

  prism = await startPrism({ spec: specPath });
  session = new ContractSession({
    kind: 'mock',
    url: prism.url,
    upstream: null,
    specPath,
    apiKey: 'once_live_contract_proof',
    prefix: 'proof-',
    reportDir: null,
  });
});

afterAll(async () => {
  try {
    await prism?.stop();
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
});

/** The spec with `key` of the schema `schemaName` renamed, in `properties` and `required`. */
function renameRequiredField(text: string, schemaName: string): string {
  const spec = parseDocument(text);
  const schema = ['components', 'schemas', schemaName];
  const property = spec.getIn([...schema, 'properties', 'key'], true);
  const required = spec.getIn([...schema, 'required']) as { items: { value: unknown }[] };
  const index = required?.items.findIndex((item) => item.value === 'key') ?? -1;
  if (property === undefined || index < 0) {
    throw new Error(`the spec's ${schemaName} no longer has a required \`key\`: update this proof`);
  }

  spec.deleteIn([...schema, 'properties', 'key']);
  spec.setIn([...schema, 'properties', RENAMED], property);
  spec.setIn([...schema, 'required', index], RENAMED);
  return spec.toString();
}

describe('a spec with check-lock’s `key` renamed', () => {
  it('fails the SDK’s check-lock call, naming the operation and the field', async () => {
    const checking = session.check(
      'checkLock',
      (o) => session.client.checkLock({ key: 'proof:1', ttl: 60 }, o),
      { prefer: 'example=locked' },
    );

    const error = await checking.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractViolationError);
    const violation = error as ContractViolationError;
    expect(violation.operationId).toBe('checkLock');
    expect(violation.violations).toContainEqual(
      expect.objectContaining({ where: 'request', field: `body.${RENAMED}` }),
    );
    expect(violation.message).toMatch(/^checkLock: /);
    expect(violation.message).toContain(`request body.${RENAMED}: `);
    expect(violation.message).toContain(`required property '${RENAMED}'`);
  });
});
