import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { buildAwsApp } from '../../lib/aws/app';
import { PlatformStage } from '../../lib/aws/platform-stage';
import { ConfigError } from '../../lib/config';
import { cdkContext, fixtures, synthAws, vary } from '../util';

const awsEnvironments = [fixtures.awsStaging, fixtures.awsProduction, fixtures.awsHybrid];

describe('PlatformStage', () => {
  it('names each stage after its environment and deploys to its account and region', () => {
    const app = new App({ context: cdkContext() });
    const stages = buildAwsApp(app, awsEnvironments);
    expect(stages.map((s) => [s.stageName, s.account, s.region])).toEqual([
      ['Staging', '111111111111', 'eu-west-1'],
      ['Production', '222222222222', 'eu-west-1'],
      ['Hybrid', '333333333333', 'eu-central-1'],
    ]);
  });

  it('protects production stacks from deletion and leaves staging stacks deletable', () => {
    const app = new App({ context: cdkContext() });
    const [staging, production] = buildAwsApp(app, [fixtures.awsStaging, fixtures.awsProduction]);
    const protection = (stage: PlatformStage | undefined) =>
      stage?.node
        .findAll()
        .filter((c): c is Stack => c instanceof Stack)
        .map((s) => s.terminationProtection);
    expect(protection(production)).not.toContain(false);
    expect(protection(staging)).not.toContain(true);
  });

  it('throws when the environment is invalid, before building any stack', () => {
    // GIVEN an app and an environment with a bad CIDR
    const app = new App({ context: cdkContext() });
    const broken = vary(fixtures.awsStaging, (d) => {
      d.network.cidr = '10.20.0.0';
    });
    // WHEN the stage is built THEN it throws and nothing was added to the app
    expect(() => new PlatformStage(app, 'Staging', { environment: broken })).toThrow(ConfigError);
    expect(app.node.children.filter((c) => c instanceof PlatformStage)).toHaveLength(0);
  });

  it('turns configuration warnings into synth annotations', () => {
    const app = new App({ context: cdkContext() });
    const single = vary(fixtures.awsProduction, (d) => {
      d.network.availabilityZones = 1;
      d.network.natGateways = 1;
    });
    const stage = new PlatformStage(app, 'Production', { environment: single });
    const warnings = stage.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
    expect(warnings.some((w) => w.includes('network.availabilityZones is 1'))).toBe(true);
  });

  it('skips environments of other clouds', () => {
    const app = new App({ context: cdkContext() });
    expect(buildAwsApp(app, [fixtures.azureStaging])).toEqual([]);
  });
});

describe.each(awsEnvironments)('AWS environment $name', (env) => {
  it('synthesizes with every compliance pack passing, and tags every stack', () => {
    const { templates } = synthAws(env);
    expect(Object.keys(templates).length).toBeGreaterThan(0);
  });

  it('matches the snapshot', () => {
    const { templates } = synthAws(env);
    expect(Object.fromEntries(Object.entries(templates).map(([id, t]) => [id, t.toJSON()]))).toMatchSnapshot();
  });
});
