import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // Gives the run a temp folder of its own (synthesis writes there) and removes it afterwards.
    globalSetup: ['test/global-setup.ts'],
    // Synthesizing a whole stage with the compliance packs takes seconds on a 2-core runner.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Loading aws-cdk-lib, cdktf and the providers is most of a test file's cost, so test files
    // share each worker's module graph (and the synthesized environments cached in test/util.ts)
    // instead of loading everything again per file. Tests build their own apps and never mutate
    // shared fixtures (`vary()` copies), so sharing is safe.
    pool: 'forks',
    isolate: false,
    // CloudFormation Validate, the CDK's built-in template check, costs seconds per synthesis:
    // test/util.ts `synthAws` runs it on every shipped AWS stage, the other syntheses skip it.
    env: { CHECKPOINT_DISABLE: '1', CDK_VALIDATION: 'false' },
  },
});
