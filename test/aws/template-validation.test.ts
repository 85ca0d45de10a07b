/**
 * CloudFormation Validate, as test/util.ts `synthAws` runs it on every shipped stage: in a thread
 * of its own (test/isolated-validation.ts), with its findings in the assembly's validation report.
 */
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { validateInThread } from '../isolated-validation';
import { templateValidationFindings } from '../util';

const ENGINE_MODULE = /[\\/]@aws[\\/]cloudformation-validate[\\/]/;

/** Synthesizes a bucket with the given versioning status, validated in a thread; the report's findings. */
function validateBucket(status: string): string[] {
  const app = new App({ builtinCloudFormationValidation: false });
  validateInThread(app);
  const stack = new Stack(app, 'Probe', { env: { account: '111111111111', region: 'eu-west-1' } });
  new CfnResource(stack, 'Bucket', {
    type: 'AWS::S3::Bucket',
    properties: { VersioningConfiguration: { Status: status } },
  });
  return templateValidationFindings(app.synth().directory);
}

describe('CloudFormation Validate in a thread', () => {
  it('reports a template error and never loads the engine into the test process', () => {
    // GIVEN a bucket whose versioning status is not one CloudFormation accepts
    // WHEN it is synthesized, THEN the report names the finding on that bucket
    expect(validateBucket('Sometimes')).toEqual([
      expect.stringMatching(/^W3030 Probe\/Bucket: VersioningConfiguration\.Status: 'Sometimes'/),
    ]);
    // AND the engine ran elsewhere: this process never loaded it
    expect(Object.keys(require.cache).filter((m) => ENGINE_MODULE.test(m))).toEqual([]);
  });

  it('passes a valid template with no findings', () => {
    expect(validateBucket('Enabled')).toEqual([]);
  });
});
