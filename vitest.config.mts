import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // In this order: setup-tokens.ts must watch module loading before setup.ts loads the libraries.
    setupFiles: ['test/setup-tokens.ts', 'test/setup.ts'],
    sequence: { setupFiles: 'list' },
    // Gives the run a temp folder of its own (synthesis writes there) and removes it afterwards.
    globalSetup: ['test/global-setup.ts'],
    // Synthesizing a whole stage with the compliance packs takes seconds on a 2-core runner.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Loading aws-cdk-lib, cdktf and the providers is most of a test file's cost, so test files
    // share each worker's module graph (and the synthesized environments cached in test/util.ts)
    // instead of loading everything again per file. Tests build their own apps and never mutate
    // shared fixtures (`vary()` copies), so sharing is safe. vitest starts a worker per CPU but
    // one: on a 2-core runner, every file runs in the same worker.
    pool: 'forks',
    isolate: false,
    env: {
      CHECKPOINT_DISABLE: '1',
      // CloudFormation Validate, the CDK's built-in template check, costs seconds per synthesis:
      // test/util.ts `synthAws` runs it on every shipped AWS stage, the other syntheses skip it.
      CDK_VALIDATION: 'false',
      // V8's compiler threads each get a glibc malloc arena of their own, which keeps what it
      // freed (Linux; ignored elsewhere).
      MALLOC_ARENA_MAX: '2',
    },
    // A worker's memory, measured in `npm run bench` (README, Benchmark). Everything the suite
    // keeps (the libraries' modules and the cached shipped environments) is about 250 MB of heap;
    // without a limit V8 lets garbage grow the heap past 1 GB before it collects. If a worker
    // ever stops with "JavaScript heap out of memory", raise the limit. `gc()` lets
    // test/isolated-validation.ts collect before it starts the CloudFormation Validate process.
    execArgv: ['--max-old-space-size=320', '--max-semi-space-size=8', '--expose-gc'],
  },
});
