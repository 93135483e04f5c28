// The harness's own check: an answer passes only with a status its operation lists in the spec
// and a body that status's schema accepts, so a local server that strays from the spec fails.

import { describe, expect, it } from 'vitest';
import { BASE_URL, checkAnswer } from './support.js';

const get = (path: string) => new Request(`${BASE_URL}${path}`);
const answer = (status: number, body: unknown) =>
  Response.json(body, { status, headers: { 'X-Request-Id': 'req_1' } });

describe('the local server harness', () => {
  it('accepts a status the operation lists, with a body of its schema', async () => {
    await expect(checkAnswer(get('/v1/me'), answer(200, { plan: 'pro' }))).resolves.toBe(undefined);
    const missingPolicy = { detail: { error: 'policy_not_found', message: 'none' } };
    await expect(
      checkAnswer(get('/v1/policies/bot'), answer(404, missingPolicy)),
    ).resolves.toBeUndefined();
  });

  it('refuses a status the operation does not list, though another operation lists it', async () => {
    const notFound = { detail: { error: 'agent_not_found', message: 'no agent' } };
    await expect(checkAnswer(get('/v1/me'), answer(404, notFound))).rejects.toThrow(
      'GET /v1/me → 404: getMe lists only',
    );
    const conflict = { detail: { error: 'lease_mismatch', status: 'in_progress' } };
    await expect(checkAnswer(get('/v1/ai/status?key=k'), answer(409, conflict))).rejects.toThrow(
      'getLeaseStatus lists only',
    );
  });

  it("refuses a body that does not match the status's schema", async () => {
    await expect(checkAnswer(get('/v1/me'), answer(422, { detail: 'no' }))).rejects.toThrow(
      'body does not match the spec',
    );
  });

  it('allows the 404 of a path the spec does not have', async () => {
    const request = get('/v1/nothing-here');
    await expect(checkAnswer(request, answer(404, { detail: 'Not Found' }))).resolves.toBe(
      undefined,
    );
    await expect(checkAnswer(request, answer(200, {}))).rejects.toThrow('no such operation');
  });
});
