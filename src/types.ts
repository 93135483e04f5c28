/**
 * Public names for the spec's schemas. Every type here comes from `generated/schema.ts`, which
 * openapi-typescript writes from openapi/onceonly.yaml; field names are the wire names.
 */
import type { components } from '../generated/schema.js';

type Schemas = components['schemas'];

export type CheckLockRequest = Schemas['CheckLockRequest'];
export type CheckLockResponse = Schemas['CheckLockResponse'];
export type CheckLockStatus = Schemas['CheckLockStatus'];

export type LeaseStatusValue = Schemas['LeaseStatusValue'];
export type LeaseRequest = Schemas['LeaseRequest'];
export type ExtendRequest = Schemas['ExtendRequest'];
export type ExtendResponse = Schemas['ExtendResponse'];
export type CompleteRequest = Schemas['CompleteRequest'];
export type FailRequest = Schemas['FailRequest'];
export type CancelRequest = Schemas['CancelRequest'];
export type RunKeyedRequest = Schemas['RunKeyedRequest'];
export type RunToolRequest = Schemas['RunToolRequest'];
export type RunMetadata = Schemas['RunMetadata'];
export type RunAction = Schemas['RunAction'];
export type LeaseState = Schemas['LeaseState'];
export type LeaseStatus = Schemas['LeaseStatus'];
export type LeaseOutcome = Schemas['LeaseOutcome'];
export type AiResult = Schemas['AiResult'];
export type ToolRunResult = Schemas['ToolRunResult'];
export type ToolDecision = Schemas['ToolDecision'];

export type Policy = Schemas['Policy'];
export type PolicyRules = Schemas['PolicyRules'];
export type PolicyInput = Schemas['PolicyInput'];
export type PolicyEnvelope = Schemas['PolicyEnvelope'];
export type PolicyTemplate = Schemas['PolicyTemplate'];
export type PricingRule = Schemas['PricingRule'];

export type Tool = Schemas['Tool'];
export type ToolUpsertRequest = Schemas['ToolUpsertRequest'];
export type ToolToggled = Schemas['ToolToggled'];
export type ToolDeleted = Schemas['ToolDeleted'];

export type AgentStatus = Schemas['AgentStatus'];
export type AgentLogItem = Schemas['AgentLogItem'];
export type AgentMetrics = Schemas['AgentMetrics'];
export type MetricsPeriod = Schemas['MetricsPeriod'];

export type RunEventCreate = Schemas['RunEventCreate'];
export type RunEventCreated = Schemas['RunEventCreated'];
export type RunEvent = Schemas['RunEvent'];
export type RunTimeline = Schemas['RunTimeline'];
export type RunList = Schemas['RunList'];
export type RunSummary = Schemas['RunSummary'];
export type AccountEvent = Schemas['AccountEvent'];

export type UsageKind = Schemas['UsageKind'];
export type Usage = Schemas['Usage'];
export type UsageAll = Schemas['UsageAll'];
export type UsageBucket = Schemas['UsageBucket'];
export type Me = Schemas['Me'];
export type NotificationsUpdate = Schemas['NotificationsUpdate'];
export type NotificationSettings = Schemas['NotificationSettings'];
export type AccountMetrics = Schemas['AccountMetrics'];
export type DayMetrics = Schemas['DayMetrics'];
