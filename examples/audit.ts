// Audit: what an agent did, and its totals. Two governed calls first, one allowed and one
// blocked by the agent's policy, so that there is something to read.
//
//   npm run demo -- examples/audit.ts
//
// or against any server, e.g. the local one (`npm run local -- --port 8080`):
//
//   ONCEONLY_BASE_URL=http://127.0.0.1:8080 ONCEONLY_API_KEY=once_live_local \
//     npx tsx examples/audit.ts

import { OnceOnly } from 'onceonly-sdk';

const client = new OnceOnly();
const agent = 'support_bot';
const secretOf = (name: string) =>
  process.env[`${name.toUpperCase()}_SECRET`] ?? `whsec_demo_${name}`;

// A policy may name only registered tools.
for (const [name, path] of [
  ['send_email', '/send-email'],
  ['delete_user', '/delete-user'],
] as const) {
  await client.gov.createTool({
    name,
    url: `https://tools.example.com${path}`,
    auth: { type: 'hmac_sha256', secret: secretOf(name) },
  });
}
await client.gov.upsertPolicy({
  agent_id: agent,
  allowed_tools: ['send_email'],
  blocked_tools: ['delete_user'],
});
await client.ai.runTool({ agent_id: agent, tool: 'send_email', args: { to: 'a@example.com' } });
await client.ai.runTool({ agent_id: agent, tool: 'delete_user', args: { id: 'u_1' } });

const logs = await client.gov.agentLogs(agent, { limit: 20 });
for (const entry of logs) {
  const when = new Date(entry.ts * 1000).toISOString();
  const cost = entry.spend_usd === undefined ? '' : `, $${entry.spend_usd}`;
  console.log(`${when} ${entry.tool}: ${entry.decision} (${entry.policy_reason}${cost})`);
}

const metrics = await client.gov.agentMetrics(agent, { period: 'day' });
const top = metrics.top_tools.map((t) => `${t.tool} ${t.count}`).join(', ');
console.log(
  `last ${metrics.period}: ${metrics.total_actions} actions, ${metrics.blocked_actions} blocked, ` +
    `$${metrics.total_spend_usd} spent; top: ${top}`,
);
