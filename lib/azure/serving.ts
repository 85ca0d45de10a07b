import { AppConfiguration } from '@cdktf/provider-azurerm/lib/app-configuration';
import { AppConfigurationFeature } from '@cdktf/provider-azurerm/lib/app-configuration-feature';
import { FederatedIdentityCredential } from '@cdktf/provider-azurerm/lib/federated-identity-credential';
import { KubernetesClusterExtension } from '@cdktf/provider-azurerm/lib/kubernetes-cluster-extension';
import { KubernetesFluxConfiguration } from '@cdktf/provider-azurerm/lib/kubernetes-flux-configuration';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { StorageContainer } from '@cdktf/provider-azurerm/lib/storage-container';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { flagKey, type ModelFlags, type PlatformNames, SERVING_NAMESPACE, SERVING_SERVICE_ACCOUNT } from '../config';
import type { Monitoring } from './monitoring';
import type { Network } from './network';
import { privateEndpoint } from './private-endpoint';

/** The blob container of the environment's storage account that Flux reconciles. */
export const SERVING_CONTAINER = 'serving';
/** Folder of the rendered manifests in the container; `release.json` sits beside it. */
export const MANIFESTS_PATH = 'manifests';
/** The release state document in the container. */
export const RELEASE_BLOB = 'release.json';

/**
 * How often Flux looks at the container and re-applies the manifests, and how long one pass may
 * take. A release waits for a pass, so short intervals keep releases quick; the source is a small
 * blob listing over the private endpoint.
 */
export const FLUX_SYNC = { sourceIntervalSeconds: 60, applyIntervalSeconds: 120, timeoutSeconds: 600 } as const;

/** Extension types and names of the two AKS cluster extensions serving relies on. */
export const FLUX_EXTENSION = { name: 'flux', type: 'microsoft.flux' } as const;
export const APP_CONFIGURATION_EXTENSION = {
  name: 'appconfigurationkubernetesprovider',
  type: 'Microsoft.AppConfiguration',
} as const;

/** Soft-delete retention of the App Configuration store, days (1-7). */
export const APP_CONFIGURATION_SOFT_DELETE_DAYS = 7;

/** One model's flags as the store starts with them. */
export interface ModelFlagDefaults {
  readonly model: string;
  readonly flags?: ModelFlags;
}

export interface ServingProps {
  readonly names: PlatformNames;
  readonly location: string;
  readonly resourceGroupName: string;
  /** Name of the App Configuration store (5-50 letters, digits and hyphens, globally unique). */
  readonly appConfigurationName: string;
  /** Purge protection on the store (production): a deleted store cannot be purged early. */
  readonly retain: boolean;
  readonly clusterId: string;
  /** OIDC issuer URL of the cluster, for the serving identity's federation. */
  readonly oidcIssuerUrl: string;
  /** Principal id of the kubelet identity: the identity Flux's source controller uses for blob sources. */
  readonly kubeletPrincipalId: string;
  /** Client id of the kubelet identity, which the Flux blob source names. */
  readonly kubeletClientId: string;
  /** Resource id of the environment's storage account. */
  readonly storageAccountId: string;
  /** Resource id of the `models` container (the serving identity reads model artifacts). */
  readonly modelsContainerId: string;
  /** Resource id of the capture zone's container (the agents write captured requests there). */
  readonly captureContainerId: string;
  /** Principal id of the deploy identity: it writes the flags (App Configuration Data Owner). */
  readonly deployPrincipalId: string;
  /**
   * Principal ids that refresh the flags in a plan: App Configuration Data Reader.
   * @default - none
   */
  readonly readerPrincipalIds?: readonly string[];
  readonly models: readonly ModelFlagDefaults[];
  /** What the nodes need before extensions install (the CPU and GPU pools). */
  readonly nodesReady: readonly ITerraformDependable[];
  readonly network: Network;
  readonly monitoring: Monitoring;
}

/**
 * What the model-serving workload needs from Azure, and how it reaches the private cluster:
 *
 * - the **serving identity**, federated with the `model-serving/model-serving` service account:
 *   reads the `models` container, writes captures into the capture zone, reads App Configuration
 *   and publishes metrics on the cluster (Monitoring Metrics Publisher);
 * - **feature flags** in App Configuration (Standard: private endpoint; Entra ID only; purge
 *   protection in production), one flag per model and switch (`flagKey`), the shadow share as a
 *   `Microsoft.Percentage` filter; Terraform creates them, later changes belong to the operators
 *   (`ignore_changes`), and the AKS App Configuration extension's provider copies them into a
 *   ConfigMap the agents read, so a flip needs no redeploy;
 * - **delivery**: the AKS Flux extension and a Flux configuration that reconciles the rendered
 *   manifests from the `serving` container of the environment's storage account through its
 *   private endpoint (no inbound access to the cluster, no internet), with pruning. The manifests
 *   and `release.json` are written by the release workflow (`bin/serving.ts`), never by
 *   Terraform, so a release never touches the platform's state.
 *
 * Flux's source controller authenticates to blob storage with the node (kubelet) identity, whose
 * client id the configuration names (https://learn.microsoft.com/azure/azure-arc/kubernetes/tutorial-use-gitops-flux2#for-azure-blob-storage-source):
 * it gets Storage Blob Data Reader on the `serving` container only.
 */
export class Serving extends Construct {
  public readonly identity: UserAssignedIdentity;
  public readonly appConfiguration: AppConfiguration;
  /** `https://<store>.azconfig.io`. */
  public readonly appConfigurationEndpoint: string;
  public readonly container: StorageContainer;
  public readonly fluxExtension: KubernetesClusterExtension;
  public readonly appConfigurationExtension: KubernetesClusterExtension;
  public readonly fluxConfiguration: KubernetesFluxConfiguration;
  /** The flags, by flag key. */
  public readonly flags: Readonly<Record<string, AppConfigurationFeature>>;

  constructor(scope: Construct, id: string, props: ServingProps) {
    super(scope, id);
    const { names, location, network, monitoring } = props;
    const rg = props.resourceGroupName;

    this.identity = new UserAssignedIdentity(this, 'identity', {
      name: names.azure('id', 'model-serving'),
      location,
      resourceGroupName: rg,
    });
    new FederatedIdentityCredential(this, 'federation', {
      name: 'aks-model-serving',
      resourceGroupName: rg,
      parentId: this.identity.id,
      audience: ['api://AzureADTokenExchange'],
      issuer: props.oidcIssuerUrl,
      subject: `system:serviceaccount:${SERVING_NAMESPACE}:${SERVING_SERVICE_ACCOUNT}`,
    });
    const grant = (gid: string, scopeId: string, role: string, principalId = this.identity.principalId) =>
      new RoleAssignment(this, gid, {
        scope: scopeId,
        roleDefinitionName: role,
        principalId,
        principalType: 'ServicePrincipal',
      });
    grant('models-reader', props.modelsContainerId, 'Storage Blob Data Reader');
    grant('capture-writer', props.captureContainerId, 'Storage Blob Data Contributor');
    grant('metrics-publisher', props.clusterId, 'Monitoring Metrics Publisher');

    // Standard: Free has no private endpoints, purge protection or SLA.
    this.appConfiguration = new AppConfiguration(this, 'app-configuration', {
      name: props.appConfigurationName,
      location,
      resourceGroupName: rg,
      sku: 'standard',
      localAuthEnabled: false,
      publicNetworkAccess: 'Disabled',
      purgeProtectionEnabled: props.retain,
      softDeleteRetentionDays: APP_CONFIGURATION_SOFT_DELETE_DAYS,
      lifecycle: props.retain ? { preventDestroy: true } : undefined,
    });
    this.appConfigurationEndpoint = this.appConfiguration.endpoint;
    const endpoint = privateEndpoint(this, 'app-configuration-private-endpoint', {
      network,
      names,
      location,
      resourceGroupName: rg,
      purpose: 'appcs',
      targetId: this.appConfiguration.id,
      subresource: 'configurationStores',
      dnsZones: ['appConfiguration'],
    });
    monitoring.sendDiagnostics(this, 'app-configuration-diagnostics', this.appConfiguration.id);
    const reader = grant('flags-reader', this.appConfiguration.id, 'App Configuration Data Reader');
    const owner = grant(
      'flags-owner',
      this.appConfiguration.id,
      'App Configuration Data Owner',
      props.deployPrincipalId,
    );
    (props.readerPrincipalIds ?? []).forEach((principalId, i) => {
      grant(`flags-plan-reader-${i}`, this.appConfiguration.id, 'App Configuration Data Reader', principalId);
    });

    // Flags are data-plane objects: they wait for the writer's role, the private endpoint and
    // its DNS link, or the create fails against the closed public endpoint.
    const flagsReady = [owner, endpoint, network.privateDnsZoneLinks.appConfiguration];
    const flags: Record<string, AppConfigurationFeature> = {};
    for (const { model, flags: initial } of props.models) {
      const shadow = initial?.shadowPercent ?? 0;
      const flag = (name: string, enabled: boolean, description: string, percent?: number) => {
        flags[name] = new AppConfigurationFeature(this, `flag-${name}`, {
          configurationStoreId: this.appConfiguration.id,
          name,
          description,
          enabled,
          ...(percent === undefined ? {} : { percentageFilterValue: percent }),
          // Operators flip flags in App Configuration (docs/serving-azure.md); an apply must not
          // undo a flip.
          lifecycle: { ignoreChanges: ['enabled', 'percentage_filter_value'] },
          dependsOn: flagsReady,
        });
      };
      flag(flagKey(model, 'enabled'), initial?.enabled ?? true, `Serve ${model}; off answers 503`);
      flag(flagKey(model, 'capture'), initial?.capture ?? false, `Capture sampled requests of ${model}`);
      flag(
        flagKey(model, 'shadow'),
        shadow > 0,
        `Mirror a share of ${model}'s live requests to its candidate slot`,
        shadow,
      );
    }
    this.flags = flags;

    this.container = new StorageContainer(this, 'container', {
      name: SERVING_CONTAINER,
      storageAccountId: props.storageAccountId,
      containerAccessType: 'private',
    });
    const fluxReader = grant(
      'flux-source-reader',
      `${props.storageAccountId}/blobServices/default/containers/${SERVING_CONTAINER}`,
      'Storage Blob Data Reader',
      props.kubeletPrincipalId,
    );

    this.fluxExtension = new KubernetesClusterExtension(this, 'flux-extension', {
      name: FLUX_EXTENSION.name,
      clusterId: props.clusterId,
      extensionType: FLUX_EXTENSION.type,
      releaseNamespace: 'flux-system',
      // Only the controllers serving uses: sources from blob, kustomize to apply.
      configurationSettings: {
        'helm-controller.enabled': 'false',
        'notification-controller.enabled': 'false',
        'image-automation-controller.enabled': 'false',
        'image-reflector-controller.enabled': 'false',
      },
      dependsOn: [...props.nodesReady],
    });
    this.appConfigurationExtension = new KubernetesClusterExtension(this, 'app-configuration-extension', {
      name: APP_CONFIGURATION_EXTENSION.name,
      clusterId: props.clusterId,
      extensionType: APP_CONFIGURATION_EXTENSION.type,
      releaseNamespace: 'azappconfig-system',
      dependsOn: [...props.nodesReady],
    });

    this.fluxConfiguration = new KubernetesFluxConfiguration(this, 'flux-configuration', {
      name: 'serving',
      clusterId: props.clusterId,
      namespace: 'flux-system',
      scope: 'cluster',
      blobStorage: {
        containerId: this.container.id,
        managedIdentity: { clientId: props.kubeletClientId },
        syncIntervalInSeconds: FLUX_SYNC.sourceIntervalSeconds,
        timeoutInSeconds: FLUX_SYNC.timeoutSeconds,
      },
      kustomizations: [
        {
          name: 'serving',
          path: `./${MANIFESTS_PATH}`,
          // Objects removed from the manifests (an emptied slot) are deleted from the cluster.
          garbageCollectionEnabled: true,
          syncIntervalInSeconds: FLUX_SYNC.applyIntervalSeconds,
          retryIntervalInSeconds: FLUX_SYNC.applyIntervalSeconds,
          timeoutInSeconds: FLUX_SYNC.timeoutSeconds,
          // Ready only once every applied Deployment is available: what a release waits for.
          wait: true,
        },
      ],
      continuousReconciliationEnabled: true,
      timeouts: { create: '30m', update: '30m' },
      // The provider (App Configuration extension) must exist before Flux applies its CRD's
      // objects, and the source must be readable.
      dependsOn: [this.fluxExtension, this.appConfigurationExtension, fluxReader, reader],
    });
  }
}
