import { defineConfig } from 'vitest/config';

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
        test: {
          name: 'contract',
          include: ['test/contract/**/*.test.ts'],
          environment: 'node',
          // One Prism mock of the spec for the whole project; its URL reaches tests by inject().
          globalSetup: ['test/support/prism.ts'],
        },
      },
    ],
  },
});
