import { ApiManagement } from '@cdktf/provider-azurerm/lib/api-management';
import { ApiManagementApi } from '@cdktf/provider-azurerm/lib/api-management-api';
import { ApiManagementApiDiagnostic } from '@cdktf/provider-azurerm/lib/api-management-api-diagnostic';
import { ApiManagementApiOperation } from '@cdktf/provider-azurerm/lib/api-management-api-operation';
import { ApiManagementApiPolicy } from '@cdktf/provider-azurerm/lib/api-management-api-policy';
import { ApiManagementBackend } from '@cdktf/provider-azurerm/lib/api-management-backend';
import { ApiManagementLogger } from '@cdktf/provider-azurerm/lib/api-management-logger';
import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
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

    const logger = new ApiManagementLogger(this, 'logger', {
      ...service,
      name: 'application-insights',
      resourceId: monitoring.applicationInsights.id,
      applicationInsights: { connectionString: monitoring.applicationInsights.connectionString },
    });
    new ApiManagementApiDiagnostic(this, 'models-diagnostic', {
      ...service,
      apiName: this.modelsApi.name,
      identifier: 'applicationinsights',
      apiManagementLoggerId: logger.id,
      alwaysLogErrors: true,
      logClientIp: true,
      samplingPercentage: 100,
      verbosity: 'information',
      httpCorrelationProtocol: 'W3C',
    });

    monitoring.sendDiagnostics(this, 'diagnostics', this.apiManagement.id);
  }
}
