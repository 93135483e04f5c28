// Transport smoke test: the typed openapi-fetch client, generated/schema.ts and the spec agree on
// POST /v1/check-lock, as served by the Prism mock.

import createClient from 'openapi-fetch';
import { describe, expect, inject, it } from 'vitest';
import type { paths } from '../../../generated/schema.js';
import { responseExample } from '../../support/spec-examples.js';

const { url, specPath: spec } = inject('contract');
const client = createClient<paths>({ baseUrl: url });

// Prism refuses requests without the credentials the spec's security scheme asks for.
const auth = { Authorization: 'Bearer smoke-test-key' };
const body = { key: 'smoke:1', ttl: 60 };

describe('POST /v1/check-lock through Prism', () => {
  it('returns the `locked` example: this call claimed the key', async () => {
    const { data, response } = await client.POST('/v1/check-lock', {
      body,
      headers: { ...auth, Prefer: 'example=locked' },
    });

    expect(response.status).toBe(200);
    expect(data).toEqual(responseExample(spec, '/v1/check-lock', 'post', '200', 'locked'));
    expect(data?.status).toBe('locked');
    expect(data?.first_seen_at).toBeNull();
  });

  it('returns the `duplicate` example: the key was claimed before', async () => {
    const { data, response } = await client.POST('/v1/check-lock', {
      body,
      headers: { ...auth, Prefer: 'example=duplicate' },
    });

    expect(response.status).toBe(200);
    expect(data).toEqual(responseExample(spec, '/v1/check-lock', 'post', '200', 'duplicate'));
    expect(data?.status).toBe('duplicate');
    expect(typeof data?.first_seen_at).toBe('string');
  });

  it('returns the 409 `duplicate_blocked` example as a typed error', async () => {
    const { data, error, response } = await client.POST('/v1/check-lock', {
      body,
      headers: { ...auth, Prefer: 'code=409' },
    });

    expect(response.status).toBe(409);
    expect(data).toBeUndefined();
    expect(error).toEqual(
      responseExample(spec, '/v1/check-lock', 'post', '409', 'duplicate_blocked'),
    );
  });
});
