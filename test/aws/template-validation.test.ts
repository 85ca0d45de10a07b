/**
 * CloudFormation Validate, as test/util.ts `synthAws` runs it on every shipped stage: in a child
 * process (test/isolated-validation.ts), with its findings in the assembly's validation report.
 */
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { validateInChildProcess } from '../isolated-validation';
import { cdkContext, templateValidationFindings } from '../util';

const ENGINE_MODULE = /[\\/]@aws[\\/]cloudformation-validate[\\/]/;

/** Synthesizes a bucket with the given versioning status as `synthAws` would; the report's findings and the engine version that ran. */
function validateBucket(status: string): { findings: string[]; version?: string } {
  const app = new App({ context: cdkContext() });
  const plugin = validateInChildProcess(app);
  const stack = new Stack(app, 'Probe', { env: { account: '111111111111', region: 'eu-west-1' } });
  new CfnResource(stack, 'Bucket', {
    type: 'AWS::S3::Bucket',
    properties: { VersioningConfiguration: { Status: status } },
  });
  const findings = templateValidationFindings(app.synth().directory);
  return { findings, version: plugin.version };
}

describe('CloudFormation Validate in a child process', () => {
  it('reports a finding, and never loads the engine into the test process', () => {
    // GIVEN a bucket whose versioning status is not one CloudFormation accepts
    // WHEN it is synthesized, THEN the report names the finding on that bucket
    expect(validateBucket('Sometimes').findings).toEqual([
      expect.stringMatching(/^W3030 Probe\/Bucket: VersioningConfiguration\.Status: 'Sometimes'/),
    ]);
    // AND the engine ran elsewhere: this process never loaded it
    expect(Object.keys(require.cache).filter((m) => ENGINE_MODULE.test(m))).toEqual([]);
  });

  it('passes a valid template with no findings, from an engine that ran', () => {
    const { findings, version } = validateBucket('Enabled');
    expect(findings).toEqual([]);
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('fails closed: a check that could not run is a finding on every stack', () => {
    // GIVEN a template the child cannot read
    const plugin = validateInChildProcess(new App());
    const stackTemplates = [
      {
        stackConstructPath: 'Probe',
        templatePath: '/nonexistent/Probe.template.json',
        accountId: undefined,
        region: undefined,
      },
    ];
    // WHEN it validates
    const report = plugin.validate({
      templatePaths: ['/nonexistent/Probe.template.json'],
      stackTemplates,
      appConstruct: new App(),
    });
    // THEN the report fails, with one finding that names the stack and says why
    expect(report.success).toBe(false);
    expect(report.violations).toEqual([
      expect.objectContaining({
        ruleName: 'CloudFormationValidateDidNotRun',
        severity: 'error',
        description: expect.stringContaining('ENOENT'),
        violatingResources: [expect.objectContaining({ constructPath: 'Probe' })],
      }),
    ]);
  });
});
