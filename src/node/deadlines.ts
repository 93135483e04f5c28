/**
 * Deadlines of many requests and idle connections on one timer. A timer per request costs more
 * than the rest of the SDK's work on a keep-alive request: arming and clearing it, and the
 * event loop keeping it in order. Here one timer, unreferenced so that it never holds the
 * process open, is armed for the earliest deadline. A deadline that is removed before it comes
 * costs a `Set` entry and nothing else; the timer, when it fires, calls what is due and
 * re-arms itself for the next deadline, or stays off when none is left.
 */
export interface Deadline {
  /** When it is due, on `Date.now()`'s clock. */
  readonly at: number;
  readonly onDue: () => void;
}

export class Deadlines {
  readonly #pending = new Set<Deadline>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #armedAt = Number.POSITIVE_INFINITY;

  /** Calls `onDue` in `ms` milliseconds, unless the deadline is removed before. */
  add(ms: number, onDue: () => void): Deadline {
    const deadline = { at: Date.now() + ms, onDue };
    this.#pending.add(deadline);
    if (deadline.at < this.#armedAt) this.#arm(deadline.at);
    return deadline;
  }

  remove(deadline: Deadline): void {
    this.#pending.delete(deadline);
  }

  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#armedAt = at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, at - Date.now()));
    // Node's timers have `unref`; a timer faked by a test may not.
    this.#timer.unref?.();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    const due: Deadline[] = [];
    for (const deadline of this.#pending) {
      if (deadline.at <= now) due.push(deadline);
      else next = Math.min(next, deadline.at);
    }
    for (const deadline of due) this.#pending.delete(deadline);
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next);
    for (const deadline of due) deadline.onDue();
  }
}
