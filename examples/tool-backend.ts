// A tool backend: the endpoint OnceOnly calls for a governed tool call. It accepts only calls
// signed with the tool's secret, within five minutes. The handler is a Web-standard
// `(Request) => Response`, so it runs in Node (e.g. with @hono/node-server), Deno, Bun or a
// worker as it is.
//
// Run as it is, it signs a call as OnceOnly would, sends it to the handler, then a tampered copy;
// it needs no server:
//
//   npx tsx examples/tool-backend.ts    (or npm run demo -- examples/tool-backend.ts)

import { SignatureVerificationError, signToolCall, verifyToolSignature } from 'onceonly-sdk';

const SECRET = process.env.SEND_EMAIL_SECRET ?? 'whsec_demo_send_email';

export async function sendEmailTool(request: Request): Promise<Response> {
  try {
    const { body } = await verifyToolSignature(request, SECRET);
    const { args } = JSON.parse(body) as { args?: { to?: string } };
    return Response.json({ message_id: `msg_${Date.now()}`, to: args?.to ?? null });
  } catch (error) {
    if (error instanceof SignatureVerificationError) {
      return Response.json({ error: error.reason }, { status: 401 });
    }
    throw error;
  }
}

// Try it: one call signed as OnceOnly signs, one tampered with after signing.
const body = JSON.stringify({ args: { to: 'user@example.com' } });
const headers = { 'Content-Type': 'application/json', ...(await signToolCall(body, SECRET)) };
const url = 'http://tool.local/send-email';

const genuine = await sendEmailTool(new Request(url, { method: 'POST', headers, body }));
console.log(`signed call: ${genuine.status} ${await genuine.text()}`);

const tampered = body.replace('user@', 'attacker@');
const forged = await sendEmailTool(new Request(url, { method: 'POST', headers, body: tampered }));
console.log(`tampered call: ${forged.status} ${await forged.text()}`);
