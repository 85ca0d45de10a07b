import type { ApiManagement } from '@cdktf/provider-azurerm/lib/api-management';
import type { ContainerRegistry } from '@cdktf/provider-azurerm/lib/container-registry';
import type { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault';
import type { KubernetesCluster } from '@cdktf/provider-azurerm/lib/kubernetes-cluster';
import type { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace';
import type { MonitorActionGroup } from '@cdktf/provider-azurerm/lib/monitor-action-group';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import type { StorageContainer } from '@cdktf/provider-azurerm/lib/storage-container';
import type { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import type { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import { Annotations, AzurermBackend, LocalBackend, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import {
  type AzureEnvironment,
  azureZoneNames,
  azureZonesOffering,
  CAPTURE_ZONE,
  ConfigError,
  DEFAULT_API_ALARMS,
  formatProblem,
  PlatformNames,
  platformTags,
  resolveGpuMachineType,
  validateEnvironment,
} from '../config';
import { slotLoadBalancerPort } from '../kubernetes';
import { isPrice, PRICES } from '../report/prices';
import { Api, modelApiName, modelsAudience, parseApimSku } from './api';
import { Cluster } from './cluster';
import { checkCompliance, type TerraformStackJson } from './compliance';
import { CpuPool } from './cpu-pool';
import { GpuPool } from './gpu-pool';
import { HybridLink } from './hybrid-link';
import { Keys } from './keys';
import { MlWorkspace } from './ml-workspace';
import { Monitoring, PlatformAlerts } from './monitoring';
import { appConfigurationName, mlStorageAccountName } from './names';
import { isDefined, Network } from './network';
import { Operations } from './operations';
import { DeliveryIdentity } from './pipeline';
import { Registry } from './registry';
import { Serving } from './serving';
import { Storage } from './storage';
import { PlatformTags } from './tags';

export interface PlatformStackProps {
  /** The environment this stack deploys; it must target Azure. */
  readonly environment: AzureEnvironment;
  /**
   * Where Terraform keeps state. `remote` uses the environment's azurerm backend (and local state
   * when it has none); `local` forces local state, for trying a plan without the state account.
   * @default 'remote'
   */
  readonly state?: 'remote' | 'local';
  /**
   * The environment this one promotes models from (production: its staging twin); its delivery
   * identity may read that environment's registry and models.
   * @default - none: the delivery identity reads nothing outside this environment
   */
  readonly promotionSource?: AzureEnvironment;
}

/**
 * One Azure environment of the platform as one Terraform stack (`cdktf.out/stacks/<name>`): the
 * azurerm provider pinned to the environment's subscription, its state backend, and every
 * resource of the environment inside one resource group.
 *
 * The environment is validated before anything is built: errors throw a `ConfigError` naming the
 * file, field, value and fix; warnings become synth-time annotations.
 */
export class PlatformStack extends TerraformStack {
  public readonly environment: AzureEnvironment;
  public readonly names: PlatformNames;
  public readonly resourceGroup: ResourceGroup;
  /** VNet, subnets (incl. `gatewaySubnet` and the DNS resolver subnets), NAT and private DNS zones. */
  public readonly network: Network;
  /** Log Analytics workspace, Application Insights, action group and budget. */
  public readonly monitoring: Monitoring;
  /** Key Vault and the customer-managed keys. */
  public readonly keys: Keys;
  public readonly storage: Storage;
  public readonly registry: Registry;
  public readonly cluster: Cluster;
  public readonly gpuPools: readonly GpuPool[];
  public readonly mlWorkspace: MlWorkspace;
  public readonly api: Api;
  public readonly alerts: PlatformAlerts;
  /** Model operations: drift events, batch and drift alerts, capture expiry, MELT, cost anomalies. */
  public readonly operations: Operations;
  /** The CPU user pool, when a model or job runs on CPU. */
  public readonly cpuPool?: CpuPool;
  /** Serving identity, flags (App Configuration) and delivery (Flux) of the model workload. */
  public readonly serving: Serving;
  /** The identities GitHub Actions deploys and plans this environment with (OIDC, no secrets). */
  public readonly deliveryIdentity: DeliveryIdentity;
  /** The link to the on-premises data centre, when the environment has `hybrid`. */
  public readonly hybridLink?: HybridLink;

  // Shortcuts for the hybrid link and delivery constructs.
  public readonly virtualNetwork: VirtualNetwork;
  /** `GatewaySubnet` for the VPN / ExpressRoute gateway. */
  public readonly gatewaySubnet: Subnet;
  public readonly dnsResolverInboundSubnet: Subnet;
  public readonly dnsResolverOutboundSubnet: Subnet;
  public readonly keyVault: KeyVault;
  public readonly logAnalyticsWorkspace: LogAnalyticsWorkspace;
  public readonly actionGroup: MonitorActionGroup;
  public readonly kubernetesCluster: KubernetesCluster;
  public readonly modelsContainer: StorageContainer;
  public readonly containerRegistry: ContainerRegistry;
  public readonly apiManagement: ApiManagement;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    const env = props.environment;
    const problems = validateEnvironment(env);
    const errors = problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) throw new ConfigError(errors);

    super(scope, id);
    this.environment = env;
    this.names = new PlatformNames(env);
    for (const warning of problems.filter((p) => p.severity === 'warning')) {
      Annotations.of(this).addWarning(formatProblem(warning));
    }
    const target = env.target;
    const production = env.stage === 'production';

    new AzurermProvider(this, 'azurerm', {
      subscriptionId: target.subscriptionId,
      tenantId: target.tenantId,
      // Storage data-plane calls use Entra ID: shared-key access is disabled on every account.
      storageUseAzuread: true,
      features: [
        {
          keyVault: [{ purgeSoftDeleteOnDestroy: false, recoverSoftDeletedKeyVaults: true }],
          resourceGroup: [{ preventDeletionIfContainsResources: true }],
          // With public network access off, azurerm 4.x would otherwise poll the queue and static
          // website data planes of every storage account on create and refresh, and fail on their
          // 403 (hashicorp/terraform-provider-azurerm#33454, the switch came in #27818). The
          // platform uses neither, and its containers are managed through Resource Manager.
          storage: [{ dataPlaneAvailable: false }],
        },
      ],
    });

    const backend = target.stateBackend;
    if (backend && props.state !== 'local') {
      new AzurermBackend(this, {
        resourceGroupName: backend.resourceGroupName,
        storageAccountName: backend.storageAccountName,
        containerName: backend.containerName,
        key: backend.key ?? `${env.name}.tfstate`,
        subscriptionId: target.subscriptionId,
        tenantId: target.tenantId,
        useAzureadAuth: true,
      });
    } else {
      new LocalBackend(this, { path: `terraform.${env.name}.tfstate` });
    }

    this.resourceGroup = new ResourceGroup(this, 'resource-group', {
      name: this.names.resourceGroup,
      location: target.location,
      lifecycle: production ? { preventDestroy: true } : undefined,
    });

    // The identities that apply and plan this stack exist first: the stack gives them the
    // data-plane roles it needs, so the roles never depend on who happens to run Terraform.
    this.deliveryIdentity = new DeliveryIdentity(this, 'delivery-identity', {
      environment: env,
      resourceGroup: this.resourceGroup,
      promotionSource: props.promotionSource,
    });
    const deployer = this.deliveryIdentity.identity.principalId;
    const planner = this.deliveryIdentity.planIdentity.principalId;

    const base = { environment: env, names: this.names, resourceGroup: this.resourceGroup };
    this.network = new Network(this, 'network', base);
    this.monitoring = new Monitoring(this, 'monitoring', base);
    const wired = { ...base, network: this.network, monitoring: this.monitoring };
    this.keys = new Keys(this, 'keys', {
      ...wired,
      administratorPrincipalId: deployer,
      readerPrincipalIds: [planner],
    });
    this.storage = new Storage(this, 'storage', { ...wired, keys: this.keys });
    this.registry = new Registry(this, 'registry', wired);
    const zones = azureZoneNames(target.location, env.network.availabilityZones);
    this.cluster = new Cluster(this, 'cluster', {
      names: this.names,
      name: this.names.aksCluster,
      location: target.location,
      resourceGroupName: this.resourceGroup.name,
      nodeResourceGroupName: `${this.names.resourceGroup}-aks-nodes`,
      tenantId: target.tenantId,
      kubernetesVersion: env.kubernetes.version,
      skuTier: production ? 'Standard' : 'Free',
      apiAllowedCidrs: env.kubernetes.apiAllowedCidrs,
      serviceCidr: env.kubernetes.serviceCidr,
      podCidr: env.kubernetes.podCidr ?? '',
      systemPool: env.kubernetes.systemPool,
      zones,
      networkIsolated: env.network.natGateways === 0,
      network: this.network,
      monitoring: this.monitoring,
      registry: this.registry.registry,
    });
    const gpuSubnetReady = [this.network.natAssociations.gpu, this.network.securityGroupAssociations.gpu].filter(
      isDefined,
    );
    this.gpuPools = env.kubernetes.gpuPools.map((pool) => {
      const vmSize = resolveGpuMachineType('azure', pool);
      return new GpuPool(this, `gpu-pool-${pool.name}`, {
        name: this.names.nodePool(pool.name),
        poolLabel: pool.name,
        accelerator: pool.accelerator,
        clusterId: this.cluster.cluster.id,
        vmSize,
        // GPU sizes are offered per zone: the pool's own zones, else those of the environment
        // that offer the size (validation refuses a pool zone without it).
        zones: pool.zones ?? azureZonesOffering(target.location, vmSize, zones),
        kubernetesVersion: env.kubernetes.version,
        capacity: pool.capacity,
        minNodes: pool.minNodes,
        maxNodes: pool.maxNodes,
        desiredNodes: pool.desiredNodes,
        diskSizeGiB: pool.diskSizeGiB,
        subnet: this.network.gpuSubnet,
        subnetReady: gpuSubnetReady,
      });
    });
    this.mlWorkspace = new MlWorkspace(this, 'ml-workspace', {
      names: this.names,
      name: this.names.machineLearningWorkspace,
      storageAccountName: mlStorageAccountName(this.names, env.name),
      location: target.location,
      resourceGroupName: this.resourceGroup.name,
      storageReplication: production ? 'GZRS' : 'ZRS',
      softDeleteDays: env.storage.lifecycle.noncurrentVersionDays,
      retain: production,
      network: this.network,
      monitoring: this.monitoring,
      applicationInsights: this.monitoring.applicationInsights,
      keyVault: this.keys.vault,
      registry: this.registry.registry,
      encryption: this.storage.encryption,
      dataLakeAccountId: this.storage.account.id,
      dataLakeContainers: this.storage.containers,
    });
    const models = env.serving?.models ?? [];
    // CPU-only models and jobs run on a CPU user pool: the system pool takes critical add-ons only.
    const needsCpuPool = models.some(
      (m) => m.gpuPool === undefined || (m.batch ?? []).some((job) => (job.gpus ?? 1) === 0),
    );
    const systemSubnetReady = [
      this.network.natAssociations.system,
      this.network.securityGroupAssociations.system,
    ].filter(isDefined);
    this.cpuPool = needsCpuPool
      ? new CpuPool(this, 'cpu-pool', {
          clusterId: this.cluster.cluster.id,
          vmSize: env.kubernetes.systemPool.machineType,
          minNodes: env.kubernetes.systemPool.minNodes,
          maxNodes: env.kubernetes.systemPool.maxNodes,
          zones,
          kubernetesVersion: env.kubernetes.version,
          subnet: this.network.systemSubnet,
          subnetReady: systemSubnetReady,
        })
      : undefined;

    // One reserved internal load balancer address for every slot: cloud-provider-azure lets
    // Services share an internal address on different ports
    // (https://kubernetes-sigs.github.io/cloud-provider-azure/topics/shared-ip), and each slot
    // has its own port (blue gatewayPort, green gatewayPort + 1).
    const address = this.network.inferenceIngressIp;
    const { name: tier, capacity } = parseApimSku(env.api.apimSku ?? '');
    // Premium spreads units over zones; the unit count must be a multiple of the zone count.
    const apimZones = tier === 'Premium' && zones.length > 1 && capacity % zones.length === 0 ? zones : undefined;
    this.api = new Api(this, 'api', {
      names: this.names,
      name: this.names.apiManagement,
      location: target.location,
      resourceGroupName: this.resourceGroup.name,
      skuName: env.api.apimSku ?? '',
      zones: apimZones,
      publisherName: env.api.publisher?.name ?? '',
      publisherEmail: env.api.publisher?.email ?? '',
      limits: {
        authMode: env.api.authMode,
        rateLimitPerSecond: env.api.rateLimitPerSecond,
        burst: env.api.burst,
        dailyQuota: env.api.dailyQuota,
        tenantId: target.tenantId,
        audience: modelsAudience(this.names),
      },
      models: models.map((m) => ({
        name: m.name,
        timeoutSeconds: m.timeoutSeconds,
        slotUrls: {
          blue: `http://${address}:${slotLoadBalancerPort(m, 'blue')}`,
          green: `http://${address}:${slotLoadBalancerPort(m, 'green')}`,
        },
      })),
      network: this.network,
      monitoring: this.monitoring,
    });

    const captureContainer = this.storage.containers[CAPTURE_ZONE] ?? this.storage.modelsContainer;
    this.serving = new Serving(this, 'serving', {
      names: this.names,
      location: target.location,
      resourceGroupName: this.resourceGroup.name,
      appConfigurationName: appConfigurationName(this.names),
      retain: production,
      clusterId: this.cluster.cluster.id,
      oidcIssuerUrl: this.cluster.cluster.oidcIssuerUrl,
      kubeletPrincipalId: this.cluster.kubeletIdentity.principalId,
      kubeletClientId: this.cluster.kubeletIdentity.clientId,
      storageAccountId: this.storage.account.id,
      modelsContainerId: this.storage.modelsContainer.id,
      captureContainerId: captureContainer.id,
      deployPrincipalId: deployer,
      readerPrincipalIds: [planner],
      models: models.map((m) => ({ model: m.name, flags: m.flags })),
      nodesReady: [...(this.cpuPool ? [this.cpuPool.nodePool] : []), ...this.gpuPools.map((p) => p.nodePool)],
      network: this.network,
      monitoring: this.monitoring,
    });

    const alarms = env.monitoring;
    this.alerts = new PlatformAlerts(this, 'alerts', {
      names: this.names,
      location: target.location,
      resourceGroupName: this.resourceGroup.name,
      actionGroupId: this.monitoring.actionGroup.id,
      workspaceId: this.monitoring.workspace.id,
      clusterId: this.cluster.cluster.id,
      clusterName: this.names.aksCluster,
      gpuPools: env.kubernetes.gpuPools.map((pool) => ({
        name: pool.name,
        nodePoolName: this.names.nodePool(pool.name),
        maxNodes: pool.maxNodes,
      })),
      modelApis: Object.fromEntries(models.map((m) => [m.name, modelApiName(m.name)])),
      apiThresholds: {
        errorRatePercent: alarms.apiErrorRatePercent ?? DEFAULT_API_ALARMS.errorRatePercent,
        latencyP99Ms: alarms.apiLatencyP99Ms ?? DEFAULT_API_ALARMS.latencyP99Ms,
        evaluationPeriods: DEFAULT_API_ALARMS.evaluationPeriods,
      },
      logsReady: [this.api.diagnostics],
    });

    this.operations = new Operations(this, 'operations', {
      names: this.names,
      environmentName: env.name,
      location: target.location,
      resourceGroupName: this.resourceGroup.name,
      subscriptionId: target.subscriptionId,
      models,
      clusterId: this.cluster.cluster.id,
      clusterName: this.names.aksCluster,
      servingPrincipalId: this.serving.identity.principalId,
      containerIds: Object.fromEntries(Object.entries(this.storage.containers).map(([zone, c]) => [zone, c.id])),
      lifecycle: this.storage,
      gpuPools: env.kubernetes.gpuPools.map((pool) => {
        const price = PRICES.azure[target.location]?.machines[resolveGpuMachineType('azure', pool)];
        return {
          name: pool.name,
          nodePoolName: this.names.nodePool(pool.name),
          hourlyUsd: isPrice(price) && price.per === 'hour' ? price.usd : undefined,
        };
      }),
      modelApis: Object.fromEntries(models.map((m) => [m.name, modelApiName(m.name)])),
      alarmEmails: env.monitoring.alarmEmails,
      network: this.network,
      monitoring: this.monitoring,
    });

    if (env.hybrid) {
      this.hybridLink = new HybridLink(this, 'hybrid-link', {
        environment: env,
        names: this.names,
        resourceGroup: this.resourceGroup,
        virtualNetwork: this.network.virtualNetwork,
        gatewaySubnet: this.network.gatewaySubnet,
        dnsResolverInboundSubnet: this.network.dnsResolverInboundSubnet,
        dnsResolverOutboundSubnet: this.network.dnsResolverOutboundSubnet,
        privateEndpointSubnet: this.network.privateEndpointSubnet,
        privateEndpointSecurityGroup: this.network.privateEndpointSecurityGroup,
        keyVault: this.keys.vault,
        keyVaultReady: this.keys.dataPlaneReady,
        secretAdministratorPrincipalId: deployer,
        secretReaderPrincipalIds: [planner],
        logAnalyticsWorkspace: this.monitoring.workspace,
        actionGroup: this.monitoring.actionGroup,
      });
    }

    this.virtualNetwork = this.network.virtualNetwork;
    this.gatewaySubnet = this.network.gatewaySubnet;
    this.dnsResolverInboundSubnet = this.network.dnsResolverInboundSubnet;
    this.dnsResolverOutboundSubnet = this.network.dnsResolverOutboundSubnet;
    this.keyVault = this.keys.vault;
    this.logAnalyticsWorkspace = this.monitoring.workspace;
    this.actionGroup = this.monitoring.actionGroup;
    this.kubernetesCluster = this.cluster.cluster;
    this.modelsContainer = this.storage.modelsContainer;
    this.containerRegistry = this.registry.registry;
    this.apiManagement = this.api.apiManagement;

    PlatformTags.applyTo(this, platformTags(env));

    // The compliance rule set runs at every synth (after aspects), as cdk-nag does on AWS: a
    // finding fails `cdktf synth` with the rule id, the resource and the rationale.
    this.node.addValidation({
      validate: () =>
        checkCompliance(this.toTerraform() as TerraformStackJson, { production }).map(
          (f) => `${f.ruleId} ${f.address}: ${f.message}`,
        ),
    });
  }
}
