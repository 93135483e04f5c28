// The kill switch: stop an agent at once, then let it work again.
//
//   npm run demo -- examples/kill-switch.ts
//
// or against any server, e.g. the local one (`npm run local -- --port 8080`):
//
//   ONCEONLY_BASE_URL=http://127.0.0.1:8080 ONCEONLY_API_KEY=once_live_local \
//     npx tsx examples/kill-switch.ts

import { OnceOnly } from 'onceonly-sdk';

const client = new OnceOnly();
const agent = 'support_bot';

// The tool the agent will try to call while it is stopped.
await client.gov.createTool({
  name: 'send_email',
  url: 'https://tools.example.com/send-email',
  auth: {
    type: 'hmac_sha256',
    secret: process.env.SEND_EMAIL_SECRET ?? 'whsec_demo_send_email',
  },
});

const stopped = await client.gov.disableAgent(agent, { reason: 'refund loop detected' });
console.log(`${agent}: enabled=${stopped.is_enabled}, since ${stopped.disabled_at}`);

const call = await client.ai.runTool({
  agent_id: agent,
  tool: 'send_email',
  args: { to: 'x@y.z' },
});
console.log(`governed call while disabled: ${call.decision} (${call.policy_reason})`);

const resumed = await client.gov.enableAgent(agent);
console.log(`${agent}: enabled=${resumed.is_enabled}`);
