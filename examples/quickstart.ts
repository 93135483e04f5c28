// The quickstart of the OnceOnly docs, in TypeScript: claim a webhook's key once, register the
// tools an agent may call, give the agent a policy, make a governed tool call, and run a long
// job to its end.
//
//   npm run demo                      against a local OnceOnly server that it starts, with tool
//                                     endpoints that check OnceOnly's signature
//
// or against any server, e.g. the local one (`npm run local -- --port 8080`):
//
//   ONCEONLY_BASE_URL=http://127.0.0.1:8080 ONCEONLY_API_KEY=once_live_local \
//     npx tsx examples/quickstart.ts
//
// The tools are registered at tools.example.com, where nothing answers: without `npm run demo`
// the governed call and the run report a tool error, as they would for a tool that is down.

import { isOnceOnlyError, OnceOnly } from 'onceonly-sdk';

const client = new OnceOnly(); // reads ONCEONLY_API_KEY and ONCEONLY_BASE_URL

/** The secret OnceOnly signs its calls to a tool with; the tool checks them with it. */
function toolSecret(name: string): string {
  return process.env[`${name.toUpperCase()}_SECRET`] ?? `whsec_demo_${name}`;
}

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

  // 2. The tools OnceOnly calls for the agent, with HMAC-signed requests. A policy may name
  //    only registered tools, so they come first.
  const tool = await client.gov.createTool({
    name: 'send_email',
    scope_id: 'global',
    url: 'https://tools.example.com/send-email',
    auth: { type: 'hmac_sha256', secret: toolSecret('send_email') },
    timeout_ms: 15_000,
    max_retries: 2,
    description: 'Send a transactional email',
  });
  console.log(
    `tool ${tool.name} (${tool.scope_id}): ${tool.enabled ? 'enabled' : 'disabled'}, ` +
      `${tool.timeout_ms} ms timeout, ${tool.max_retries} retries, ` +
      `secret ${tool.has_secret ? (tool.secret_mask ?? 'stored') : 'missing'}`,
  );
  for (const [name, description] of [
    ['create_ticket', 'Open a support ticket'],
    ['delete_user', 'Delete a user account'],
  ] as const) {
    await client.gov.createTool({
      name,
      scope_id: 'global',
      url: `https://tools.example.com/${name.replace('_', '-')}`,
      auth: { type: 'hmac_sha256', secret: toolSecret(name) },
      description,
    });
    console.log(`tool ${name} (global) registered`);
  }

  // 3. A policy for the support bot: what it may call, and how much.
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

  // 4. A governed call: OnceOnly checks the policy, then calls the tool (or refuses).
  const call = await client.ai.runTool({
    agent_id: 'support_bot',
    tool: 'send_email',
    args: { to: 'user@example.com', subject: 'Your ticket' },
    spend_usd: 0.01,
  });
  console.log(
    `governed call send_email: ${call.allowed ? 'allowed' : 'blocked'} ` +
      `(${call.decision}, reason ${call.policy_reason}), result ${JSON.stringify(call.result)}`,
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
    `run support_chat:abc123 ended ${result.status}, ` +
      `error code ${result.error_code ?? 'none'}, result ${JSON.stringify(result.result)}`,
  );
}

main().catch((error: unknown) => {
  console.error(isOnceOnlyError(error) ? `${error.name}: ${error.message}` : error);
  process.exitCode = 1;
});
