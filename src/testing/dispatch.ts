/**
 * Calling a registered tool as OnceOnly does (the spec's `toolCall` webhook): a JSON POST to its
 * URL, signed with its secret (`X-OnceOnly-Signature`, `X-OnceOnly-Timestamp`,
 * `X-OnceOnly-Signature-Alg`, from `signToolCall`), within the tool's `timeout_ms`, repeated up
 * to `max_retries` times at once after a timeout, a connection failure, 408, 429 or 5xx. The
 * tool must answer 2xx with a JSON object; anything else is a tool error.
 */
import { signToolCall } from '../tool-signature.js';
import type { ServerContext } from './context.js';
import type { ToolRecord } from './state.js';
import { isObject } from './validation.js';

export type ToolOutcome =
  | { ok: true; result: Record<string, unknown> }
  | { ok: false; reason: string };

type Attempt = ToolOutcome & { retryable?: boolean };

/** What the tool receives: its arguments under `args`, and who calls it. */
export interface ToolPayload {
  tool: string;
  agent_id: string;
  args: Record<string, unknown>;
}

export async function callTool(
  ctx: ServerContext,
  tool: ToolRecord,
  payload: ToolPayload,
): Promise<ToolOutcome> {
  const body = JSON.stringify(payload);
  let outcome: Attempt = { ok: false, reason: 'not called' };
  for (let attempt = 0; attempt <= tool.maxRetries; attempt++) {
    outcome = await attemptCall(ctx, tool, body);
    if (outcome.ok || !outcome.retryable) break;
  }
  return outcome.ok ? outcome : { ok: false, reason: outcome.reason };
}

async function attemptCall(ctx: ServerContext, tool: ToolRecord, body: string): Promise<Attempt> {
  const signature = await signToolCall(body, tool.secret, { now: ctx.now() });
  const headers = { 'Content-Type': 'application/json', ...signature };
  const controller = new AbortController();
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // A fetch that ignores its signal still cannot hold the call past the tool's timeout.
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
      reject(new Error('timeout'));
    }, tool.timeoutMs);
  });

  try {
    const call = async () => {
      const response = await ctx.fetchTool(tool.url, {
        method: 'POST',
        headers,
        body,
        signal: controller.signal,
      });
      return { status: response.status, text: await response.text() };
    };
    const { status, text } = await Promise.race([call(), timeout]);
    if (status < 200 || status > 299) {
      const retryable = status === 408 || status === 429 || status >= 500;
      return { ok: false, retryable, reason: `the tool answered HTTP ${status}` };
    }
    const result = parseJson(text);
    if (!isObject(result)) {
      return { ok: false, retryable: false, reason: 'the tool did not answer a JSON object' };
    }
    return { ok: true, result };
  } catch (error) {
    const reason = timedOut
      ? `the tool did not answer within ${tool.timeoutMs} ms`
      : `the tool could not be reached (${error instanceof Error ? error.message : String(error)})`;
    return { ok: false, retryable: true, reason };
  } finally {
    clearTimeout(timer);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
