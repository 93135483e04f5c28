// The smoke scenario every runtime runs against the local server: two check-locks on one key,
// a governed tool call that really reaches the tool, and a keyed run followed to its end. It
// imports nothing: each entry hands it the SDK, bundled for its runtime, and reports what came
// back as JSON, which `expectOutcome` (outcome.ts) checks in Node.

import type { OnceOnly } from 'onceonly-sdk';

export interface ScenarioInput {
  baseUrl: string;
  apiKey: string;
  /** Makes the keys and the agent this runtime's own, so runtimes could share one server. */
  runtime: string;
}

/** The values a user relies on, as the runtime saw them. */
export interface Outcome {
  runtime: string;
  /** The client's base URL, as it resolved it (no environment read in any runtime). */
  baseUrl: string;
  first: LockSeen;
  second: LockSeen;
  call: {
    allowed: boolean;
    decision: string;
    policy_reason: string | null | undefined;
    result: unknown;
  };
  run: { status: string; error_code: string | null | undefined; result: unknown };
  /** The statuses `runAndWait` read on its way, in order. */
  statuses: string[];
}

interface LockSeen {
  locked: boolean;
  duplicate: boolean;
  status: string;
  key: string;
  first_seen_at: unknown;
  request_id: unknown;
  ambiguousDuplicate: boolean;
}

/** The echo tool the scenario registers; the test's tool endpoint answers at this URL. */
export const ECHO_TOOL = {
  name: 'echo',
  url: 'https://tools.example.com/echo',
  secret: 'whsec_runtime_smoke',
} as const;

export async function runScenario(
  sdk: { OnceOnly: typeof OnceOnly },
  { baseUrl, apiKey, runtime }: ScenarioInput,
): Promise<Outcome> {
  const client = new sdk.OnceOnly({ apiKey, baseUrl, maxRetries: 0 });
  const agent_id = `smoke_${runtime}`;

  const key = `smoke:${runtime}:lock`;
  const first = seen(await client.checkLock({ key, ttl: 60, metadata: { runtime } }));
  const second = seen(await client.checkLock({ key, ttl: 60 }));

  await client.gov.createTool({
    name: ECHO_TOOL.name,
    url: ECHO_TOOL.url,
    auth: { type: 'hmac_sha256', secret: ECHO_TOOL.secret },
  });
  await client.gov.upsertPolicy({ agent_id, allowed_tools: [ECHO_TOOL.name] });
  const call = await client.ai.runTool({
    agent_id,
    tool: ECHO_TOOL.name,
    args: { text: `hello from ${runtime}` },
  });

  const statuses: string[] = [];
  const run = await client.ai.runAndWait(
    {
      key: `smoke:${runtime}:run`,
      ttl: 60,
      metadata: { agent_id, actions: [{ tool: ECHO_TOOL.name, args: { text: 'in a run' } }] },
    },
    {
      timeoutMs: 30_000,
      pollIntervalMs: 50,
      maxPollIntervalMs: 250,
      onStatus: (s) => statuses.push(s.status),
    },
  );

  return {
    runtime,
    baseUrl: client.baseUrl,
    first,
    second,
    call: {
      allowed: call.allowed,
      decision: call.decision,
      policy_reason: call.policy_reason,
      result: call.result,
    },
    run: { status: run.status, error_code: run.error_code, result: run.result },
    statuses,
  };
}

function seen(lock: LockSeen): LockSeen {
  const { locked, duplicate, status, key, first_seen_at, request_id, ambiguousDuplicate } = lock;
  return { locked, duplicate, status, key, first_seen_at, request_id, ambiguousDuplicate };
}
