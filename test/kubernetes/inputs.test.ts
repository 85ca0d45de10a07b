import { describe, expect, it } from 'vitest';
import { environments } from '../../environments';
import type { ModelEndpointConfig } from '../../lib/config';
import {
  type AwsServingBinding,
  type AzureServingBinding,
  checkImageRef,
  isUnresolved,
  ServingWorkload,
  ServingWorkloadError,
  type ServingWorkloadProps,
} from '../../lib/kubernetes';
import { DIGEST, imageRef, propsFor, vary } from './fixtures';

const awsEnv = environments.find((env) => env.target.cloud === 'aws' && (env.serving?.models.length ?? 0) > 0);
const azureEnv = environments.find((env) => env.target.cloud === 'azure' && (env.serving?.models.length ?? 0) > 0);
if (!awsEnv || !azureEnv) throw new Error('the example environments must serve models on both clouds');
const aws = propsFor(awsEnv);
const azure = propsFor(azureEnv);
const awsBinding = aws.binding as AwsServingBinding;
const azureBinding = azure.binding as AzureServingBinding;
const model = aws.models[0] as ModelEndpointConfig;

/** The same model renamed, with bindings for its slots so that only the name is at fault. */
function renamed(
  props: ServingWorkloadProps,
  name: string,
  change: Partial<ModelEndpointConfig> = {},
): ServingWorkloadProps {
  const arns = awsBinding.targetGroupArns[model.name];
  return vary(props, {
    models: [{ ...model, ...change, name }],
    binding: { ...awsBinding, targetGroupArns: { [name]: arns as NonNullable<typeof arns> } },
  });
}

/** A token as aws-cdk-lib (`${Token[TOKEN.n]}`) or cdktf (`${TfToken[TOKEN.n]}`) writes it into a string. */
const token = (id: number, kind: 'Token' | 'TfToken' = 'Token') => ['$', `{${kind}[TOKEN.${id}]}`].join('');

function expectProblem(build: () => unknown, ...fragments: string[]): void {
  let error: unknown;
  try {
    build();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ServingWorkloadError);
  for (const fragment of fragments) expect((error as Error).message).toContain(fragment);
}

describe('a workload with good props', () => {
  it('builds for every environment', () => {
    for (const env of environments) expect(() => new ServingWorkload(propsFor(env))).not.toThrow();
  });

  it('tells deploy-time tokens from literals', () => {
    expect(isUnresolved(token(12))).toBe(true);
    expect(isUnresolved(`s3://${token(3, 'TfToken')}/x`)).toBe(true);
    expect(isUnresolved(`v1@sha256:${DIGEST}`)).toBe(false);
  });
});

describe('throws when', () => {
  it('throws when a literal image reference has no digest', () => {
    const workload = new ServingWorkload(aws);
    expectProblem(
      () => workload.slot(model.name, 'blue', 'v1'),
      `slot(${model.name}, blue) imageRef is "v1"`,
      'not <tag>@sha256:<64 hex>',
    );
    expectProblem(() => workload.slot(model.name, 'blue', `v1@sha256:${DIGEST.toUpperCase()}`), 'not <tag>@sha256');
    expectProblem(() => workload.slot(model.name, 'blue', `v1@sha256:${DIGEST.slice(1)}`), 'not <tag>@sha256');
    expectProblem(() => workload.jobs(model.name, 'latest'), `jobs(${model.name}) imageRef`);
  });

  it('throws when a token image reference comes without its version', () => {
    expectProblem(
      () => new ServingWorkload(aws).slot(model.name, 'green', token(1)),
      'version is undefined',
      'deploy-time token',
    );
  });

  it('throws when the version is not the tag of a literal image reference', () => {
    expectProblem(() => checkImageRef('imageRef', imageRef('v2'), 'v3'), 'not the tag of the image reference (v2)');
  });

  it('throws when the model or slot is not one the environment serves', () => {
    const workload = new ServingWorkload(aws);
    expectProblem(
      () => workload.slot('nosuch', 'blue', imageRef('v1')),
      'model is "nosuch"',
      `use one of ${aws.models.map((m) => m.name).join(', ')}`,
    );
    expectProblem(() => workload.jobs('nosuch', imageRef('v1')), 'model is "nosuch"');
    expectProblem(() => workload.slot(model.name, 'red' as 'blue', imageRef('v1')), 'slot is "red"');
  });

  it('throws when a model runs on an unknown GPU pool', () => {
    expectProblem(
      () => new ServingWorkload(renamed(aws, model.name, { gpuPool: 'nosuch' })),
      'gpuPool is "nosuch"',
      'not one of the GPU pools',
    );
  });

  it('throws when a model name makes a Service name longer than 63 characters', () => {
    const long = `m${'x'.repeat(58)}`;
    expectProblem(
      () => new ServingWorkload(renamed(aws, long)),
      `makes the Service name '${long}-green' 65 characters`,
    );
  });

  it('throws when a model or batch job name makes a CronJob name longer than 52 characters', () => {
    const job = {
      ...(model.batch?.[0] ?? {
        schedule: '0 2 * * *',
        timeZone: 'UTC',
        input: 'curated/x/',
        output: 'artifacts/x/',
        timeoutMinutes: 5,
      }),
    };
    const name = 'j'.repeat(53 - `${model.name}-batch-`.length);
    const props = renamed(aws, model.name, { batch: [{ ...job, name }] });
    expectProblem(
      () => new ServingWorkload(props),
      'a CronJob name of 53 characters, more than Kubernetes allows (52)',
    );
    const fits = renamed(aws, model.name, { batch: [{ ...job, name: name.slice(1) }] });
    expect(() => new ServingWorkload(fits)).not.toThrow();
  });

  it('throws when a model name is not a DNS label, or is used twice', () => {
    expectProblem(() => new ServingWorkload(renamed(aws, 'Churn_v2')), 'name is "Churn_v2"', 'not a DNS label');
    expectProblem(() => new ServingWorkload(vary(aws, { models: [model, model] })), 'used by another model');
  });

  it('throws when an image of the agents is not pinned by digest', () => {
    expectProblem(
      () => new ServingWorkload(vary(aws, { agentImage: 'registry.example.com/model-agent:1.4.0' })),
      'agentImage',
      'not pinned by digest',
    );
    expectProblem(
      () =>
        new ServingWorkload(
          vary(aws, {
            binding: { ...awsBinding, appConfigAgentImage: 'public.ecr.aws/aws-appconfig/aws-appconfig-agent:2.x' },
          }),
        ),
      'binding.appConfigAgentImage',
    );
  });

  it('throws when a slot has no target group, or an unknown model has one, or an ARN is malformed', () => {
    const { [model.name]: _dropped, ...others } = awsBinding.targetGroupArns;
    expectProblem(
      () => new ServingWorkload(vary(aws, { binding: { ...awsBinding, targetGroupArns: others } })),
      `binding.targetGroupArns.${model.name}.blue is undefined, missing`,
      `binding.targetGroupArns.${model.name}.green`,
    );
    const extra = { ...awsBinding.targetGroupArns, ghost: awsBinding.targetGroupArns[model.name] as never };
    expectProblem(
      () => new ServingWorkload(vary(aws, { binding: { ...awsBinding, targetGroupArns: extra } })),
      'ghost',
      'does not serve',
    );
    const wrong = { ...awsBinding.targetGroupArns, [model.name]: { blue: 'tg-blue', green: 'tg-green' } };
    expectProblem(
      () => new ServingWorkload(vary(aws, { binding: { ...awsBinding, targetGroupArns: wrong } })),
      '"tg-blue", not a target group ARN',
    );
  });

  it('throws when an AppConfig identifier cannot be addressed, or the region or security group is malformed', () => {
    expectProblem(
      () => new ServingWorkload(vary(aws, { binding: { ...awsBinding, appConfigProfile: 'model flags/v1' } })),
      'binding.appConfigProfile',
    );
    expectProblem(
      () => new ServingWorkload(vary(aws, { binding: { ...awsBinding, region: 'Europe' } })),
      'not an AWS region',
    );
    expectProblem(
      () => new ServingWorkload(vary(aws, { binding: { ...awsBinding, loadBalancerSecurityGroupId: 'default' } })),
      'not a security group id',
    );
  });

  it('throws when an Azure load balancer address is public or malformed', () => {
    const name = azure.models[0]?.name as string;
    const addresses = (blue: string) => ({
      ...azureBinding.loadBalancerAddresses,
      [name]: { blue, green: '10.40.4.20' },
    });
    expectProblem(
      () =>
        new ServingWorkload(
          vary(azure, { binding: { ...azureBinding, loadBalancerAddresses: addresses('20.50.1.7') } }),
        ),
      'a public address',
    );
    expectProblem(
      () =>
        new ServingWorkload(vary(azure, { binding: { ...azureBinding, loadBalancerAddresses: addresses('10.40.4') } })),
      'not an IPv4 address',
    );
  });

  it('throws when the Azure identity, endpoint or subnet is malformed', () => {
    expectProblem(
      () => new ServingWorkload(vary(azure, { binding: { ...azureBinding, servingIdentityClientId: 'serving' } })),
      'not a client id',
    );
    expectProblem(
      () =>
        new ServingWorkload(
          vary(azure, { binding: { ...azureBinding, appConfigurationEndpoint: 'https://appcs.azconfig.io/kv' } }),
        ),
      'not an https endpoint without a path',
    );
    expectProblem(
      () =>
        new ServingWorkload(
          vary(azure, { binding: { ...azureBinding, loadBalancerSubnet: '/subscriptions/x/subnets/lb' } }),
        ),
      'pass the name (not the id)',
    );
  });

  it('throws when the gateway CIDRs are missing or malformed', () => {
    expectProblem(() => new ServingWorkload(vary(aws, { gatewayCidrs: [] })), 'gatewayCidrs is [], empty');
    expectProblem(() => new ServingWorkload(vary(aws, { gatewayCidrs: ['10.20.0.1/24'] })), 'gatewayCidrs[0]');
  });

  it('throws when a data zone a model uses has no location, or a location is malformed', () => {
    const captured = aws.models.find((candidate) => candidate.capture);
    const { raw: _raw, ...zones } = aws.dataZones;
    expectProblem(
      () => new ServingWorkload(vary(aws, { dataZones: zones })),
      `dataZones.raw is undefined, missing, and models`,
      `(${captured?.name}) captures requests`,
    );
    expectProblem(
      () => new ServingWorkload(vary(aws, { dataZones: { ...aws.dataZones, raw: 'raw-bucket' } })),
      'not a storage location',
    );
  });

  it('throws when CPU models could land on any node', () => {
    expectProblem(() => new ServingWorkload(vary(aws, { cpuNodeSelector: {} })), 'cpuNodeSelector is {}, empty');
  });

  it('throws when the registry, environment, version or drain is malformed', () => {
    expectProblem(
      () => new ServingWorkload(vary(aws, { registry: 'https://registry.example.com' })),
      'not a registry host',
    );
    expectProblem(() => new ServingWorkload(vary(aws, { environment: 'Staging EU' })), 'environment is "Staging EU"');
    expectProblem(() => new ServingWorkload(vary(aws, { kubernetesVersion: 'v1.33.2' })), 'kubernetesVersion');
    expectProblem(() => new ServingWorkload(vary(aws, { drainSeconds: 1.5 })), 'drainSeconds is 1.5');
  });

  it('throws one error that names every problem', () => {
    expectProblem(
      () => new ServingWorkload(vary(aws, { gatewayCidrs: [], cpuNodeSelector: {}, agentImage: 'agent:latest' })),
      'gatewayCidrs',
      'cpuNodeSelector',
      'agentImage',
    );
  });
});
