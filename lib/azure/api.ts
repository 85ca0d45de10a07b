import { ApiManagement } from '@cdktf/provider-azurerm/lib/api-management';
import { ApiManagementApi } from '@cdktf/provider-azurerm/lib/api-management-api';
import { ApiManagementApiDiagnostic } from '@cdktf/provider-azurerm/lib/api-management-api-diagnostic';
import { ApiManagementApiOperation } from '@cdktf/provider-azurerm/lib/api-management-api-operation';
import { ApiManagementApiPolicy } from '@cdktf/provider-azurerm/lib/api-management-api-policy';
import { ApiManagementBackend } from '@cdktf/provider-azurerm/lib/api-management-backend';
import { PrivateDnsARecord } from '@cdktf/provider-azurerm/lib/private-dns-a-record';
import { PrivateDnsZone } from '@cdktf/provider-azurerm/lib/private-dns-zone';
import { PrivateDnsZoneVirtualNetworkLink } from '@cdktf/provider-azurerm/lib/private-dns-zone-virtual-network-link';
import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import type { ApiConfig, AzureEnvironment, PlatformNames } from '../config';
import type { Monitoring } from './monitoring';
import { isDefined, type Network } from './network';

/** Backend id of the cluster's inference ingress, referenced by the API policy. */
export const INFERENCE_BACKEND_ID = 'inference';

/** The App ID URI callers request Entra ID tokens for when `api.authMode` is `iam`. */
export function modelsAudience(names: PlatformNames): string {
  return `api://${names.resource('models')}`;
}

/**
 * The policy of the models API: Entra ID token validation (`iam`), a per-subscription rate
 * limit with the configured burst per second and steady rate per minute, an optional daily
 * quota, and routing to the inference backend. Policy reference:
 * https://learn.microsoft.com/azure/api-management/api-management-policies
 */
export function modelsApiPolicy(api: ApiConfig, tenantId: string, audience: string): string {
  const key = 'counter-key="@(context.Subscription.Id)"';
  const inbound = [
    '<base />',
    ...(api.authMode === 'iam'
      ? [
          `<validate-azure-ad-token tenant-id="${tenantId}" header-name="Authorization" failed-validation-httpcode="401">`,
          `<audiences><audience>${audience}</audience></audiences>`,
          '</validate-azure-ad-token>',
        ]
      : []),
    `<rate-limit-by-key calls="${api.burst}" renewal-period="1" ${key} />`,
    `<rate-limit-by-key calls="${api.rateLimitPerSecond * 60}" renewal-period="60" ${key} />`,
    ...(api.dailyQuota === undefined
      ? []
      : [`<quota-by-key calls="${api.dailyQuota}" renewal-period="86400" ${key} />`]),
    `<set-backend-service backend-id="${INFERENCE_BACKEND_ID}" />`,
  ];
  return [
    '<policies>',
    `<inbound>${inbound.join('')}</inbound>`,
    '<backend><base /></backend>',
    '<outbound><base /></outbound>',
    '<on-error><base /></on-error>',
    '</policies>',
  ].join('');
}

/** `Premium_2` → `{ name: 'Premium', capacity: 2 }`. */
export function parseApimSku(sku: string): { readonly name: string; readonly capacity: number } {
  const [name = '', capacity = '0'] = sku.split('_');
  return { name, capacity: Number(capacity) };
}

export interface ApiProps {
  readonly environment: AzureEnvironment;
  readonly names: PlatformNames;
  readonly resourceGroup: ResourceGroup;
  readonly network: Network;
  readonly monitoring: Monitoring;
}

/**
 * API Management in internal VNet mode in front of the model endpoints: TLS 1.2+ only on both
 * sides without weak ciphers, a `models` API that requires a subscription key and applies
 * `modelsApiPolicy`, a backend on the inference ingress's reserved internal load balancer
 * address, and request logging to Application Insights.
 *
 * The backend is `https://<Network.inferenceIngressIp>/`: the ingress serves TLS, and APIM
 * validates its certificate chain; the certificate name cannot match an IP address, so name
 * validation is off for this in-VNet hop.
 */
export class Api extends Construct {
  public readonly apiManagement: ApiManagement;
  public readonly modelsApi: ApiManagementApi;
  public readonly backend: ApiManagementBackend;
  /** The `azure-api.net` records of the gateway's internal address, by host name. */
  public readonly dnsRecords: Readonly<Record<string, PrivateDnsARecord>>;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { environment: env, names, resourceGroup, network, monitoring } = props;
    const api = env.api;
    const rg = resourceGroup.name;
    const sku = api.apimSku ?? '';
    const { name: tier, capacity } = parseApimSku(sku);
    const zones = env.network.availabilityZones;
    // Premium spreads units over zones; the unit count must be a multiple of the zone count.
    const zoneRedundant = tier === 'Premium' && zones > 1 && capacity % zones === 0;

    this.apiManagement = new ApiManagement(this, 'Resource', {
      name: names.apiManagement,
      location: env.target.location,
      resourceGroupName: rg,
      skuName: sku,
      publisherName: api.publisher?.name ?? '',
      publisherEmail: api.publisher?.email ?? '',
      virtualNetworkType: 'Internal',
      virtualNetworkConfiguration: { subnetId: network.apimSubnet.id },
      // API Management validates the subnet's NSG rules (and its egress) when it is injected.
      dependsOn: [network.securityGroupAssociations.apim, network.natAssociations.apim].filter(isDefined),
      zones: zoneRedundant ? Array.from({ length: zones }, (_, i) => String(i + 1)) : undefined,
      identity: { type: 'SystemAssigned' },
      // Refuse management API versions older than 2021-08-01, which expose secrets in responses.
      minApiVersion: '2021-08-01',
      security: {
        frontendSsl30Enabled: false,
        frontendTls10Enabled: false,
        frontendTls11Enabled: false,
        backendSsl30Enabled: false,
        backendTls10Enabled: false,
        backendTls11Enabled: false,
        tripleDesCiphersEnabled: false,
        tlsEcdheEcdsaWithAes128CbcShaCiphersEnabled: false,
        tlsEcdheEcdsaWithAes256CbcShaCiphersEnabled: false,
        tlsEcdheRsaWithAes128CbcShaCiphersEnabled: false,
        tlsEcdheRsaWithAes256CbcShaCiphersEnabled: false,
        tlsRsaWithAes128CbcSha256CiphersEnabled: false,
        tlsRsaWithAes128CbcShaCiphersEnabled: false,
        tlsRsaWithAes128GcmSha256CiphersEnabled: false,
        tlsRsaWithAes256CbcSha256CiphersEnabled: false,
        tlsRsaWithAes256CbcShaCiphersEnabled: false,
        tlsRsaWithAes256GcmSha384CiphersEnabled: false,
      },
    });
    const service = { apiManagementName: this.apiManagement.name, resourceGroupName: rg };

    this.backend = new ApiManagementBackend(this, 'inference-backend', {
      ...service,
      name: INFERENCE_BACKEND_ID,
      description: 'Inference ingress of the AKS cluster (internal load balancer)',
      protocol: 'http',
      url: `https://${network.inferenceIngressIp}/`,
      tls: { validateCertificateChain: true, validateCertificateName: false },
    });

    this.modelsApi = new ApiManagementApi(this, 'models-api', {
      ...service,
      name: 'models',
      displayName: 'Models',
      path: 'models',
      protocols: ['https'],
      revision: '1',
      subscriptionRequired: true,
    });
    for (const method of ['POST', 'GET'] as const) {
      new ApiManagementApiOperation(this, `models-${method.toLowerCase()}`, {
        ...service,
        apiName: this.modelsApi.name,
        operationId: `${method.toLowerCase()}-any`,
        displayName: `${method} any model path`,
        method,
        urlTemplate: '/*',
      });
    }
    new ApiManagementApiPolicy(this, 'models-policy', {
      ...service,
      apiName: this.modelsApi.name,
      xmlContent: modelsApiPolicy(api, env.target.tenantId, modelsAudience(names)),
      // The policy names the backend by id; APIM rejects a policy whose backend does not exist.
      dependsOn: [this.backend],
    });

    // Request logs go to the workspace through the service's built-in Azure Monitor logger (the
    // ApiManagementGatewayLogs table the API alerts query). An Application Insights logger would
    // authenticate with the component's connection string, which Application Insights refuses
    // with local auth off, and azurerm's logger has no managed-identity option.
    new ApiManagementApiDiagnostic(this, 'models-diagnostic', {
      ...service,
      apiName: this.modelsApi.name,
      identifier: 'azuremonitor',
      apiManagementLoggerId: `${this.apiManagement.id}/loggers/azuremonitor`,
      alwaysLogErrors: true,
      logClientIp: true,
      samplingPercentage: 100,
      verbosity: 'information',
      httpCorrelationProtocol: 'W3C',
    });

    this.dnsRecords = this.privateDns(props, rg);

    monitoring.sendDiagnostics(this, 'diagnostics', this.apiManagement.id);
  }

  /**
   * In internal mode API Management publishes no DNS for its host names; they must resolve to its
   * private address inside the VNet (and, through the hybrid resolver, on-premises). A private
   * `azure-api.net` zone linked to the VNet holds the gateway, portal, developer portal,
   * management and Git (scm) names:
   * https://learn.microsoft.com/azure/api-management/api-management-using-with-internal-vnet#dns-configuration
   * The zone answers for every `azure-api.net` name in this VNet, so other API Management
   * instances reached from it need records here as well.
   */
  private privateDns(props: ApiProps, rg: string): Record<string, PrivateDnsARecord> {
    const zone = new PrivateDnsZone(this, 'dns-zone', { name: APIM_DNS_ZONE, resourceGroupName: rg });
    const link = new PrivateDnsZoneVirtualNetworkLink(this, 'dns-zone-link', {
      name: props.names.azure('pdnslink', 'apim'),
      resourceGroupName: rg,
      privateDnsZoneName: zone.name,
      virtualNetworkId: props.network.virtualNetwork.id,
      registrationEnabled: false,
    });
    const address = Fn.element(this.apiManagement.privateIpAddresses, 0) as string;
    const records: Record<string, PrivateDnsARecord> = {};
    for (const host of apimHostNames(props.names.apiManagement)) {
      records[host] = new PrivateDnsARecord(this, `dns-${host.replace(/\./g, '-')}`, {
        name: host,
        zoneName: zone.name,
        resourceGroupName: rg,
        ttl: 300,
        records: [address],
        dependsOn: [link],
      });
    }
    return records;
  }
}

/** The private DNS zone of API Management's default host names. */
export const APIM_DNS_ZONE = 'azure-api.net';

/**
 * The record names (relative to `azure-api.net`) of an API Management service's default host
 * names: gateway, legacy portal, developer portal, management API and Git.
 */
export function apimHostNames(serviceName: string): string[] {
  return ['', '.portal', '.developer', '.management', '.scm'].map((suffix) => `${serviceName}${suffix}`);
}
