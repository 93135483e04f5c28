import { defineConfig } from 'vitest/config';

// The contract projects share one global setup, which starts the target the project's name
// stands for (see test/support/contract/global-setup.ts) and writes its report at the end.
const contractSetup = ['test/support/contract/global-setup.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        // Target 1: a Prism mock of the spec, answering the spec's named examples.
        test: {
          name: 'contract',
          include: ['test/contract/mock/**/*.test.ts'],
          environment: 'node',
          globalSetup: contractSetup,
        },
      },
      {
        // Target 2 in `npm test`: the local server, through a validating Prism proxy.
        test: {
          name: 'contract-local',
          include: ['test/contract/server/**/*.test.ts'],
          environment: 'node',
          globalSetup: contractSetup,
        },
      },
      // Target 2 against any server: ONCEONLY_BASE_URL, run by `npm run test:contract`, which
      // asks for it with ONCEONLY_CONTRACT_REMOTE. ONCEONLY_BASE_URL alone (set for the demo,
      // say) never defines it, so `npm test` never writes to that server.
      ...(process.env.ONCEONLY_CONTRACT_REMOTE === '1'
        ? [
            {
              test: {
                name: 'contract-remote',
                include: ['test/contract/server/**/*.test.ts'],
                environment: 'node' as const,
                globalSetup: contractSetup,
              },
            },
          ]
        : []),
      {
        // The contract kit itself: it catches a broken spec, a server that breaks the spec, an
        // SDK result that differs from the answer and a failed scenario, and cleans up.
        test: {
          name: 'contract-proofs',
          include: ['test/contract/proofs/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        // One smoke scenario in Node, Deno, Bun, headless Chromium and workerd, against the
        // local server over loopback. Bundles are built once, by the global setup. Starting a
        // runtime can be slow on a busy machine: the limits are generous, never timed checks.
        test: {
          name: 'runtimes',
          include: ['test/runtimes/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/runtimes/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The package as users install it: dist/ packed by `npm pack` once, by the global setup,
        // and installed into a fresh project outside the repository, where Node imports and
        // requires it, tsc checks its types and its command runs. `npm test` builds dist/ first.
        test: {
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/package/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
