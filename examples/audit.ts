// Audit: what an agent did in the last day, and its totals.
//
//   npm run demo -- examples/audit.ts

import { OnceOnly } from 'onceonly-sdk';

const client = new OnceOnly();
const agent = 'support_bot';

const logs = await client.gov.agentLogs(agent, { limit: 20 });
for (const entry of logs) {
  const when = new Date(entry.ts * 1000).toISOString();
  const cost = entry.spend_usd === undefined ? '' : `, $${entry.spend_usd}`;
  console.log(`${when} ${entry.tool}: ${entry.decision} (${entry.policy_reason}${cost})`);
}

const metrics = await client.gov.agentMetrics(agent, { period: 'day' });
console.log(
  `last ${metrics.period}: ${metrics.total_actions} actions, ${metrics.blocked_actions} blocked, ` +
    `$${metrics.total_spend_usd} spent; top: ${metrics.top_tools.map((t) => `${t.tool} ${t.count}`).join(', ')}`,
);
