/**
 * Everything the local server remembers, in memory. `reset()` replaces the whole store, so a
 * test starts from nothing. Times are milliseconds of the server's clock.
 */
import type { Schemas } from './types.js';

/** A claimed check-lock key. */
export interface LockRecord {
  ttlSec: number;
  firstSeenAtMs: number;
  expiresAtMs: number;
  /** The `X-Request-Id` of the claim, for replay. */
  requestId: string | null;
}

export type LeaseRecordStatus = 'in_progress' | 'completed' | 'failed' | 'cancelled' | 'expired';

/** The lease on a key, live or finished. Keyed runs hold one too. */
export interface LeaseRecord {
  key: string;
  ttlSec: number;
  leaseId: string;
  version: number;
  firstSeenAtMs: number;
  expiresAtMs: number;
  status: LeaseRecordStatus;
  doneAtMs: number | null;
  result: Record<string, unknown> | null;
  resultHash: string | null;
  errorCode: string | null;
  /** The `X-Request-Id` of the acquisition, and its answer: a retry gets the same answer. */
  requestId: string | null;
  acquired: Schemas['LeaseState'];
  /** The answer of the call that finished the lease, repeated to a retry of that call. */
  outcome: Schemas['LeaseOutcome'] | null;
  /** For a keyed run: when its worker is due to start, for the poll hint. */
  workerDueAtMs: number | null;
}

/** A registered tool, secret included. Answers show `has_secret` and a mask, never this. */
export interface ToolRecord {
  name: string;
  scopeId: string;
  url: string;
  timeoutMs: number;
  maxRetries: number;
  enabled: boolean;
  description: string | null;
  secret: string;
  secretId: string;
}

export interface AgentRecord {
  isEnabled: boolean;
  disabledReason: string | null;
  disabledAtMs: number | null;
}

/** One governed call's decision: an agent log entry, and what caps and budgets count. */
export interface DecisionRecord {
  atMs: number;
  agentId: string;
  tool: string;
  allowed: boolean;
  decision: Schemas['ToolDecision'];
  policyReason: string;
  riskLevel: string;
  argsHash: string;
  /** What the call cost; `null` when it was blocked. */
  spendUsd: number | null;
}

/** The first successful execution of a call, answered again to an identical call. */
export interface DedupRecord {
  atMs: number;
  result: Record<string, unknown> | null;
}

/** Per day and usage kind: what `/v1/usage` and `/v1/metrics` report. */
export interface UsageCounters {
  requests: number;
  usage: number;
  blocked: number;
  polling: number;
}

export interface DayUsage {
  make: UsageCounters;
  ai: UsageCounters;
}

export interface State {
  locks: Map<string, LockRecord>;
  leases: Map<string, LeaseRecord>;
  /** Keyed by `toolKey(scope, name)`. */
  tools: Map<string, ToolRecord>;
  policies: Map<string, Schemas['Policy']>;
  agents: Map<string, AgentRecord>;
  /** Oldest first. */
  decisions: DecisionRecord[];
  /** Keyed by agent, tool and the hash of the canonical arguments. */
  dedup: Map<string, DedupRecord>;
  /** Run timelines, each in order. */
  runs: Map<string, Schemas['RunEvent'][]>;
  /** Recent account events, oldest first. */
  accountEvents: Schemas['AccountEvent'][];
  /** Keyed by `YYYY-MM-DD`. */
  days: Map<string, DayUsage>;
  notifications: Schemas['NotificationSettings'];
  nextEventId: number;
}

export function createState(): State {
  return {
    locks: new Map(),
    leases: new Map(),
    tools: new Map(),
    policies: new Map(),
    agents: new Map(),
    decisions: [],
    dedup: new Map(),
    runs: new Map(),
    accountEvents: [],
    days: new Map(),
    notifications: {
      email_notifications_enabled: true,
      tool_error_notifications_enabled: true,
      run_failure_notifications_enabled: true,
    },
    nextEventId: 1,
  };
}

export function toolKey(scopeId: string, name: string): string {
  return `${scopeId}\n${name}`;
}
