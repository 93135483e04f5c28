/**
 * Deadlines of many requests, or of many idle connections, on one timer. A timer per request
 * costs more than the rest of the SDK's work on a keep-alive request: arming and clearing it,
 * and the event loop keeping it in order. Here one timer, unreferenced so that it never holds
 * the process open, is armed for the earliest deadline. Removing a deadline before it comes
 * unlinks it from a list and leaves the timer alone; the timer, when it fires, calls what is
 * due and re-arms itself for the next deadline, or stays off when none is left.
 *
 * The list is kept in order of time, searched from its end: deadlines that all come from one
 * duration are added at the end at once. Give each duration a `Deadlines` of its own (see
 * `deadlinesOf`). Times are read from `performance.now()`, which a change of the system clock
 * does not move.
 */
export interface Deadline {
  /** When it is due, on `performance.now()`'s clock. */
  readonly at: number;
}

interface Entry extends Deadline {
  readonly onDue: () => void;
  prev: Entry | null;
  next: Entry | null;
  linked: boolean;
}

export class Deadlines {
  #head: Entry | null = null;
  #tail: Entry | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #armedAt = Number.POSITIVE_INFINITY;

  /** Calls `onDue` in `ms` milliseconds, unless the deadline is removed before. */
  add(ms: number, onDue: () => void): Deadline {
    const entry: Entry = {
      at: performance.now() + ms,
      onDue,
      prev: null,
      next: null,
      linked: true,
    };
    let before = this.#tail;
    while (before !== null && before.at > entry.at) before = before.prev;
    this.#insertAfter(before, entry);
    if (entry.at < this.#armedAt) this.#arm(entry.at);
    return entry;
  }

  remove(deadline: Deadline): void {
    const entry = deadline as Entry;
    if (!entry.linked) return;
    entry.linked = false;
    if (entry.prev) entry.prev.next = entry.next;
    else this.#head = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else this.#tail = entry.prev;
    entry.prev = entry.next = null;
  }

  #insertAfter(before: Entry | null, entry: Entry): void {
    entry.prev = before;
    entry.next = before ? before.next : this.#head;
    if (entry.next) entry.next.prev = entry;
    else this.#tail = entry;
    if (before) before.next = entry;
    else this.#head = entry;
  }

  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#armedAt = at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, at - performance.now()));
    // Node's timers have `unref`; a timer faked by a test may not.
    this.#timer.unref?.();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    const due: Entry[] = [];
    while (this.#head !== null && this.#head.at <= now) {
      due.push(this.#head);
      this.remove(this.#head);
    }
    if (this.#head !== null) this.#arm(this.#head.at);

    // Every due deadline is called, even when one of them throws; the first error is thrown
    // after, as a timer's callback would throw it.
    let failure: { error: unknown } | undefined;
    for (const entry of due) {
      try {
        entry.onDue();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}

const byDuration = new Map<number, Deadlines>();

/** The process's `Deadlines` for deadlines of `ms` milliseconds. */
export function deadlinesOf(ms: number): Deadlines {
  let deadlines = byDuration.get(ms);
  if (deadlines === undefined) {
    deadlines = new Deadlines();
    byDuration.set(ms, deadlines);
  }
  return deadlines;
}
