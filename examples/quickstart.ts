// The quickstart of the OnceOnly docs, in TypeScript: claim a webhook's key once, give an agent
// a policy, register the tool it may call, make a governed tool call, and run a long job to its
// end.
//
// Run it with `npm run demo` (against a local mock of the API), or against any server:
//   ONCEONLY_BASE_URL=http://localhost:8080 ONCEONLY_API_KEY=once_live_... \
//     npx tsx examples/quickstart.ts

import { isOnceOnlyError, OnceOnly } from 'onceonly-sdk';

const client = new OnceOnly(); // reads ONCEONLY_API_KEY and ONCEONLY_BASE_URL

async function main() {
  console.log(`OnceOnly at ${client.baseUrl}\n`);

  // 1. Exactly once: a payment webhook may arrive twice; only the first claim goes ahead.
  for (const delivery of ['first delivery', 'redelivery']) {
    const lock = await client.checkLock({
      key: 'payment:invoice:INV-123',
      ttl: 3600,
      metadata: { invoice_id: 'INV-123', amount_usd: 49 },
    });
    if (lock.locked) {
      console.log(`${delivery}: ${lock.key} locked for ${lock.ttl} s, charging the invoice`);
    } else {
      console.log(`${delivery}: duplicate, first seen at ${lock.first_seen_at}; skipped`);
    }
  }

  // 2. A policy for the support bot: what it may call, and how much.
  const { policy } = await client.gov.upsertPolicy({
    agent_id: 'support_bot',
    allowed_tools: ['send_email', 'create_ticket'],
    blocked_tools: ['delete_user'],
    max_actions_per_hour: 100,
    max_spend_usd_per_day: 50,
  });
  const allows = policy.allowed_tools?.join(', ');
  const blocks = policy.blocked_tools?.join(', ');
  console.log(
    `policy support_bot: allows ${allows}; blocks ${blocks}; ` +
      `${policy.max_actions_per_hour} actions/hour, $${policy.max_spend_usd_per_day}/day`,
  );

  // 3. The tool OnceOnly calls for the agent, with HMAC-signed requests.
  const tool = await client.gov.createTool({
    name: 'send_email',
    scope_id: 'global',
    url: 'https://tools.example.com/send-email',
    auth: { type: 'hmac_sha256', secret: process.env.SEND_EMAIL_SECRET ?? 'whsec_demo_secret' },
    timeout_ms: 15_000,
    max_retries: 2,
    description: 'Send a transactional email',
  });
  console.log(
    `tool ${tool.name} (${tool.scope_id}): ${tool.enabled ? 'enabled' : 'disabled'}, ` +
      `secret ${tool.has_secret ? (tool.secret_mask ?? 'stored') : 'missing'}`,
  );

  // 4. A governed call: OnceOnly checks the policy, then calls the tool (or refuses).
  const call = await client.ai.runTool({
    agent_id: 'support_bot',
    tool: 'send_email',
    args: { to: 'user@example.com', subject: 'Your ticket' },
    spend_usd: 0.01,
  });
  console.log(
    call.allowed
      ? `governed call send_email: ${call.decision}, result ${JSON.stringify(call.result)}`
      : `governed call send_email: blocked (${call.policy_reason})`,
  );

  // 5. A long job, started once and followed to its end.
  const result = await client.ai.runAndWait(
    {
      key: 'support_chat:abc123',
      ttl: 1800,
      metadata: {
        agent_id: 'support_bot',
        actions: [{ tool: 'send_email', args: { to: 'user@example.com' }, spend_usd: 0.01 }],
      },
    },
    {
      timeoutMs: 60_000,
      onStatus: (status) => console.log(`run support_chat:abc123: ${status.status}`),
    },
  );
  console.log(
    `run support_chat:abc123 ended ${result.status}` +
      (result.error_code ? ` (${result.error_code})` : '') +
      `, result ${JSON.stringify(result.result)}`,
  );
}

main().catch((error: unknown) => {
  console.error(isOnceOnlyError(error) ? `${error.name}: ${error.message}` : error);
  process.exitCode = 1;
});
