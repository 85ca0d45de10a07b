import { describe, expect, it } from 'vitest';
import type { AwsEnvironment } from '../../lib/config';
import { buildReport, configChanges, costChange, costChanges, type EnvironmentReport } from '../../lib/report';
import { vary } from '../util';
import { awsOutputFor, firstPool, TEST_PRICES, TEST_VOLUMES, tinyAws } from './fixtures';

const options = { ...TEST_VOLUMES, prices: TEST_PRICES };
/** A version of the environment with the output its synthesis would have. */
const version = (env: AwsEnvironment, output = awsOutputFor(env)): EnvironmentReport =>
  buildReport(env, output, options);

describe('costChange', () => {
  const before = version(tinyAws);

  it('names the configuration change that moves the ceiling', () => {
    const after = version(
      vary(tinyAws, (d) => {
        firstPool(d).maxNodes = 8;
      }),
    );
    const change = costChange(before, after);
    // 4 more spot g6.xlarge nodes at the ceiling: 4 × $1.00 × 730 h × 40% = $1,168.
    expect(change.text).toBe('tiny ceiling +$1,168/month: gpu pool infer maxNodes 4 -> 8');
    expect([change.floorDeltaUsd, change.ceilingDeltaUsd]).toEqual([0, 1168]);
    expect(change.lines).toEqual([
      { key: 'nodes/infer', item: 'GPU pool infer: g6.xlarge, spot', floorDeltaUsd: 0, ceilingDeltaUsd: 1168 },
    ]);
  });

  it('reports floor and ceiling when both move, with every cause', () => {
    const after = version(
      vary(tinyAws, (d) => {
        d.kubernetes.systemPool.minNodes = 3;
        d.network.natGateways = 2;
      }),
    );
    // One more system node at the floor ($73); a second NAT gateway and its address ($36.50 + $3.65) in both.
    expect(costChange(before, after).text).toBe(
      'tiny floor +$113/month, ceiling +$40.15/month: system pool minNodes 2 -> 3; network natGateways 1 -> 2',
    );
  });

  it('says when floor and ceiling move together', () => {
    const after = version(
      vary(tinyAws, (d) => {
        d.network.natGateways = 2;
      }),
    );
    expect(costChange(before, after).text).toBe('tiny floor and ceiling +$40.15/month: network natGateways 1 -> 2');
  });

  it('names an added pool once, not each of its fields', () => {
    const after = version(
      vary(tinyAws, (d) => {
        d.kubernetes.gpuPools.push({
          name: 'extra',
          accelerator: 'nvidia-l4',
          gpusPerNode: 1,
          minNodes: 1,
          maxNodes: 2,
          capacity: 'on-demand',
        });
      }),
    );
    // 1-2 on-demand g6.xlarge: $730-$1,460.
    expect(costChange(before, after).text).toBe('tiny floor +$730/month, ceiling +$1,460/month: gpu pool extra added');
  });

  it('falls back to the changed line items when no configuration change explains them', () => {
    // The same environment, but the output gained a NAT gateway (a construct changed, not the config).
    const output = awsOutputFor(tinyAws);
    const resources = { ...output.templates.Platform?.Resources };
    resources.Nat9 = { Type: 'AWS::EC2::NatGateway', Properties: { SubnetId: { Ref: 'Public1' } } };
    const after = version(tinyAws, { cloud: 'aws', templates: { Platform: { Resources: resources } } });
    expect(costChange(before, after).text).toBe('tiny floor and ceiling +$36.50/month: 2 NAT gateways +$36.50');
  });

  it('reports no change when the cost does not move', () => {
    const after = version(
      vary(tinyAws, (d) => {
        d.monitoring.logRetentionDays = 90;
      }),
    );
    expect(costChange(before, after).text).toBe('tiny no cost change');
  });

  it('reports added and removed environments with their whole cost', () => {
    expect(costChange(undefined, before).text).toBe('tiny new environment: floor +$543/month, ceiling +$1,784/month');
    expect(costChange(before, undefined).text).toBe('tiny removed: floor -$543/month, ceiling -$1,784/month');
    expect(() => costChange(undefined, undefined)).toThrow('at least one version');
  });

  it('pairs the environments of two sets by name', () => {
    const other = version(
      vary(tinyAws, (d) => {
        d.name = 'other';
      }),
    );
    expect(costChanges([before, other], [before]).map((c) => c.text)).toEqual([
      'tiny no cost change',
      'other removed: floor -$543/month, ceiling -$1,784/month',
    ]);
  });
});

describe('configChanges', () => {
  it('lists leaf changes by readable path, and added or removed objects once', () => {
    const after = vary(tinyAws, (d) => {
      d.kubernetes.systemPool.machineType = 'm7i.xlarge';
      d.hybrid = undefined;
      d.tags = { team: 'ml' };
    });
    expect(configChanges(tinyAws, after).map((c) => c.text)).toEqual([
      'hybrid removed',
      'system pool machineType m7i.large -> m7i.xlarge',
      'tags added',
    ]);
  });
});
