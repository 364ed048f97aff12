import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'properties/**/*.test.ts'],
    // Builds the product once into .build/test-cli for the tests that run the `durq` CLI.
    globalSetup: ['testkit/cli-build.ts'],
    // One private redis-server per test file; files run in parallel worker processes.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
