import { ApiPromise } from '../api-promise.js';
import type { ApiRequest, ApiResponse, RequestOptions, Transport } from './transport.js';

/**
 * Sends the request that `build` makes and gives its parsed body as `T`. `build` runs inside
 * the promise, so an input it refuses rejects the promise rather than throwing at the call,
 * and no request is sent.
 */
export function call<T>(
  transport: Transport,
  build: () => ApiRequest,
  options?: RequestOptions,
  select: (data: unknown, answer: ApiResponse) => T = (data) => data as T,
): ApiPromise<T> {
  const result = (async () => {
    const answer = await transport.request(build(), options);
    const data = select(answer.data, answer);
    return { data, response: answer.incoming.response, request_id: answer.request_id };
  })();
  return new ApiPromise(result);
}
