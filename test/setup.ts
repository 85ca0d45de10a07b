import { expect } from 'vitest';
import { isNormalised, normaliseSnapshot } from './normalise';

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
