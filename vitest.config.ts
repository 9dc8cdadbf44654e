import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores on CI: keep parallelism modest so end-to-end tests are not starved.
    maxWorkers: 2,
    coverage: {
      provider: 'v8',
      include: ['functions/**', 'shared/**', 'local/**', 'infra/**'],
      reporter: ['text-summary', 'html'],
    },
  },
});
