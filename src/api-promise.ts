/** A result together with the HTTP response it came from. */
export interface WithResponse<T, R = Response> {
  data: T;
  /**
   * The HTTP response: its status, status text and headers, and its body, unread (a copy of
   * the body the SDK read). The same on every runtime and sender.
   */
  response: R;
  /** The response's `X-Request-Id`, else the id the SDK sent. */
  request_id: string | null;
}

/** How a method's result is held until `.withResponse()` asks for the `Response` too. */
export interface Answered<T, R = Response> {
  data: T;
  /** Makes the response, a new one at each call: none is made unless asked for. */
  response: () => R;
  request_id: string | null;
}

/**
 * What every method returns: awaited, it gives the result; `.withResponse()` gives the result
 * together with the raw `Response`. The request starts when the method is called, as with any
 * promise.
 */
export class ApiPromise<T, R = Response> implements PromiseLike<T> {
  readonly #result: Promise<Answered<T, R>>;

  /** Made by the SDK's methods. */
  constructor(result: Promise<Answered<T, R>>) {
    this.#result = result;
  }

  /** The result, the raw `Response` and the request id. */
  withResponse(): Promise<WithResponse<T, R>> {
    return this.#result.then(({ data, response, request_id }) => ({
      data,
      response: response(),
      request_id,
    }));
  }

  // biome-ignore lint/suspicious/noThenProperty: this class is a promise-like on purpose.
  then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#result.then((result) => result.data).then(onFulfilled, onRejected);
  }

  catch<B = never>(onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<T | B> {
    return this.then(undefined, onRejected);
  }

  finally(onFinally?: (() => void) | null): Promise<T> {
    return this.then().finally(onFinally);
  }

  get [Symbol.toStringTag](): string {
    return 'ApiPromise';
  }
}
