// A virtual clock for polling scenarios that would take minutes in real time. It replaces the
// global timers and `Date.now`; time jumps to the next timer whenever the process has nothing
// else to do. Only for code whose I/O is promises (a scripted fetch), never real sockets.

class FakeTimer {
  constructor(id) {
    this.id = id;
  }
  ref() {
    return this;
  }
  unref() {
    return this;
  }
  hasRef() {
    return true;
  }
  refresh() {
    return this;
  }
  [Symbol.toPrimitive]() {
    return this.id;
  }
}

/** Installs the clock. `now()` is the virtual time in ms; `run(promise)` drives it to the end. */
export function installFakeClock(startMs = Date.UTC(2026, 0, 1)) {
  const realSetImmediate = globalThis.setImmediate;
  let now = 0;
  let nextId = 1;
  const timers = new Map();

  globalThis.setTimeout = (fn, ms = 0, ...args) => {
    const timer = new FakeTimer(nextId++);
    timers.set(timer.id, { at: now + Math.max(0, Number(ms) || 0), id: timer.id, fn, args });
    return timer;
  };
  globalThis.clearTimeout = (timer) => {
    if (timer != null) timers.delete(Number(timer));
  };
  Date.now = () => startMs + now;

  const idle = () => new Promise((resolve) => realSetImmediate(resolve));

  return {
    now: () => now,
    /** Resolves with `promise`'s outcome, advancing virtual time while nothing else can run. */
    async run(promise) {
      let settled = false;
      const outcome = promise.then(
        (value) => ({ value }),
        (error) => ({ error }),
      );
      outcome.then(() => {
        settled = true;
      });
      while (!settled) {
        // A few turns of the real event loop let every pending promise chain finish first.
        for (let i = 0; i < 3 && !settled; i++) await idle();
        if (settled) break;
        if (timers.size === 0) throw new Error('fake clock: nothing pending and not settled');
        let next;
        for (const timer of timers.values()) {
          if (!next || timer.at < next.at || (timer.at === next.at && timer.id < next.id)) {
            next = timer;
          }
        }
        timers.delete(next.id);
        now = Math.max(now, next.at);
        next.fn(...next.args);
      }
      const { value, error } = await outcome;
      if (error) throw error;
      return value;
    },
  };
}
