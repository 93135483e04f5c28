/**
 * A signal that aborts when `timeoutMs` has passed or when `parent` aborts, whichever comes
 * first. `expired` tells which. `dispose()` removes the timer and the listener on `parent`.
 */
export class Deadline {
  readonly signal: AbortSignal;
  readonly #controller = new AbortController();
  readonly #timer: ReturnType<typeof setTimeout>;
  readonly #parent: AbortSignal | undefined;
  readonly #onParentAbort = () => this.#controller.abort(this.#parent?.reason);
  #expired = false;

  constructor(timeoutMs: number, parent?: AbortSignal) {
    this.signal = this.#controller.signal;
    this.#parent = parent;
    this.#timer = setTimeout(() => {
      this.#expired = true;
      this.#controller.abort();
    }, timeoutMs);

    if (parent?.aborted) this.#onParentAbort();
    else parent?.addEventListener('abort', this.#onParentAbort, { once: true });
  }

  /** True when the time ran out (rather than the parent aborting). */
  get expired(): boolean {
    return this.#expired && !this.#parent?.aborted;
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#parent?.removeEventListener('abort', this.#onParentAbort);
  }
}
