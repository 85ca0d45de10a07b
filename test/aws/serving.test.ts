import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { flagDocument } from '../../lib/aws/feature-flags';
import {
  INITIAL_RELEASE,
  liveSlotOf,
  RELEASE_FIELDS,
  releaseParameterKey,
  rolloutWeights,
  WEIGHTS,
} from '../../lib/aws/release-state';
import type { ServingStack } from '../../lib/aws/serving';
import {
  AGENT_PORT,
  AWS_OTLP_ENDPOINT,
  type AwsEnvironment,
  flagKey,
  MODEL_METRICS_NAMESPACE,
  NO_IMAGE,
  releaseParameterName,
  SLOTS,
} from '../../lib/config';
import { AGENT_READY_PATH, IN_CLUSTER_API_SERVER } from '../../lib/kubernetes';
import { imageRef } from '../kubernetes/fixtures';
import { validateObject } from '../kubernetes/schemas';
import { fixtures } from '../util';
import { stageOf } from './harness';

type Resource = { Type: string; Properties: Record<string, unknown>; Condition?: string; DependsOn?: string[] };

const environments: ReadonlyArray<readonly [string, AwsEnvironment]> = [
  ['staging', fixtures.awsStaging],
  ['production', fixtures.awsProduction],
  ['hybrid', fixtures.awsHybrid],
];

/** The serving stack of an environment and its template, from the cached stage. */
function servingOf(env: AwsEnvironment): { serving: ServingStack; template: Template; platform: Template } {
  const { stage, template: platform } = stageOf(env);
  if (!stage.serving) throw new Error(`${env.name} has no serving stack`);
  return { serving: stage.serving, template: Template.fromStack(stage.serving), platform };
}

const cache = new Map<AwsEnvironment, ReturnType<typeof servingOf>>();
function built(env: AwsEnvironment) {
  let value = cache.get(env);
  if (!value) {
    value = servingOf(env);
    cache.set(env, value);
  }
  return value;
}

/** The CloudFormation of a manifest, as one string with its intrinsics inline. */
function manifestOf(template: Template, logicalIdPrefix: string): { resource: Resource; text: string } {
  const resources = template.findResources('Custom::AWSCDK-EKS-KubernetesResource') as Record<string, Resource>;
  const id = Object.keys(resources).find((key) => key.replace(/[0-9A-F]{8}$/, '') === logicalIdPrefix);
  if (!id) throw new Error(`no manifest ${logicalIdPrefix}`);
  const resource = resources[id] as Resource;
  return { resource, text: JSON.stringify(resource.Properties.Manifest) };
}

describe.each(environments)('Serving stack (%s)', (_name, env) => {
  const models = env.serving?.models ?? [];

  it('takes every release field and the agent images as SSM-typed parameters named by releaseParameterName', () => {
    const { template } = built(env);
    const parameters = template.toJSON().Parameters as Record<string, { Type: string; Default: string }>;
    for (const m of models) {
      for (const field of RELEASE_FIELDS) {
        expect(parameters[releaseParameterKey(m.name, field)]).toEqual(
          expect.objectContaining({
            Type: 'AWS::SSM::Parameter::Value<String>',
            Default: releaseParameterName(env.name, m.name, field),
          }),
        );
      }
    }
    expect(parameters.AgentImage?.Default).toBe(`/mlops/${env.name}/serving/agent-image`);
    expect(parameters.AppConfigAgentImage?.Default).toBe(`/mlops/${env.name}/serving/appconfig-agent-image`);
  });

  it('creates the release state in the platform stack with the initial values', () => {
    const { platform } = built(env);
    for (const m of models) {
      for (const field of RELEASE_FIELDS) {
        platform.hasResourceProperties('AWS::SSM::Parameter', {
          Name: releaseParameterName(env.name, m.name, field),
          Value: INITIAL_RELEASE[field],
        });
      }
    }
  });

  it('never lets CloudFormation rewrite a release value: the parameters carry no tags that could change', () => {
    const { platform } = built(env);
    const parameters = Object.values(platform.findResources('AWS::SSM::Parameter')) as Resource[];
    const release = parameters.filter((p) => String(p.Properties.Name).startsWith(`/mlops/${env.name}/serving/`));
    expect(release).toHaveLength(2 + models.length * RELEASE_FIELDS.length);
    for (const parameter of release) expect(parameter.Properties.Tags).toBeUndefined();
  });

  it('gives every slot an IP target group on the agent port, health-checked on its readiness path', () => {
    const { template } = built(env);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', models.length * 2);
    template.allResourcesProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetType: 'ip',
      Protocol: 'TCP',
      Port: AGENT_PORT,
      HealthCheckProtocol: 'HTTP',
      HealthCheckPath: AGENT_READY_PATH,
    });
  });

  it('forwards the live port by the release weights and the preview port to the candidate slot', () => {
    const { template } = built(env);
    for (const m of models) {
      const p = releaseParameterKey(m.name, 'green-weight').replace(/GreenWeight$/, '');
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: m.gatewayPort,
        Protocol: 'TCP',
        DefaultActions: [
          {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: SLOTS.map((slot) => ({
                TargetGroupArn: { Ref: `${p}${slot === 'blue' ? 'Blue' : 'Green'}Targets` },
                Weight: { 'Fn::FindInMap': ['Weights', { Ref: `${p}GreenWeight` }, slot] },
              })),
            },
          },
        ],
      });
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: m.gatewayPort + 1,
        DefaultActions: [
          {
            Type: 'forward',
            TargetGroupArn: {
              'Fn::If': [`${p}CandidateGreen`, { Ref: `${p}GreenTargets` }, { Ref: `${p}BlueTargets` }],
            },
          },
        ],
      });
    }
  });

  it('flips the weights in blue/green and steps them in a canary', () => {
    const { template } = built(env);
    const weights = template.toJSON().Mappings.Weights as Record<string, { blue: number; green: number; live: string }>;
    expect(Object.keys(weights)).toEqual(WEIGHTS.map(String));
    for (const m of models) {
      const steps = rolloutWeights(m.rollout);
      expect(steps[steps.length - 1]).toBe(100);
      if (m.rollout.strategy === 'blue-green') expect(steps).toEqual([100]);
      else expect(steps).toEqual([...m.rollout.steps.map((s) => s.weightPercent), 100]);
      for (const green of steps) {
        expect(weights[String(green)]).toEqual({ blue: 100 - green, green, live: liveSlotOf(green) });
      }
    }
    // The switch back (a rollback) is the same table read at 0.
    expect(weights['0']).toEqual({ blue: 100, green: 0, live: 'blue' });
  });

  it('applies each slot only when it has an image and the agents are released, after the shared objects', () => {
    const { template } = built(env);
    const conditions = template.toJSON().Conditions as Record<string, unknown>;
    expect(conditions.AgentsReleased).toEqual({
      'Fn::And': [
        { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AgentImage' }, NO_IMAGE] }] },
        { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AppConfigAgentImage' }, NO_IMAGE] }] },
      ],
    });
    const shared = manifestOf(template, 'Shared');
    expect(shared.resource.Condition).toBeUndefined();
    for (const m of models) {
      const p = releaseParameterKey(m.name, 'candidate').replace(/Candidate$/, '');
      for (const slot of SLOTS) {
        const S = slot === 'blue' ? 'Blue' : 'Green';
        const { resource, text } = manifestOf(template, `${p}${S}`);
        expect(resource.Condition).toBe(`${p}${S}Released`);
        expect(conditions[`${p}${S}Released`]).toEqual({
          'Fn::And': [
            { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: `${p}${S}Image` }, NO_IMAGE] }] },
            { Condition: 'AgentsReleased' },
          ],
        });
        expect(resource.DependsOn?.some((d) => d.startsWith('Shared'))).toBe(true);
        // The binding names the slot's target group; the image is the released reference.
        expect(text).toContain('TargetGroupBinding');
        expect(text).toContain(JSON.stringify({ Ref: `${p}${S}Targets` }));
        expect(text).toContain(JSON.stringify({ Ref: `${p}${S}Image` }));
      }
    }
  });

  it('applies the event logger once the model agent is released, after the shared objects', () => {
    const { template } = built(env);
    const conditions = template.toJSON().Conditions as Record<string, unknown>;
    expect(conditions.ModelAgentReleased).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AgentImage' }, NO_IMAGE] }],
    });
    const { resource, text } = manifestOf(template, 'Events');
    expect(resource.Condition).toBe('ModelAgentReleased');
    expect(resource.DependsOn?.some((d) => d.startsWith('Shared'))).toBe(true);
    for (const kind of ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Deployment']) {
      expect(text).toMatch(new RegExp(`kind[^a-zA-Z]+${kind}[^a-zA-Z]`));
    }
    // The model agent image of the release, in events mode, watching the API server.
    expect(text).toContain(JSON.stringify({ Ref: 'AgentImage' }));
    expect(text).toContain(IN_CLUSTER_API_SERVER);
  });

  it('renders a workload the Kubernetes schemas accept for every model and slot', () => {
    const { serving } = built(env);
    const objects = [
      ...serving.workload.shared(),
      ...models.flatMap((m) => [
        ...SLOTS.flatMap((slot) => serving.workload.slot(m.name, slot, imageRef(`v-${slot}`))),
        ...serving.workload.jobs(m.name, imageRef('v-blue')),
      ]),
    ];
    for (const object of objects)
      expect(() => validateObject(object), `${object.kind} ${object.metadata.name}`).not.toThrow();
    const kinds = new Set(objects.map((o) => o.kind));
    for (const kind of [
      'Namespace',
      'ServiceAccount',
      'Service',
      'TargetGroupBinding',
      'Deployment',
      'PodDisruptionBudget',
      'HorizontalPodAutoscaler',
      'NetworkPolicy',
    ]) {
      expect(kinds).toContain(kind);
    }
  });

  it('points every serving agent at the observability add-on for traces', () => {
    const { serving } = built(env);
    type Pod = { spec: { containers: { name: string; env?: { name: string; value?: string }[] }[] } };
    const deployments = models.flatMap((m) =>
      serving.workload.slot(m.name, 'blue', imageRef('v-blue')).filter((o) => o.kind === 'Deployment'),
    );
    expect(deployments).toHaveLength(models.length);
    for (const deployment of deployments) {
      const pod = (deployment as unknown as { spec: { template: Pod } }).spec.template;
      const endpoints = pod.spec.containers.flatMap((c) =>
        (c.env ?? []).filter((e) => e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT').map((e) => e.value),
      );
      expect(endpoints).toEqual([AWS_OTLP_ENDPOINT]);
    }
  });

  it('routes invoke, health and preview per model through the VPC link to the model listeners', () => {
    const { platform } = built(env);
    const methods = Object.values(platform.findResources('AWS::ApiGateway::Method')) as Resource[];
    const uris = methods.map((m) => JSON.stringify((m.Properties.Integration as { Uri?: unknown })?.Uri ?? ''));
    for (const m of models) {
      for (const [port, path] of [
        [m.gatewayPort, `/models/${m.name}/invoke`],
        [m.gatewayPort, AGENT_READY_PATH],
        [m.gatewayPort + 1, `/models/${m.name}/invoke`],
      ] as const) {
        expect(
          uris.some((uri) => uri.includes(`:${port}${path}`)),
          `${m.name} ${port}${path}`,
        ).toBe(true);
      }
    }
    platform.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic: 'off',
    });
  });

  it('alarms per model on the 5xx share and p99 latency of its invoke route', () => {
    const { template } = built(env);
    for (const m of models) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: `mlops-${env.name}-model-${m.name}-5xx` });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `mlops-${env.name}-model-${m.name}-latency`,
        ExtendedStatistic: 'p99',
        Dimensions: Match.arrayWith([{ Name: 'Resource', Value: `/models/${m.name}/invoke` }]),
      });
    }
  });

  it('serves flags from AppConfig with the API alarms as rollback monitors and an appconfigdata endpoint', () => {
    const { platform } = built(env);
    platform.hasResourceProperties('AWS::AppConfig::ConfigurationProfile', {
      Type: 'AWS.AppConfig.FeatureFlags',
      LocationUri: 'hosted',
    });
    const envs = Object.values(platform.findResources('AWS::AppConfig::Environment')) as Resource[];
    expect(envs[0]?.Properties.Monitors).toHaveLength(2);
    platform.hasResourceProperties('AWS::AppConfig::DeploymentStrategy', { GrowthType: 'LINEAR' });
    platform.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: `com.amazonaws.${env.target.region}.appconfigdata`,
      PrivateDnsEnabled: true,
    });
    const doc = flagDocument(models) as { values: Record<string, { enabled: boolean }> };
    for (const m of models) {
      for (const flag of ['enabled', 'capture', 'shadow'] as const)
        expect(doc.values[flagKey(m.name, flag)]).toBeDefined();
    }
  });

  it('lets the serving pods publish metrics in the models namespace only, put drift events and read flags', () => {
    const { platform } = built(env);
    const policies = Object.values(platform.findResources('AWS::IAM::Policy')) as Resource[];
    const statements = policies.flatMap(
      (p) => (p.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement,
    );
    const bySid = (sid: string) => statements.find((s) => s.Sid === sid);
    expect(bySid('ModelMetrics')).toMatchObject({
      Action: 'cloudwatch:PutMetricData',
      Condition: { StringEquals: { 'cloudwatch:namespace': MODEL_METRICS_NAMESPACE } },
    });
    expect(JSON.stringify(bySid('DriftEvents')?.Resource)).toContain(`event-bus/mlops-${env.name}-models`);
    expect(bySid('ReadFlags')?.Action).toEqual(
      expect.arrayContaining(['appconfig:StartConfigurationSession', 'appconfig:GetLatestConfiguration']),
    );
    platform.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      Namespace: 'model-serving',
      ServiceAccount: 'model-serving',
    });
  });

  it('matches the snapshot', () => {
    expect(built(env).template.toJSON()).toMatchSnapshot();
  });
});
