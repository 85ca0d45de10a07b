import { Annotations, Aspects, CfnOutput, Stack, type StackProps, Stage, Tags } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import type * as eks from 'aws-cdk-lib/aws-eks-v2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import {
  type AwsEnvironment,
  awsPoolZones,
  awsZoneNames,
  CAPTURE_ZONE,
  ConfigError,
  formatProblem,
  PlatformNames,
  platformTags,
  resolveGpuMachineType,
  validateEnvironment,
} from '../config';
import { ModelApi } from './api';
import { PlatformCluster } from './cluster';
import { FeatureFlags } from './feature-flags';
import { GpuPools } from './gpu-pool';
import { HybridLink } from './hybrid-link';
import { type KeyPurpose, PlatformKeys } from './keys';
import { MirrorStack } from './mirror';
import { EnvironmentBudget, LogRetention, PlatformMonitoring } from './monitoring';
import { PlatformNetwork } from './network';
import { ModelOperations } from './operations';
import { PlatformRegistry, REPOSITORIES } from './registry';
import { ReleaseState } from './release-state';
import { grantServingAccess, imageRegistry, ServingStack } from './serving';
import { PlatformStorage, pascal } from './storage';

interface PlatformStackProps extends StackProps {
  /** The environment's availability zones, by name. */
  readonly zones: readonly string[];
}

/**
 * The stack of an environment's platform resources. It answers `availabilityZones` from the
 * environment instead of a context lookup, so synthesis needs no credentials: constructs that ask
 * the stack for its zones (EKS, load balancers) get the VPC's zones.
 */
class PlatformStack extends Stack {
  private readonly zones: readonly string[];

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, props);
    this.zones = props.zones;
  }

  override get availabilityZones(): string[] {
    return [...this.zones];
  }
}

export interface PlatformStageProps {
  /** The environment this stage deploys; it must target AWS. */
  readonly environment: AwsEnvironment;
}

/**
 * One AWS environment of the platform: every stack of the environment, deployed to the account
 * and region of `environment.target` (`npx cdk deploy 'Staging/*'`).
 *
 * The environment is validated before any stack is built: errors throw a `ConfigError` naming
 * the file, field, value and fix; warnings become synth-time annotations.
 */
export class PlatformStage extends Stage {
  public readonly environment: AwsEnvironment;
  public readonly names: PlatformNames;
  /** The stack of the environment's platform resources. */
  public readonly platform: Stack;
  /** The registry mirror (charts, cached and copied images), deployed and filled before `platform`. */
  public readonly mirror: MirrorStack;
  public readonly network: PlatformNetwork;
  /** The environment's VPC. */
  public readonly vpc: ec2.IVpc;
  /** Subnets where nodes, pods, the NLB and the endpoints run (egress via NAT, or isolated). */
  public readonly privateSubnets: ec2.SubnetSelection;
  /** Subnets with no route to the internet. */
  public readonly isolatedSubnets: ec2.SubnetSelection;
  public readonly keys: PlatformKeys;
  /** Customer-managed KMS keys by purpose. */
  public readonly kmsKeys: Readonly<Record<KeyPurpose, kms.IKey>>;
  public readonly storage: PlatformStorage;
  /** The `models` data zone bucket. */
  public readonly modelsBucket: s3.IBucket;
  public readonly registry: PlatformRegistry;
  /** The `model-serving` ECR repository. */
  public readonly modelRepository: ecr.IRepository;
  public readonly platformCluster: PlatformCluster;
  /** The EKS cluster. */
  public readonly cluster: eks.Cluster;
  public readonly gpuPools: GpuPools;
  public readonly modelApi: ModelApi;
  /** The model API (REST). */
  public readonly api: apigw.RestApi;
  public readonly monitoring: PlatformMonitoring;
  public readonly alarmTopic: sns.ITopic;
  public readonly dashboard: cloudwatch.Dashboard;
  /** Model operations: batch, drift and outlier alarms, the model event bus, traces, per-model dashboards, cost anomalies. */
  public readonly operations: ModelOperations;
  /** The link to the on-premises data centre, when the environment has `hybrid`. */
  public readonly hybridLink?: HybridLink;
  /** The models' feature flags (AppConfig). */
  public readonly featureFlags: FeatureFlags;
  /** The serving release state (SSM parameters the `Serving` stack resolves). */
  public readonly releaseState: ReleaseState;
  /** The stack of the serving workload, listeners and target groups, when the environment serves models. */
  public readonly serving?: ServingStack;

  constructor(scope: Construct, id: string, props: PlatformStageProps) {
    const env = props.environment;
    const problems = validateEnvironment(env);
    const errors = problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) throw new ConfigError(errors);

    super(scope, id, { env: { account: env.target.account, region: env.target.region } });
    this.environment = env;
    this.names = new PlatformNames(env);
    for (const warning of problems.filter((p) => p.severity === 'warning')) {
      Annotations.of(this).addWarningV2('mlops:config', formatProblem(warning));
    }
    for (const [key, value] of Object.entries(platformTags(env))) {
      Tags.of(this).add(key, value);
    }

    const production = env.stage === 'production';
    const zones = awsZoneNames(env.target.region, env.network.availabilityZones);
    const logRetention = env.monitoring.logRetentionDays as logs.RetentionDays;
    this.mirror = new MirrorStack(this, 'Mirror', {
      stackName: this.names.resource('mirror'),
      description: `MLOps platform '${env.name}': registry mirror`,
      terminationProtection: production,
      names: this.names,
      retain: production,
    });
    this.platform = new PlatformStack(this, 'Platform', {
      stackName: this.names.resource('platform'),
      description: `MLOps platform '${env.name}' (${env.stage})`,
      terminationProtection: production,
      zones,
    });
    this.platform.addStackDependency(this.mirror, 'Helm releases pull charts and images from the mirror');
    new EnvironmentBudget(this.platform, 'Budget', {
      names: this.names,
      monthlyBudgetUsd: env.monitoring.monthlyBudgetUsd,
      alarmEmails: env.monitoring.alarmEmails,
      thresholdsPercent: env.monitoring.budgetThresholdsPercent,
    });
    Aspects.of(this.platform).add(new LogRetention(env.monitoring.logRetentionDays));

    const stack = this.platform;
    this.keys = new PlatformKeys(stack, 'Keys', { names: this.names, retain: production });
    this.kmsKeys = {
      data: this.keys.data,
      logs: this.keys.logs,
      cluster: this.keys.cluster,
    };
    this.network = new PlatformNetwork(stack, 'Network', {
      names: this.names,
      network: env.network,
      availabilityZones: zones,
      logRetention,
      retain: production,
      hybridNodeCidrs: env.hybrid?.nodeCidrs,
      logsKey: this.keys.logs,
    });
    this.vpc = this.network.vpc;
    this.privateSubnets = this.network.workloadSubnets;
    this.isolatedSubnets = this.network.isolatedSubnets;
    this.storage = new PlatformStorage(stack, 'Storage', {
      names: this.names,
      storage: env.storage,
      accessLogDays: env.monitoring.logRetentionDays,
      retain: production,
      dataKey: this.keys.data,
    });
    this.modelsBucket = this.storage.bucket('models');
    const models = env.serving?.models ?? [];
    this.registry = new PlatformRegistry(stack, 'Registry', {
      names: this.names,
      retain: production,
      dataKey: this.keys.data,
      // The model agent and every model's repository (`<p>-<env>/<repository>`), besides the defaults.
      repositories: [...new Set([...REPOSITORIES, 'model-agent', ...models.map((m) => m.repository)])],
    });
    this.modelRepository = this.registry.modelServing;
    this.platformCluster = new PlatformCluster(stack, 'Cluster', {
      names: this.names,
      kubernetesVersion: env.kubernetes.version,
      apiAllowedCidrs: env.kubernetes.apiAllowedCidrs,
      serviceCidr: env.kubernetes.serviceCidr,
      systemPool: env.kubernetes.systemPool,
      remoteNodeCidrs: env.hybrid?.nodeCidrs,
      remotePodCidrs: env.hybrid?.podCidrs,
      networkIsolated: env.network.natGateways === 0,
      registryAccount: env.target.account,
      registryRegion: env.target.region,
      logRetention,
      retain: production,
      vpc: this.vpc,
      subnets: this.privateSubnets,
      clusterKey: this.keys.cluster,
      logsKey: this.keys.logs,
      modelsBucket: this.modelsBucket,
      modelRepository: this.modelRepository,
    });
    this.cluster = this.platformCluster.cluster;
    this.gpuPools = new GpuPools(stack, 'GpuPools', {
      names: this.names,
      platformCluster: this.platformCluster,
      subnets: this.privateSubnets,
      pools: env.kubernetes.gpuPools.map((pool) => {
        const instanceType = resolveGpuMachineType('aws', pool);
        const availabilityZones = awsPoolZones(env.target, env.network.availabilityZones, pool, instanceType);
        return { ...pool, instanceType, availabilityZones };
      }),
      kubernetesVersion: env.kubernetes.version,
      registryAccount: env.target.account,
      registryRegion: env.target.region,
    });
    this.modelApi = new ModelApi(stack, 'Api', {
      names: this.names,
      api: env.api,
      models,
      logRetention,
      retain: production,
      waf: production,
      vpc: this.vpc,
      vpcCidr: env.network.cidr,
      subnets: this.privateSubnets,
      logsKey: this.keys.logs,
      inferenceSecurityGroup: this.cluster.clusterSecurityGroup,
    });
    this.api = this.modelApi.api;
    this.monitoring = new PlatformMonitoring(stack, 'Monitoring', {
      names: this.names,
      environmentName: env.name,
      alarmEmails: env.monitoring.alarmEmails,
      gpuPools: env.kubernetes.gpuPools,
      apiErrorRatePercent: env.monitoring.apiErrorRatePercent,
      apiLatencyP99Ms: env.monitoring.apiLatencyP99Ms,
      logsKey: this.keys.logs,
      api: this.api,
      clusterName: this.names.eksCluster,
      gpuPoolInstanceTypes: this.gpuPools.instanceTypes,
    });
    this.alarmTopic = this.monitoring.alarmTopic;
    this.dashboard = this.monitoring.dashboard;
    this.operations = new ModelOperations(stack, 'Operations', {
      names: this.names,
      environmentName: env.name,
      models,
      alarmTopic: this.alarmTopic,
      key: this.keys.logs,
      captureBucket: this.storage.buckets[CAPTURE_ZONE],
      clusterName: this.names.eksCluster,
      gpuPoolInstanceTypes: this.gpuPools.instanceTypes,
      logRetentionDays: env.monitoring.logRetentionDays,
      monthlyBudgetUsd: env.monitoring.monthlyBudgetUsd,
      retain: production,
    });

    this.featureFlags = new FeatureFlags(stack, 'FeatureFlags', {
      names: this.names,
      environmentName: env.name,
      models,
      rollbackAlarms: this.monitoring.alarms.filter((a) => ['Api5xxRate', 'ApiLatencyP99'].includes(a.node.id)),
      vpc: this.vpc,
      subnets: this.privateSubnets,
      endpointSecurityGroup: this.network.endpointSecurityGroup,
    });
    grantServingAccess(this.platformCluster.modelServingRole, {
      environmentName: env.name,
      models,
      buckets: this.storage.buckets,
      flagsConfigurationArn: stack.formatArn({
        service: 'appconfig',
        resource: 'application',
        resourceName: `${this.featureFlags.application.ref}/environment/${this.featureFlags.environment.ref}/configuration/${this.featureFlags.profile.ref}`,
      }),
    });
    this.releaseState = new ReleaseState(stack, 'ServingRelease', {
      environmentName: env.name,
      models: models.map((m) => m.name),
    });

    if (env.hybrid) {
      const isolated = this.vpc.selectSubnets(this.isolatedSubnets).subnets;
      this.hybridLink = new HybridLink(stack, 'HybridLink', {
        hybrid: env.hybrid,
        names: this.names,
        vpc: this.vpc,
        privateSubnets: [...this.vpc.selectSubnets(this.privateSubnets).subnets, ...isolated],
        // network.ts reserves the isolated subnets for the resolver endpoints.
        resolverSubnets: isolated,
        key: this.keys.cluster,
        alarmTopic: this.alarmTopic,
        dashboard: this.dashboard,
        cluster: this.cluster,
        queryLogKey: this.keys.logs,
        queryLogRetention: logRetention,
      });
    }

    if (models.length > 0) {
      this.serving = new ServingStack(this, 'Serving', {
        stackName: this.names.resource('serving'),
        description: `MLOps platform '${env.name}': model serving release (workload, listeners, target groups)`,
        terminationProtection: production,
        names: this.names,
        environmentName: env.name,
        models,
        dataZones: env.storage.zones,
        kubernetesVersion: env.kubernetes.version,
        gpuPools: env.kubernetes.gpuPools,
        registry: imageRegistry(env.target, this.names),
        apiErrorRatePercent: env.monitoring.apiErrorRatePercent,
        apiLatencyP99Ms: env.monitoring.apiLatencyP99Ms,
        cluster: this.cluster,
        vpc: this.vpc,
        loadBalancer: this.modelApi.loadBalancer,
        gatewayCidrs: this.vpc.selectSubnets(this.privateSubnets).subnets.map((s) => s.ipv4CidrBlock),
        apiName: this.names.resource('model-api'),
        alarmTopic: this.alarmTopic,
        flags: {
          application: this.featureFlags.applicationName,
          environment: this.featureFlags.environmentName,
          profile: this.featureFlags.profileName,
        },
      });
      this.serving.addStackDependency(this.platform, 'The SSM parameters the serving stack resolves must exist first');
    }

    new CfnOutput(stack, 'ClusterName', { value: this.cluster.clusterName, description: 'EKS cluster name' });
    new CfnOutput(stack, 'ApiUrl', { value: this.api.url, description: 'Model API base URL' });
    new CfnOutput(stack, 'ModelEventBusName', {
      value: this.operations.eventBus.eventBusName,
      description: 'EventBridge bus of the model events (Model Drift Detected)',
    });
    new CfnOutput(stack, 'ModelDriftTopicArn', {
      value: this.operations.driftTopic.topicArn,
      description: 'SNS topic a retraining pipeline subscribes to for drift events',
    });
    for (const [zone, bucket] of Object.entries(this.storage.buckets)) {
      new CfnOutput(stack, `${pascal(zone)}BucketName`, {
        value: bucket.bucketName,
        description: `S3 bucket of the ${zone} zone`,
      });
    }
    for (const [name, repo] of Object.entries(this.registry.repositories)) {
      new CfnOutput(stack, `${pascal(name)}RepositoryUri`, {
        value: repo.repositoryUri,
        description: `ECR repository ${name}`,
      });
    }
  }
}
