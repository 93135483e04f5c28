/**
 * Usage counters per UTC day and kind: `make` counts check-locks, `ai` counts lease and
 * keyed-run requests (`usage` only their acquisitions). Months and metrics sum the days.
 */
import type { Ctx, ServerContext } from './context.js';
import { codeError } from './http.js';
import type { DayUsage, State, UsageCounters } from './state.js';
import { utcDay, utcMonth } from './time.js';
import type { Schemas } from './types.js';

export type UsageKind = Schemas['UsageKind'];

/** Adds one to a counter of today. */
export function count(ctx: ServerContext, kind: UsageKind, counter: keyof UsageCounters): void {
  dayUsage(ctx.state, utcDay(ctx.now()))[kind][counter] += 1;
}

/** The counters of `day`, created empty when the day has none. */
function dayUsage(state: State, day: string): DayUsage {
  let usage = state.days.get(day);
  if (!usage) {
    usage = { make: emptyCounters(), ai: emptyCounters() };
    state.days.set(day, usage);
  }
  return usage;
}

/** The counters of `day`, zero when the day has none; nothing is stored. */
export function readDayUsage(state: State, day: string): DayUsage {
  return state.days.get(day) ?? { make: emptyCounters(), ai: emptyCounters() };
}

/** The sum of the counters of the days of `month` (`YYYY-MM`). */
export function monthUsage(state: State, month: string, kind: UsageKind): UsageCounters {
  const total = emptyCounters();
  for (const [day, usage] of state.days) {
    if (!day.startsWith(`${month}-`)) continue;
    for (const counter of Object.keys(total) as (keyof UsageCounters)[]) {
      total[counter] += usage[kind][counter];
    }
  }
  return total;
}

export function monthlyLimit(ctx: ServerContext, kind: UsageKind): number {
  return kind === 'make' ? ctx.plan.makeLimit : ctx.plan.aiLimit;
}

/**
 * On a plan that stops at its monthly limit (free), the 402 to answer once this month's usage
 * has reached it; the refused request is counted as blocked. `null` when the request may go on.
 */
export function refuseOverLimit(c: Ctx, ctx: ServerContext, kind: UsageKind): Response | null {
  const limit = monthlyLimit(ctx, kind);
  const used = monthUsage(ctx.state, utcMonth(ctx.now()), kind).usage;
  if (!ctx.plan.blocksOverLimit || used < limit) return null;

  count(ctx, kind, 'requests');
  count(ctx, kind, 'blocked');
  return codeError(c, 402, 'payment_required', 'Plan limit reached', {
    highlights: 'Plan limit reached',
    plan: ctx.planName,
    limit,
    usage: used,
    upgrade_url: '',
  });
}

function emptyCounters(): UsageCounters {
  return { requests: 0, usage: 0, blocked: 0, polling: 0 };
}
