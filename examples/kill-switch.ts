// The kill switch: stop an agent at once, then let it work again.
//
//   npm run demo -- examples/kill-switch.ts

import { OnceOnly } from 'onceonly-sdk';

const client = new OnceOnly();
const agent = 'support_bot';

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
