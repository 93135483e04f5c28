// One valid SDK call per operation of the spec, with the spec's own request examples as input
// where it has them: what the mock suites send to get each example answer and each error.

import type { OnceOnly, RequestOptions } from '../../../src/index.js';
import type { SpecIndex } from './spec.js';

export type OperationCall = (client: OnceOnly, options: RequestOptions) => PromiseLike<unknown>;

/** The named request example of an operation, as a fresh copy. */
export function requestExample<T>(spec: SpecIndex, operationId: string, name: string): T {
  const examples = spec.byId(operationId).requestExamples;
  if (!(name in examples)) throw new Error(`spec: ${operationId} has no request example ${name}`);
  return structuredClone(examples[name]) as T;
}

/**
 * The SDK call of every operation. `aiRun` has two: key mode (`ai.run`) and tool mode
 * (`ai.runTool`); `example` says which answer is asked for, so the call fits it.
 */
export function operationCalls(spec: SpecIndex) {
  const example = <T>(operationId: string, name: string) =>
    requestExample<T>(spec, operationId, name);

  const calls: Record<string, (example?: string) => OperationCall> = {
    checkLock: () => (c, o) => c.checkLock(example('checkLock', 'withMetadata'), o),
    acquireLease: () => (c, o) => c.ai.lease(example('acquireLease', 'report'), o),
    extendLease: () => (c, o) => c.ai.extend(example('extendLease', 'heartbeat'), o),
    completeLease: () => (c, o) => c.ai.complete(example('completeLease', 'withResult'), o),
    failLease: () => (c, o) => c.ai.fail(example('failLease', 'fnError'), o),
    cancelLease: () => (c, o) => c.ai.cancel(example('cancelLease', 'byUser'), o),
    getLeaseStatus: () => (c, o) => c.ai.status('support_chat:abc123', o),
    getLeaseResult: () => (c, o) => c.ai.result('support_chat:abc123', o),
    aiRun: (name) =>
      name === 'acquired' || name === 'polling'
        ? (c, o) => c.ai.run(example('aiRun', 'keyMode'), o)
        : (c, o) => c.ai.runTool(example('aiRun', 'toolMode'), o),
    listPolicies: () => (c, o) => c.gov.listPolicies(o),
    getPolicy: () => (c, o) => c.gov.getPolicy('support_bot', o),
    upsertPolicy: () => (c, o) => c.gov.upsertPolicy(example('upsertPolicy', 'supportBot'), o),
    policyFromTemplate: () => (c, o) =>
      c.gov.policyFromTemplate(example('policyFromTemplate', 'supportBot'), o),
    listTools: () => (c, o) => c.gov.listTools({ scope_id: 'global' }, o),
    createTool: () => (c, o) => c.gov.createTool(example('createTool', 'sendEmail'), o),
    getTool: () => (c, o) => c.gov.getTool('send_email', { scope_id: 'global' }, o),
    deleteTool: () => (c, o) => c.gov.deleteTool('send_email', { scope_id: 'global' }, o),
    toggleTool: () => (c, o) => c.gov.toggleTool('send_email', example('toggleTool', 'disable'), o),
    disableAgent: () => (c, o) =>
      c.gov.disableAgent('support_bot', example('disableAgent', 'incident'), o),
    enableAgent: () => (c, o) =>
      c.gov.enableAgent('support_bot', example('enableAgent', 'resolved'), o),
    listAgentLogs: () => (c, o) => c.gov.agentLogs('support_bot', { limit: 500 }, o),
    getAgentMetrics: () => (c, o) => c.gov.agentMetrics('support_bot', { period: 'day' }, o),
    listEvents: () => (c, o) => c.events({ limit: 500, offset: 0 }, o),
    postEvent: () => (c, o) => c.postEvent(example('postEvent', 'toolCall'), o),
    listRuns: () => (c, o) => c.listRuns({ limit: 1, offset: 0, q: 'run_' }, o),
    getRun: () => (c, o) => c.getRun('run_support_001', { limit: 2000, offset: 0 }, o),
    getUsage: () => (c, o) => c.usage({ kind: 'make' }, o),
    getUsageAll: () => (c, o) => c.usageAll(o),
    getMe: () => (c, o) => c.me(o),
    updateNotifications: () => (c, o) =>
      c.updateNotifications(example('updateNotifications', 'quietRuns'), o),
    getMetrics: () => (c, o) => c.metrics({ from_day: '2026-03-30', to_day: '2026-03-31' }, o),
  };

  const missing = spec.operations.filter((operation) => !(operation.operationId in calls));
  if (missing.length > 0) {
    throw new Error(`no SDK call for ${missing.map((o) => o.operationId).join(', ')}`);
  }
  return (operationId: string, exampleName?: string): OperationCall => {
    const make = calls[operationId];
    if (!make) throw new Error(`no SDK call for ${operationId}`);
    return make(exampleName);
  };
}
