/**
 * The account: usage against the plan (`/v1/usage`, `/v1/usage/all`), daily metrics
 * (`/v1/metrics`), and the account itself (`/v1/me`, `/v1/me/notifications`).
 */
import type { App, Ctx, ServerContext } from './context.js';
import { codeError, json, readBody, readQuery } from './http.js';
import { DAY_MS, utcDay, utcMonth } from './time.js';
import type { Schemas } from './types.js';
import { monthlyLimit, monthUsage, readDayUsage, type UsageKind } from './usage.js';
import { bool, obj, oneOf, str } from './validation.js';

/** The longest range of `/v1/metrics`, in days, both ends included. */
export const MAX_METRICS_DAYS = 366;

const NOTIFICATIONS_BODY = obj({
  email_notifications_enabled: bool(),
  tool_error_notifications_enabled: bool(),
  run_failure_notifications_enabled: bool(),
});
const DAY = str({ pattern: /^\d{4}-\d{2}-\d{2}$/ });

export function registerAccount(app: App, ctx: ServerContext): void {
  app.get('/v1/usage', (c) => {
    const query = readQuery<{ kind?: UsageKind }>(c, { kind: oneOf(['make', 'ai']) });
    if (query instanceof Response) return query;

    const kind = query.kind ?? 'make';
    const month = utcMonth(ctx.now());
    const { requests, usage, blocked } = monthUsage(ctx.state, month, kind);
    const body: Schemas['Usage'] = {
      plan: ctx.planName,
      month,
      usage,
      limit: monthlyLimit(ctx, kind),
      requests_total_month: requests,
      blocked_total_month: blocked,
    };
    return json(c, body);
  });

  app.get('/v1/usage/all', (c) => {
    const month = utcMonth(ctx.now());
    const bucket = (kind: UsageKind): Schemas['UsageBucket'] => {
      const { requests, usage, blocked, polling } = monthUsage(ctx.state, month, kind);
      return {
        usage,
        limit: monthlyLimit(ctx, kind),
        requests_total_month: requests,
        blocked_total_month: blocked,
        charged_total_month: usage,
        polling_total_month: polling,
      };
    };
    const body: Schemas['UsageAll'] = {
      plan: ctx.planName,
      month,
      make: bucket('make'),
      ai: bucket('ai'),
    };
    c.header('X-OnceOnly-Plan', ctx.planName);
    c.header('X-OnceOnly-Month', month);
    return json(c, body);
  });

  app.get('/v1/metrics', (c) => {
    const range = metricsRange(c, ctx);
    if (range instanceof Response) return range;

    const days: Schemas['DayMetrics'][] = [];
    for (let ms = range.fromMs; ms <= range.toMs; ms += DAY_MS) {
      const usage = readDayUsage(ctx.state, utcDay(ms));
      const day = (kind: UsageKind): Schemas['DayUsage'] => ({
        requests_total: usage[kind].requests,
        usage: usage[kind].usage,
        blocked_total: usage[kind].blocked,
      });
      days.push({ day: utcDay(ms), make: day('make'), ai: day('ai') });
    }
    const body: Schemas['AccountMetrics'] = {
      from_day: utcDay(range.fromMs),
      to_day: utcDay(range.toMs),
      days,
    };
    return json(c, body);
  });

  app.get('/v1/me', (c) => {
    const me: Schemas['Me'] = { plan: ctx.planName, ...ctx.state.notifications };
    return json(c, me);
  });

  app.post('/v1/me/notifications', async (c) => {
    const body = await readBody<Schemas['NotificationsUpdate']>(c, NOTIFICATIONS_BODY);
    if (body instanceof Response) return body;
    if (Object.keys(body).length === 0) {
      const message = 'set at least one of the three notification settings';
      return codeError(c, 422, 'empty_update', message);
    }

    Object.assign(ctx.state.notifications, body);
    const settings: Schemas['NotificationSettings'] = { ...ctx.state.notifications };
    return json(c, settings);
  });
}

/**
 * The days of a metrics request as UTC midnights: `to_day` defaults to today, `from_day` to 29
 * days before it. A day that does not exist, a range ending before it starts or longer than
 * `MAX_METRICS_DAYS` is a 422.
 */
function metricsRange(c: Ctx, ctx: ServerContext): { fromMs: number; toMs: number } | Response {
  const query = readQuery<{ from_day?: string; to_day?: string }>(c, {
    from_day: DAY,
    to_day: DAY,
  });
  if (query instanceof Response) return query;

  const toMs = query.to_day === undefined ? startOfDay(ctx.now()) : dayStart(query.to_day);
  const fromMs = query.from_day === undefined ? toMs - 29 * DAY_MS : dayStart(query.from_day);
  if (Number.isNaN(fromMs) || Number.isNaN(toMs)) {
    return codeError(c, 422, 'invalid_day', 'from_day and to_day must be days that exist');
  }
  if (toMs < fromMs) return codeError(c, 422, 'invalid_range', 'to_day is before from_day');
  if ((toMs - fromMs) / DAY_MS + 1 > MAX_METRICS_DAYS) {
    const message = `the range is longer than ${MAX_METRICS_DAYS} days`;
    return codeError(c, 422, 'invalid_range', message);
  }
  return { fromMs, toMs };
}

function startOfDay(ms: number): number {
  return ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
}

/** The UTC midnight of `YYYY-MM-DD`, or `NaN` when no such day exists (`2026-02-30`). */
function dayStart(day: string): number {
  const ms = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(ms) || utcDay(ms) !== day ? Number.NaN : ms;
}
