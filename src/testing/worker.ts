/**
 * The background worker of keyed runs. A job starts `delayMs` after it is scheduled (a plain
 * timer, so fake timers in tests control it), or at once on `flush()`.
 */

type Job = () => Promise<void>;

export class Worker {
  readonly #delayMs: number;
  readonly #pending = new Map<number, { timer: ReturnType<typeof setTimeout>; job: Job }>();
  readonly #running = new Set<Promise<void>>();
  #nextId = 1;

  constructor(delayMs: number) {
    this.#delayMs = delayMs;
  }

  get delayMs(): number {
    return this.#delayMs;
  }

  /** Runs `job` after the delay. A job handles its own failures: it must not reject. */
  schedule(job: Job): void {
    const id = this.#nextId++;
    const timer = setTimeout(() => this.#start(id), this.#delayMs);
    this.#pending.set(id, { timer, job });
  }

  /** Starts every waiting job now and resolves once no job is waiting or running. */
  async flush(): Promise<void> {
    while (this.#pending.size > 0 || this.#running.size > 0) {
      for (const [id, { timer }] of this.#pending) {
        clearTimeout(timer);
        this.#start(id);
      }
      await Promise.all(this.#running);
    }
  }

  /** Drops the jobs that have not started. Running ones finish on the state they began with. */
  cancel(): void {
    for (const { timer } of this.#pending.values()) clearTimeout(timer);
    this.#pending.clear();
  }

  #start(id: number): void {
    const entry = this.#pending.get(id);
    if (!entry) return;
    this.#pending.delete(id);
    const running = entry.job().finally(() => this.#running.delete(running));
    this.#running.add(running);
  }
}
