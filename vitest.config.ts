import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // Synthesizing a whole stage with the compliance packs takes seconds on a 2-core runner.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each test file gets a fresh module graph, so every file pays for loading aws-cdk-lib or
    // cdktf once; forks keep that memory out of the main process.
    pool: 'forks',
    env: { CHECKPOINT_DISABLE: '1' },
  },
});
