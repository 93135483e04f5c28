// Global setup of the contract projects (vitest.config.ts): starts the target the project names,
// hands it to the tests with `inject('contract')`, and at the end of the run prints and writes
// the report, then stops everything it started, also when the run failed.
//
//   contract         a Prism mock of the spec (request validation on)
//   contract-local   the local server (scripts/onceonly-local.ts) behind `prism proxy --errors`
//   contract-remote  ONCEONLY_BASE_URL behind `prism proxy --errors`, with ONCEONLY_API_KEY;
//                    a project only when scripts/test-contract.mjs asks for it
//
// Both proxies check requests and answers: a bad request is refused (422) before it reaches the
// server, and an answer that breaks the spec is replaced by a 500 listing the violations.
//
// Also read: ONCEONLY_CONTRACT_PREFIX (what the names scenarios create start with),
// ONCEONLY_CONTRACT_TOOL_URL (a tool endpoint a remote server can call) and
// ONCEONLY_CONTRACT_REPORT (where the JSON report goes). See docs/contract-testing.md.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startPrism } from '../../../scripts/lib/prism.mjs';
import { serveLocal } from '../../../scripts/onceonly-local.js';
import { serverRoot } from '../../../src/internal/url.js';
import type { ContractTarget } from './harness.js';
import { buildReport, formatReport } from './report.js';
import { loadSpec } from './spec.js';

declare module 'vitest' {
  export interface ProvidedContext {
    contract: ContractTarget & {
      /** A tool endpoint the server can call, for governed calls that really run. */
      toolUrl: string;
    };
  }
}

const KINDS = {
  contract: 'mock',
  'contract-local': 'local',
  'contract-remote': 'remote',
} as const satisfies Record<string, ContractTarget['kind']>;

/** The local server's tools answer here, in-process: every call echoes its arguments. */
const LOCAL_TOOL_URL = 'https://tools.contract.test/echo';
/** Unreachable by design (`.invalid` never resolves): governed calls end in `tool_error`. */
const UNREACHABLE_TOOL_URL = 'https://onceonly-contract.invalid/tool';
/** ONCEONLY_CONTRACT_PREFIX: characters a tool name may hold, since it starts tool names. */
const PREFIX_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const kind = (KINDS as Record<string, ContractTarget['kind'] | undefined>)[project.name];
  if (!kind) throw new Error(`contract setup: no target for project ${project.name}`);

  const root = project.config.root;
  const specPath = path.resolve(root, 'openapi/onceonly.yaml');
  const reportDir = mkdtempSync(path.join(tmpdir(), 'onceonly-contract-'));
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    rmSync(reportDir, { recursive: true, force: true });
  };

  let target: ProvidedTarget;
  try {
    target = await start(kind, specPath, reportDir, stops);
  } catch (error) {
    await stopAll();
    throw error;
  }
  project.provide('contract', target);

  return async () => {
    try {
      finish(project, target, reportDir);
    } finally {
      await stopAll();
    }
  };
}

type ProvidedTarget = ContractTarget & { toolUrl: string };

async function start(
  kind: ContractTarget['kind'],
  specPath: string,
  reportDir: string,
  stops: (() => Promise<void>)[],
): Promise<ProvidedTarget> {
  // A run's own part follows the chosen prefix: the scenarios claim keys and start leases that
  // must be new, and a key claimed by an earlier run stays claimed for its TTL.
  const chosen = process.env.ONCEONLY_CONTRACT_PREFIX ?? 'contract-';
  if (!PREFIX_PATTERN.test(chosen)) {
    throw new Error(
      'ONCEONLY_CONTRACT_PREFIX must be 1 to 64 of A-Z a-z 0-9 _ . : - (it starts tool names)',
    );
  }
  const prefix = `${chosen}${randomBytes(4).toString('hex')}-`;
  const common = { kind, specPath, reportDir, prefix };

  if (kind === 'mock') {
    const prism = await startPrism({ spec: specPath });
    stops.push(prism.stop);
    return {
      ...common,
      url: prism.url,
      upstream: null,
      apiKey: 'once_live_contract_key',
      toolUrl: LOCAL_TOOL_URL,
    };
  }

  let upstream: string;
  let apiKey: string;
  let toolUrl: string;
  if (kind === 'local') {
    apiKey = 'once_live_contract_local';
    const local = await serveLocal({ port: 0, apiKeys: [apiKey], fetchTool: echoTool });
    stops.push(local.close);
    upstream = local.url;
    toolUrl = LOCAL_TOOL_URL;
  } else {
    const baseUrl = process.env.ONCEONLY_BASE_URL;
    const key = process.env.ONCEONLY_API_KEY;
    if (!baseUrl || !key) {
      throw new Error('the contract-remote project needs ONCEONLY_BASE_URL and ONCEONLY_API_KEY');
    }
    upstream = serverRoot(baseUrl);
    apiKey = key;
    toolUrl = process.env.ONCEONLY_CONTRACT_TOOL_URL ?? UNREACHABLE_TOOL_URL;
  }

  const prism = await startPrism({ spec: specPath, mode: 'proxy', upstream, args: ['--errors'] });
  stops.push(prism.stop);
  return { ...common, url: prism.url, upstream, apiKey, toolUrl };
}

/** How the local server reaches registered tools in this run: an echo, without the network. */
async function echoTool(url: string, init: RequestInit): Promise<Response> {
  if (!url.startsWith(LOCAL_TOOL_URL)) {
    return Response.json({ error: `no tool at ${url} in the contract run` }, { status: 404 });
  }
  const call = JSON.parse(String(init.body)) as { args?: unknown };
  return Response.json({ echoed: call.args ?? null });
}

/** Prints and writes the report; a full run that left an operation unchecked fails. */
function finish(project: TestProject, target: ProvidedTarget, reportDir: string): void {
  const spec = loadSpec(target.specPath);
  const report = buildReport(reportDir, spec.operations, {
    target: target.kind,
    url: target.url,
    upstream: target.upstream,
    spec: path.relative(project.config.root, target.specPath),
  });
  const file = path.resolve(
    project.config.root,
    process.env.ONCEONLY_CONTRACT_REPORT ?? `contract-report.${target.kind}.json`,
  );
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`${formatReport(report)}\n  JSON: ${path.relative(process.cwd(), file)}\n`);

  // Failed operations already failed their tests. An operation no test reached fails the run
  // too, unless the run was narrowed to some files or test names on purpose.
  const narrowed =
    project.globalConfig.testNamePattern !== undefined ||
    ((project.vitest as { filenamePattern?: string[] }).filenamePattern?.length ?? 0) > 0;
  if (report.summary.notRun > 0 && !narrowed) {
    const missing = report.operations.filter((entry) => entry.result === 'not run');
    console.error(
      `Contract (${target.kind}): no test checked ${missing.map((e) => e.operationId).join(', ')}`,
    );
    process.exitCode = 1;
  }
}
