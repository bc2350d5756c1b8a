import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run from TypeScript source: `@strongroom/<name>` resolves to packages/<name>/src/index.ts. Worker threads and child processes that the code under test starts run plain Node
// and load the compiled package (see `compiledEntry` in @strongroom/errors), so `npm test` builds first.
export default defineConfig({
  resolve: {
    alias: [
      {
        find: /^@strongroom\/([a-z]+)$/,
        replacement: fileURLToPath(new URL('./packages/$1/src/index.ts', import.meta.url)),
      },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/src/**/*.test.ts'],
    setupFiles: ['test/src/setup-threads.ts'],
    pool: 'forks',
    maxWorkers: 2,
    // Servers, emulators and gigabyte-sized cases: the slowest test sets its own larger timeout.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**/*.ts'],
      exclude: ['**/*.test.ts', 'packages/*/src/**/testing/**', 'packages/testkit/**'],
      reporter: ['text-summary', 'html'],
      reportsDirectory: 'coverage',
    },
  },
});
