// The Node sender's shared timer: each deadline is called at its time and not before, a removed
// one never is, and the timer neither holds the process open nor stays armed with nothing due.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Deadlines, deadlinesOf } from '../../src/node/deadlines.js';

describe('Deadlines on fake timers', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('calls each deadline at its time, not before', () => {
    const deadlines = new Deadlines();
    const calls: string[] = [];
    deadlines.add(1_000, () => calls.push('first'));
    deadlines.add(3_000, () => calls.push('second'));

    vi.advanceTimersByTime(999);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual(['first']);
    vi.advanceTimersByTime(1_999);
    expect(calls).toEqual(['first']);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual(['first', 'second']);
  });

  it('calls a shorter deadline added after a longer one at its own time', () => {
    const deadlines = new Deadlines();
    const calls: string[] = [];
    deadlines.add(10_000, () => calls.push('long'));
    deadlines.add(100, () => calls.push('short'));

    vi.advanceTimersByTime(100);
    expect(calls).toEqual(['short']);
    vi.advanceTimersByTime(9_900);
    expect(calls).toEqual(['short', 'long']);
  });

  it('never calls a deadline removed before its time', () => {
    const deadlines = new Deadlines();
    const onDue = vi.fn();
    const kept = vi.fn();
    const removed = deadlines.add(1_000, onDue);
    deadlines.add(2_000, kept);
    deadlines.remove(removed);

    vi.advanceTimersByTime(5_000);
    expect(onDue).not.toHaveBeenCalled();
    expect(kept).toHaveBeenCalledOnce();
  });

  it('calls the deadlines left, in order, whichever were removed', () => {
    const deadlines = new Deadlines();
    const calls: number[] = [];
    const all = [5, 1, 4, 2, 3].map((s) => deadlines.add(s * 1_000, () => calls.push(s)));
    // The first, the last and one in the middle of the list.
    for (const index of [1, 0, 3]) deadlines.remove(all[index] as (typeof all)[number]);
    deadlines.remove(all[1] as (typeof all)[number]);

    vi.advanceTimersByTime(10_000);
    expect(calls).toEqual([3, 4]);
  });

  it('calls every due deadline when one of them throws, then throws its error', () => {
    const deadlines = new Deadlines();
    const after = vi.fn();
    deadlines.add(1_000, () => {
      throw new Error('from the first');
    });
    deadlines.add(1_000, after);

    expect(() => vi.advanceTimersByTime(1_000)).toThrow('from the first');
    expect(after).toHaveBeenCalledOnce();
  });

  it('is not moved by a change of the system clock', () => {
    const deadlines = new Deadlines();
    const onDue = vi.fn();
    deadlines.add(1_000, onDue);

    vi.setSystemTime(Date.now() - 60_000);
    vi.advanceTimersByTime(999);
    expect(onDue).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onDue).toHaveBeenCalledOnce();
  });

  it('keeps one list per duration', () => {
    expect(deadlinesOf(1_234)).toBe(deadlinesOf(1_234));
    expect(deadlinesOf(1_234)).not.toBe(deadlinesOf(4_321));
  });

  it('uses one timer for many deadlines, and none once nothing is left to call', () => {
    const deadlines = new Deadlines();
    const all = Array.from({ length: 100 }, () => deadlines.add(10_000, () => {}));
    expect(vi.getTimerCount()).toBe(1);

    for (const deadline of all) deadlines.remove(deadline);
    vi.advanceTimersByTime(10_000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('calls a deadline added from a due one', () => {
    const deadlines = new Deadlines();
    const later = vi.fn();
    deadlines.add(1_000, () => deadlines.add(500, later));

    vi.advanceTimersByTime(1_499);
    expect(later).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(later).toHaveBeenCalledOnce();
  });
});

describe('Deadlines on real timers', () => {
  it('do not hold the process open', () => {
    const timers = () => process.getActiveResourcesInfo().filter((name) => name === 'Timeout');
    const before = timers().length;
    const deadlines = new Deadlines();
    const deadline = deadlines.add(60_000, () => {});

    expect(timers()).toHaveLength(before);
    deadlines.remove(deadline);
  });
});
