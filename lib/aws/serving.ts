import { CfnCondition, type CfnResource, Duration, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import {
  AGENT_PORT,
  AWS_OTLP_ENDPOINT,
  type AwsTarget,
  CAPTURE_PREFIX,
  CAPTURE_ZONE,
  DATA_ZONES,
  type DataZone,
  DEFAULT_API_ALARMS,
  type GpuPoolConfig,
  MODEL_METRICS_NAMESPACE,
  type ModelEndpointConfig,
  modelEventBusName,
  modelEventSource,
  NO_IMAGE,
  type PlatformNames,
  POOL_LABEL,
  SLOTS,
  type Slot,
  SYSTEM_POOL,
} from '../config';
import {
  AGENT_READY_PATH,
  type KubernetesObject,
  type PerSlot,
  ServingWorkload,
  WORKLOAD_DEFAULTS,
} from '../kubernetes';
import { acknowledge } from './acknowledge';
import { API_STAGE } from './api';
import { ReleaseParameters } from './release-state';
import { pascal } from './storage';

/** Health checks of the slots' target groups (the model agent's readiness path on its port). */
export const SLOT_HEALTH_CHECK = {
  intervalSeconds: 10,
  timeoutSeconds: 5,
  healthyCount: 2,
  unhealthyCount: 2,
} as const;

/** The preview listener of a model: its `gatewayPort + 1`, forwarding to the candidate slot. */
export function previewPort(model: Pick<ModelEndpointConfig, 'gatewayPort'>): number {
  return model.gatewayPort + 1;
}

/** Names of a model's two alarms, which the model pipeline watches while a release bakes. */
export function modelAlarmNames(names: PlatformNames, model: string): { errors: string; latency: string } {
  return { errors: names.resource(`model-${model}-5xx`), latency: names.resource(`model-${model}-latency`) };
}

/** Registry host and prefix of an environment's images: `<account>.dkr.ecr.<region>.amazonaws.com/<p>-<env>`. */
export function imageRegistry(target: Pick<AwsTarget, 'account' | 'region'>, names: PlatformNames): string {
  return `${target.account}.dkr.ecr.${target.region}.amazonaws.com/${names.base}`;
}

/** The AppConfig names the AppConfig agent sidecars read the flags by. */
export interface FlagNames {
  readonly application: string;
  readonly environment: string;
  readonly profile: string;
}

export interface ServingStackProps extends StackProps {
  readonly names: PlatformNames;
  /** The environment's name: the release parameters, the workload and the model event bus carry it. */
  readonly environmentName: string;
  /** The models served (`serving.models`). */
  readonly models: readonly ModelEndpointConfig[];
  /** The data zones the environment has (`storage.zones`), handed to the workload as bucket URLs. */
  readonly dataZones: readonly DataZone[];
  /** The cluster's Kubernetes minor, whose schemas the workload is rendered for. */
  readonly kubernetesVersion: string;
  /** The GPU pools the workload's models and jobs may be placed on. */
  readonly gpuPools: readonly GpuPoolConfig[];
  /** Registry host and prefix of the environment's images (`imageRegistry`). */
  readonly registry: string;
  /**
   * Per-model alarm on the share of invoke requests answered with a 5xx, percent over 5 minutes.
   * @default DEFAULT_API_ALARMS.errorRatePercent (5)
   */
  readonly apiErrorRatePercent?: number;
  /**
   * Per-model alarm on the invoke route's p99 latency, milliseconds over 5 minutes.
   * @default DEFAULT_API_ALARMS.latencyP99Ms (10000)
   */
  readonly apiLatencyP99Ms?: number;
  /** The cluster whose kubectl handler applies the workload (in the VPC, beside the private endpoint). */
  readonly cluster: eks.ICluster;
  readonly vpc: ec2.IVpc;
  /** The model API's internal NLB: the stack adds each model's live and preview listeners to it. */
  readonly loadBalancer: elbv2.INetworkLoadBalancer;
  /** CIDRs of the load balancer's subnets: the pods see its addresses (client IPs are not preserved). */
  readonly gatewayCidrs: readonly string[];
  /** Name of the model API (`AWS/ApiGateway` `ApiName`), for the per-model alarms. */
  readonly apiName: string;
  /** Where the per-model alarms notify. */
  readonly alarmTopic: sns.ITopic;
  readonly flags: FlagNames;
}

/**
 * The serving stack of an environment (`<Stage>/Serving`): what a model release changes, and
 * nothing stateful.
 *
 * - Release state: SSM-typed parameters (lib/aws/release-state.ts); a slot whose image is `none`
 *   (or any slot before the agents are released) has no objects, by condition.
 * - Per model and slot an IP target group on the model agent's port, health-checked on its
 *   readiness path; the live listener on `gatewayPort` forwards by weight (green = the release's
 *   `green-weight`, blue = the rest), the preview listener on `gatewayPort + 1` to the candidate.
 *   Both slots stay attached at any weight: the load balancer controller's readiness gates wait
 *   for health checks, which run only on attached target groups.
 * - The serving workload (lib/kubernetes), applied through the aws-eks-v2 kubectl handler: the
 *   shared objects, the event logger, each released slot with its `TargetGroupBinding`, and the
 *   jobs on the live slot.
 * - Per model a 5xx-share and a p99-latency alarm on its invoke route, which releases watch.
 */
export class ServingStack extends Stack {
  public readonly release: ReleaseParameters;
  public readonly workload: ServingWorkload;
  /** Target groups by model and slot. */
  public readonly targetGroups: Readonly<Record<string, Readonly<Record<Slot, elbv2.CfnTargetGroup>>>>;
  /** Live and preview listeners by model. */
  public readonly listeners: Readonly<Record<string, { live: elbv2.CfnListener; preview: elbv2.CfnListener }>>;
  public readonly sharedManifest: eks.KubernetesManifest;
  /** The event logger (Kubernetes events into the application log group), once the model agent is released. */
  public readonly eventsManifest: eks.KubernetesManifest;
  /** Per model: the 5xx-share and latency alarms. */
  public readonly modelAlarms: Readonly<Record<string, { errors: cloudwatch.Alarm; latency: cloudwatch.Alarm }>>;

  constructor(scope: Construct, id: string, props: ServingStackProps) {
    super(scope, id, props);
    const { names, models } = props;
    this.release = new ReleaseParameters(this, 'Release', {
      environmentName: props.environmentName,
      models: models.map((m) => m.name),
    });

    const targetGroups: Record<string, Record<Slot, elbv2.CfnTargetGroup>> = {};
    const listeners: Record<string, { live: elbv2.CfnListener; preview: elbv2.CfnListener }> = {};
    const drain = WORKLOAD_DEFAULTS.drainSeconds;
    for (const m of models) {
      const p = pascal(m.name);
      const r = this.release.model(m.name);
      const groups = Object.fromEntries(
        SLOTS.map((slot) => [
          slot,
          new elbv2.CfnTargetGroup(this, `${p}${pascal(slot)}Targets`, {
            vpcId: props.vpc.vpcId,
            targetType: 'ip',
            ipAddressType: 'ipv4',
            protocol: 'TCP',
            port: AGENT_PORT,
            healthCheckEnabled: true,
            healthCheckProtocol: 'HTTP',
            healthCheckPort: 'traffic-port',
            healthCheckPath: AGENT_READY_PATH,
            healthCheckIntervalSeconds: SLOT_HEALTH_CHECK.intervalSeconds,
            healthCheckTimeoutSeconds: SLOT_HEALTH_CHECK.timeoutSeconds,
            healthyThresholdCount: SLOT_HEALTH_CHECK.healthyCount,
            unhealthyThresholdCount: SLOT_HEALTH_CHECK.unhealthyCount,
            matcher: { httpCode: '200' },
            targetGroupAttributes: [
              // A terminating pod's agent keeps serving for `drain` seconds, then finishes its
              // in-flight requests within the model's timeout: the load balancer waits as long.
              { key: 'deregistration_delay.timeout_seconds', value: String(drain + m.timeoutSeconds) },
              // The pods' network policy admits the load balancer's subnets, so the source stays the NLB.
              { key: 'preserve_client_ip.enabled', value: 'false' },
            ],
            tags: [{ key: 'mlops.platform/slot', value: `${m.name}-${slot}` }],
          }),
        ]),
      ) as Record<Slot, elbv2.CfnTargetGroup>;
      targetGroups[m.name] = groups;
      // https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-listeners.html (weighted target groups, 0-999)
      const live = new elbv2.CfnListener(this, `${p}Live`, {
        loadBalancerArn: props.loadBalancer.loadBalancerArn,
        port: m.gatewayPort,
        protocol: 'TCP',
        defaultActions: [
          {
            type: 'forward',
            forwardConfig: {
              targetGroups: SLOTS.map((slot) => ({ targetGroupArn: groups[slot].ref, weight: r.weight[slot] })),
            },
          },
        ],
      });
      const preview = new elbv2.CfnListener(this, `${p}Preview`, {
        loadBalancerArn: props.loadBalancer.loadBalancerArn,
        port: previewPort(m),
        protocol: 'TCP',
        defaultActions: [
          {
            type: 'forward',
            targetGroupArn: Fn.conditionIf(r.candidateGreen.logicalId, groups.green.ref, groups.blue.ref).toString(),
          },
        ],
      });
      listeners[m.name] = { live, preview };
      const plainTcp =
        'Internal TCP listener reached only through the API Gateway VPC link (no inbound rule on the load balancer); clients get TLS at API Gateway';
      for (const listener of [live, preview]) {
        acknowledge(listener, {
          'HIPAA.Security-ELBv2ACMCertificateRequired': plainTcp,
          'NIST.800.53.R5-ELBv2ACMCertificateRequired': plainTcp,
        });
      }
    }
    this.targetGroups = targetGroups;
    this.listeners = listeners;

    const { region } = this;
    const dataZones = Object.fromEntries(
      DATA_ZONES.filter((zone) => props.dataZones.includes(zone)).map((zone) => [zone, `s3://${names.bucket(zone)}`]),
    );
    this.workload = new ServingWorkload({
      environment: props.environmentName,
      kubernetesVersion: props.kubernetesVersion,
      models,
      gpuPools: props.gpuPools,
      registry: props.registry,
      agentImage: this.release.agentImage,
      cpuNodeSelector: { [POOL_LABEL]: SYSTEM_POOL },
      gatewayCidrs: props.gatewayCidrs,
      dataZones,
      metrics: { kind: 'cloudwatch', namespace: MODEL_METRICS_NAMESPACE, region },
      events: {
        kind: 'eventbridge',
        busName: modelEventBusName(props.environmentName),
        region,
        source: modelEventSource(props.environmentName),
      },
      // The observability add-on's CloudWatch agent receives OTLP and sends the spans to X-Ray.
      telemetry: { otlpEndpoint: AWS_OTLP_ENDPOINT },
      binding: {
        cloud: 'aws',
        region,
        targetGroupArns: Object.fromEntries(
          Object.entries(targetGroups).map(([model, groups]) => [
            model,
            { blue: groups.blue.ref, green: groups.green.ref },
          ]),
        ) as PerSlot<string>,
        appConfigApplication: props.flags.application,
        appConfigEnvironment: props.flags.environment,
        appConfigProfile: props.flags.profile,
        appConfigAgentImage: this.release.appConfigAgentImage,
      },
    });

    const manifest = (manifestId: string, objects: KubernetesObject[]) =>
      new eks.KubernetesManifest(this, manifestId, {
        cluster: props.cluster,
        manifest: objects as unknown as Record<string, unknown>[],
      });
    this.sharedManifest = manifest('Shared', this.workload.shared());
    // The event logger runs the model agent image: nothing to run before its first release.
    this.eventsManifest = manifest('Events', this.workload.events());
    (this.eventsManifest.node.defaultChild as CfnResource).cfnOptions.condition = new CfnCondition(
      this,
      'ModelAgentReleased',
      { expression: Fn.conditionNot(Fn.conditionEquals(this.release.agentImage, NO_IMAGE)) },
    );
    this.eventsManifest.node.addDependency(this.sharedManifest);
    for (const m of models) {
      const p = pascal(m.name);
      const r = this.release.model(m.name);
      for (const slot of SLOTS) {
        const slotManifest = manifest(
          `${p}${pascal(slot)}`,
          this.workload.slot(m.name, slot, r.image[slot], r.version[slot]),
        );
        (slotManifest.node.defaultChild as CfnResource).cfnOptions.condition = r.released[slot];
        slotManifest.node.addDependency(this.sharedManifest);
      }
      if ((m.batch ?? []).length > 0 || m.drift) {
        const { anyReleased, greenLive } = r.jobConditions();
        const liveImage = Fn.conditionIf(greenLive.logicalId, r.image.green, r.image.blue).toString();
        const liveVersion = Fn.conditionIf(greenLive.logicalId, r.version.green, r.version.blue).toString();
        const jobsManifest = manifest(`${p}Jobs`, this.workload.jobs(m.name, liveImage, liveVersion));
        (jobsManifest.node.defaultChild as CfnResource).cfnOptions.condition = anyReleased;
        jobsManifest.node.addDependency(this.sharedManifest);
      }
    }

    this.modelAlarms = Object.fromEntries(models.map((m) => [m.name, this.alarmsOf(m, props)]));
  }

  /** The model's share of 5xx answers and p99 latency on its invoke route (API Gateway per-method metrics). */
  private alarmsOf(
    m: ModelEndpointConfig,
    props: ServingStackProps,
  ): { errors: cloudwatch.Alarm; latency: cloudwatch.Alarm } {
    const period = Duration.minutes(5);
    const metric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        statistic,
        period,
        dimensionsMap: {
          ApiName: props.apiName,
          Stage: API_STAGE,
          Method: 'POST',
          Resource: `/models/${m.name}/invoke`,
        },
      });
    const alarmNames = modelAlarmNames(props.names, m.name);
    const action = new cloudwatchActions.SnsAction(props.alarmTopic);
    const errorRate = props.apiErrorRatePercent ?? DEFAULT_API_ALARMS.errorRatePercent;
    const latencyMs = props.apiLatencyP99Ms ?? DEFAULT_API_ALARMS.latencyP99Ms;
    const alarm = (
      alarmId: string,
      alarmName: string,
      expression: cloudwatch.IMetric,
      threshold: number,
      description: string,
    ) => {
      const a = new cloudwatch.Alarm(this, alarmId, {
        alarmName,
        alarmDescription: description,
        metric: expression,
        threshold,
        evaluationPeriods: DEFAULT_API_ALARMS.evaluationPeriods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      return a;
    };
    const p = pascal(m.name);
    return {
      errors: alarm(
        `${p}ErrorRate`,
        alarmNames.errors,
        new cloudwatch.MathExpression({
          expression: 'IF(requests > 0, 100 * errors / requests, 0)',
          usingMetrics: { errors: metric('5XXError', 'Sum'), requests: metric('Count', 'Sum') },
          period,
          label: `${m.name} 5xx (%)`,
        }),
        errorRate,
        `${errorRate}% or more of ${m.name}'s requests fail with 5xx`,
      ),
      latency: alarm(
        `${p}LatencyP99`,
        alarmNames.latency,
        metric('Latency', 'p99'),
        latencyMs,
        `${m.name}'s p99 latency is ${latencyMs} ms or more`,
      ),
    };
  }
}

export interface ServingAccessProps {
  /** The environment's name, which names its model event bus. */
  readonly environmentName: string;
  /** The models served: each batch job reads its input prefix and writes its output prefix. */
  readonly models: readonly ModelEndpointConfig[];
  /** The environment's data buckets by zone. */
  readonly buckets: Readonly<Partial<Record<DataZone, s3.IBucket>>>;
  /** ARN of the AppConfig flag profile's configuration (`.../application/<id>/environment/<id>/configuration/<id>`). */
  readonly flagsConfigurationArn: string;
}

/**
 * What the serving pods (the `model-serving` service account, through EKS Pod Identity) may do
 * beyond reading the models zone: write and read captures in the capture zone, read batch inputs
 * and write batch outputs, read the flags (AppConfig data), publish metrics in the models'
 * namespace only, and put drift events on the environment's model event bus.
 */
export function grantServingAccess(role: iam.Role, props: ServingAccessProps): void {
  const stack = Stack.of(role);
  const findings: Record<string, string> = {};
  const prefixFinding = (bucket: s3.IBucket, prefix: string, why: string) => {
    const logicalId = stack.getLogicalId(bucket.node.defaultChild as CfnResource);
    findings[`AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${prefix}]`] = why;
  };
  const put = (bucket: s3.IBucket, prefix: string, why: string) => {
    bucket.grantPut(role, prefix);
    prefixFinding(bucket, prefix, why);
  };
  const read = (bucket: s3.IBucket, prefix: string, why: string) => {
    bucket.grantRead(role, prefix);
    prefixFinding(bucket, prefix, why);
  };
  const captures = props.buckets[CAPTURE_ZONE];
  if (captures) {
    const why = 'The capture prefix: serving agents write one object per sampled request, drift jobs read them';
    put(captures, `${CAPTURE_PREFIX}/*`, why);
    read(captures, `${CAPTURE_PREFIX}/*`, why);
  }
  for (const m of props.models) {
    for (const job of m.batch ?? []) {
      const [inZone = '', ...inPath] = job.input.split('/');
      const [outZone = '', ...outPath] = job.output.split('/');
      const input = props.buckets[inZone as DataZone];
      const output = props.buckets[outZone as DataZone];
      if (input) read(input, `${inPath.join('/')}*`, `The input prefix of ${m.name}'s batch job ${job.name}`);
      if (output) put(output, `${outPath.join('/')}*`, `The output prefix of ${m.name}'s batch job ${job.name}`);
    }
  }
  const putReason =
    'What grantPut needs on prefix-scoped objects (abort multipart uploads) and on the data key (encrypt new objects, S3 Bucket Keys)';
  Object.assign(findings, {
    'AwsSolutions-IAM5[Action::s3:Abort*]': putReason,
    'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]': putReason,
    'AwsSolutions-IAM5[Action::kms:ReEncrypt*]': putReason,
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ReadFlags',
      actions: ['appconfig:StartConfigurationSession', 'appconfig:GetLatestConfiguration'],
      resources: [props.flagsConfigurationArn],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ModelMetrics',
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': MODEL_METRICS_NAMESPACE } },
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'DriftEvents',
      actions: ['events:PutEvents'],
      resources: [
        `arn:${stack.partition}:events:${stack.region}:${stack.account}:event-bus/${modelEventBusName(props.environmentName)}`,
      ],
    }),
  );
  acknowledge(role, {
    ...findings,
    'AwsSolutions-IAM5[Resource::*]':
      'cloudwatch:PutMetricData has no resource-level permission; the cloudwatch:namespace condition limits it to the models namespace. ecr:GetAuthorizationToken has none either',
  });
}
