// Headless Chromium: a page of another origin (http://localhost:<port>, as a dev server would
// serve it) loads the browser bundle and calls the local server on 127.0.0.1:<other port>, so
// every request is a real cross-origin one, preflights included. The page is served from
// loopback too: Chromium refuses a page it cannot place on this machine (one Playwright answers
// itself, say) access to loopback addresses.

import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Outcome, ScenarioInput } from './scenario.js';
import {
  API_KEY,
  expectNoNodeImports,
  expectOutcome,
  findBinary,
  type SmokeServer,
  startServer,
} from './support.js';

const binary = findBinary('Chromium', '/usr/bin/chromium');

/** Debian's Chromium as root, headless, with none of the calls home a closed network refuses. */
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Serves the page and the bundle on a free loopback port. */
async function servePage(script: string): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const js = request.url === '/smoke.js';
    response.setHeader('Content-Type', js ? 'text/javascript' : 'text/html');
    response.end(
      js ? script : '<!doctype html><title>smoke</title><script src="/smoke.js"></script>',
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  // localhost: a secure context, as a deployed https page is, and another origin than 127.0.0.1.
  return { server, url: `http://localhost:${(server.address() as AddressInfo).port}/` };
}

describe('Chromium', () => {
  let server: SmokeServer;
  let browser: Browser | undefined;
  let pages: { server: Server; url: string };
  beforeAll(async () => {
    server = await startServer();
    pages = await servePage(readFileSync(inject('runtimeBundles').browser, 'utf8'));
    if ('path' in binary) {
      browser = await chromium.launch({ executablePath: binary.path, args: ARGS });
    }
  });
  afterAll(async () => {
    await browser?.close();
    pages?.server.close();
    await server?.close();
  });

  it('has a bundle without Node modules', () => {
    expectNoNodeImports(readFileSync(inject('runtimeBundles').browser, 'utf8'));
  });

  it('runs the smoke scenario in a page, cross-origin', async (ctx) => {
    if (!browser) return ctx.skip('missing' in binary ? binary.missing : 'no browser');
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));

    await page.goto(pages.url);

    const input: ScenarioInput = { baseUrl: server.url, apiKey: API_KEY, runtime: 'chromium' };
    const outcome = await page.evaluate(
      (scenario) =>
        (globalThis as unknown as { runSmoke(i: ScenarioInput): Promise<Outcome> }).runSmoke(
          scenario,
        ),
      input,
    );

    expect(errors).toEqual([]);
    expect(await page.evaluate(() => location.origin)).toBe(new URL(pages.url).origin);
    expectOutcome(outcome, server, 'chromium');
  });
});
