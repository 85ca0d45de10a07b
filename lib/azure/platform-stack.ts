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
  ConfigError,
  formatProblem,
  PlatformNames,
  platformTags,
  validateEnvironment,
} from '../config';
import { Api } from './api';
import { Cluster } from './cluster';
import { checkCompliance, type TerraformStackJson } from './compliance';
import { GpuPool } from './gpu-pool';
import { HybridLink } from './hybrid-link';
import { Keys } from './keys';
import { MlWorkspace } from './ml-workspace';
import { Monitoring, PlatformAlerts } from './monitoring';
import { mlStorageAccountName } from './names';
import { isDefined, Network } from './network';
import { DeliveryIdentity } from './pipeline';
import { Registry } from './registry';
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
    this.cluster = new Cluster(this, 'cluster', {
      ...wired,
      registry: this.registry.registry,
      storageAccount: this.storage.account,
    });
    this.gpuPools = env.kubernetes.gpuPools.map(
      (pool) =>
        new GpuPool(this, `gpu-pool-${pool.name}`, {
          environment: env,
          names: this.names,
          cluster: this.cluster.cluster,
          subnet: this.network.gpuSubnet,
          subnetReady: [this.network.natAssociations.gpu, this.network.securityGroupAssociations.gpu].filter(isDefined),
          pool,
        }),
    );
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
    this.api = new Api(this, 'api', wired);
    this.alerts = new PlatformAlerts(this, 'alerts', {
      ...base,
      monitoring: this.monitoring,
      cluster: this.cluster.cluster,
      gpuPools: this.gpuPools.map((p) => ({ config: p.config, nodePool: p.nodePool })),
      apiManagement: this.api.apiManagement,
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
