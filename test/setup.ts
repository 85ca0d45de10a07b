import { afterAll, beforeAll, expect } from 'vitest';
import { isNormalised, normaliseSnapshot } from './normalise';
import { releaseTokensSince, type TokenMark, tokenMark } from './release-apps';
import { forgetFileCaches } from './util';

/**
 * Snapshot normalisation for every test file: values that change with aws-cdk-lib, cdktf or
 * asset content, not with this project's infrastructure, are replaced by stable placeholders so
 * that snapshot diffs in pull requests show real changes only. See test/normalise.ts.
 */
expect.addSnapshotSerializer({
  test: (value: unknown) => value !== null && typeof value === 'object' && !isNormalised(value),
  serialize: (value, config, indentation, depth, refs, printer) =>
    printer(normaliseSnapshot(value), config, indentation, depth, refs),
});

/**
 * Each file's apps are released when it ends, so that the worker the files share does not keep
 * every app the suite builds: the file's tokens (test/release-apps.ts) and the variants cached
 * for it (test/util.ts `fileCache`).
 */
let fileStart: TokenMark;
beforeAll(() => {
  fileStart = tokenMark();
});
afterAll(() => {
  forgetFileCaches();
  releaseTokensSince(fileStart);
});
