/**
 * The hosted plans as the local server enforces them: TTLs, monthly quotas, the number of tools
 * and the policy features. Figures are the published ones (pricing page, docs, SDK READMEs).
 */

export type PlanName = 'free' | 'starter' | 'pro' | 'agency';

export type PolicyField =
  | 'allowed_tools'
  | 'blocked_tools'
  | 'max_actions_per_hour'
  | 'max_spend_usd_per_day'
  | 'max_calls_per_tool'
  | 'pricing_rules';

export interface PlanLimits {
  /** The TTL of a check-lock or lease that names none, in seconds. */
  defaultTtlSec: number;
  /** The largest TTL, in seconds; larger ones are clamped to it. */
  maxTtlSec: number;
  /** Check-locks per month. */
  makeLimit: number;
  /** Lease and run acquisitions per month. */
  aiLimit: number;
  /** Whether requests past a monthly limit are refused (402) rather than served. */
  blocksOverLimit: boolean;
  /** Registered tools, all scopes together. */
  maxTools: number;
  /** The policy fields stored; others are dropped. */
  policyFields: readonly PolicyField[];
  /** Whether policies may be made from templates. */
  templates: boolean;
}

/** The server's minimum TTL in seconds: shorter ones are raised to it. */
export const MIN_TTL_SEC = 10;

const LISTS: readonly PolicyField[] = ['allowed_tools', 'blocked_tools'];
const CAPS: readonly PolicyField[] = [
  ...LISTS,
  'max_actions_per_hour',
  'max_spend_usd_per_day',
  'max_calls_per_tool',
];
const ALL: readonly PolicyField[] = [...CAPS, 'pricing_rules'];

const HOUR = 3_600;
const DAY = 86_400;

export const PLANS: Readonly<Record<PlanName, PlanLimits>> = {
  free: {
    defaultTtlSec: 60,
    maxTtlSec: HOUR,
    makeLimit: 1_000,
    aiLimit: 3_000,
    blocksOverLimit: true,
    maxTools: 1,
    policyFields: LISTS,
    templates: false,
  },
  starter: {
    defaultTtlSec: HOUR,
    maxTtlSec: DAY,
    makeLimit: 20_000,
    aiLimit: 100_000,
    blocksOverLimit: false,
    maxTools: 20,
    policyFields: CAPS,
    templates: false,
  },
  pro: {
    defaultTtlSec: 6 * HOUR,
    maxTtlSec: 7 * DAY,
    makeLimit: 200_000,
    aiLimit: 1_000_000,
    blocksOverLimit: false,
    maxTools: 100,
    policyFields: ALL,
    templates: true,
  },
  agency: {
    defaultTtlSec: DAY,
    maxTtlSec: 30 * DAY,
    makeLimit: 2_000_000,
    aiLimit: 10_000_000,
    blocksOverLimit: false,
    maxTools: 1_000,
    policyFields: ALL,
    templates: true,
  },
};

export function isPlanName(value: unknown): value is PlanName {
  return typeof value === 'string' && Object.hasOwn(PLANS, value);
}

/** The TTL in force: the plan's default when none is asked, else clamped to [10 s, plan max]. */
export function effectiveTtl(plan: PlanLimits, ttl: number | undefined): number {
  if (ttl === undefined) return plan.defaultTtlSec;
  return Math.min(plan.maxTtlSec, Math.max(MIN_TTL_SEC, ttl));
}
