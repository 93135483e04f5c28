// `.withResponse()`: the result together with the real Response and the request id.

import { describe, expect, it } from 'vitest';
import { clientWith, EVENT, fakeFetch, json } from '../support/fake-fetch.js';

describe('.withResponse()', () => {
  it('gives data, the Response and the request id of a GET', async () => {
    const body = { id: 'acct_1', email: 'ops@example.com' };
    const headers = { 'X-Request-Id': 'srv-req-1', 'X-RateLimit-Remaining': '41' };
    const fetch = fakeFetch(json(200, body, headers));
    const { data, response, request_id } = await clientWith(fetch).me().withResponse();

    expect(data).toEqual(body);
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    expect(response.headers.get('X-RateLimit-Remaining')).toBe('41');
    expect(request_id).toBe('srv-req-1');
  });

  it('gives data, the Response (201) and the id sent for a POST answered without one', async () => {
    const body = { ok: true, event_id: 'evt_1' };
    const fetch = fakeFetch(json(201, body, { Location: '/v1/runs/run_1' }));
    const { data, response, request_id } = await clientWith(fetch).postEvent(EVENT).withResponse();

    expect(data).toEqual(body);
    expect(response.status).toBe(201);
    expect(response.headers.get('Location')).toBe('/v1/runs/run_1');
    expect(request_id).toBe(fetch.calls[0]?.headers.get('X-Request-Id'));
    expect(request_id).toBeTruthy();
  });

  it('gives the same data when awaited directly, with one request', async () => {
    const fetch = fakeFetch(json(200, { id: 'acct_1' }));
    const promise = clientWith(fetch).me();

    expect(await promise).toEqual({ id: 'acct_1' });
    expect((await promise.withResponse()).data).toEqual({ id: 'acct_1' });
    expect(fetch.calls).toHaveLength(1);
  });
});
