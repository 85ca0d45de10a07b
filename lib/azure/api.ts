import { ApiManagement } from '@cdktf/provider-azurerm/lib/api-management';
import { ApiManagementApi } from '@cdktf/provider-azurerm/lib/api-management-api';
import { ApiManagementApiDiagnostic } from '@cdktf/provider-azurerm/lib/api-management-api-diagnostic';
import { ApiManagementApiOperation } from '@cdktf/provider-azurerm/lib/api-management-api-operation';
import { ApiManagementApiPolicy } from '@cdktf/provider-azurerm/lib/api-management-api-policy';
import { ApiManagementBackend } from '@cdktf/provider-azurerm/lib/api-management-backend';
import { ApiManagementNamedValue } from '@cdktf/provider-azurerm/lib/api-management-named-value';
import type { MonitorDiagnosticSetting } from '@cdktf/provider-azurerm/lib/monitor-diagnostic-setting';
import { PrivateDnsARecord } from '@cdktf/provider-azurerm/lib/private-dns-a-record';
import { PrivateDnsZone } from '@cdktf/provider-azurerm/lib/private-dns-zone';
import { PrivateDnsZoneVirtualNetworkLink } from '@cdktf/provider-azurerm/lib/private-dns-zone-virtual-network-link';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { type ApiAuthMode, type PlatformNames, SLOTS, type Slot } from '../config';
import type { Monitoring } from './monitoring';
import { isDefined, type Network } from './network';

/** The App ID URI callers request Entra ID tokens for when `api.authMode` is `iam`. */
export function modelsAudience(names: PlatformNames): string {
  return `api://${names.resource('models')}`;
}

/** The agent's readiness path, which `GET /models/<name>/health` reaches (lib/kubernetes `AGENT_READY_PATH`). */
export const HEALTH_PATH = '/ready';

/** Operation ids of a model's API. */
export const OPERATIONS = { invoke: 'invoke', health: 'health', preview: 'preview-invoke' } as const;

/** API Management API of a model: `model-<name>`, at path `models/<name>`. */
export function modelApiName(model: string): string {
  return `model-${model}`;
}

/** Backend of a model's slot: `<model>-<slot>`. */
export function slotBackendId(model: string, slot: Slot): string {
  return `${model}-${slot}`;
}

/**
 * The named values a release changes (outside Terraform, with `az apim nv update`): the green
 * slot's percent of live traffic, and the slot the preview route calls (the candidate).
 */
export function releaseNamedValue(model: string, field: 'green-weight' | 'candidate'): string {
  return `${model}-${field}`;
}

/** How callers authenticate and how fast they may call, as the API policies apply it. */
export interface ApiLimits {
  readonly authMode: ApiAuthMode;
  readonly rateLimitPerSecond: number;
  readonly burst: number;
  /** @default - no daily quota */
  readonly dailyQuota?: number;
  /** Entra ID tenant of token validation (`iam`). */
  readonly tenantId: string;
  /** Audience tokens must carry (`iam`). */
  readonly audience: string;
}

/** One model behind the gateway. */
export interface ApiModel {
  readonly name: string;
  /** Seconds the gateway waits for the model (`forward-request timeout`). */
  readonly timeoutSeconds: number;
  /** The URL of each slot's internal load balancer frontend: `http://<address>:<port>`. */
  readonly slotUrls: Readonly<Record<Slot, string>>;
}

/**
 * The inbound checks every model API shares: Entra ID token validation (`iam`), a per-subscription
 * rate limit with the configured burst per second and steady rate per minute, an optional daily
 * quota. Policy reference: https://learn.microsoft.com/azure/api-management/api-management-policies
 */
export function accessPolicy(limits: ApiLimits): string {
  const key = 'counter-key="@(context.Subscription.Id)"';
  return [
    ...(limits.authMode === 'iam'
      ? [
          `<validate-azure-ad-token tenant-id="${limits.tenantId}" header-name="Authorization" failed-validation-httpcode="401">`,
          `<audiences><audience>${limits.audience}</audience></audiences>`,
          '</validate-azure-ad-token>',
        ]
      : []),
    `<rate-limit-by-key calls="${limits.burst}" renewal-period="1" ${key} />`,
    `<rate-limit-by-key calls="${limits.rateLimitPerSecond * 60}" renewal-period="60" ${key} />`,
    ...(limits.dailyQuota === undefined
      ? []
      : [`<quota-by-key calls="${limits.dailyQuota}" renewal-period="86400" ${key} />`]),
  ].join('');
}

/**
 * The policy of one model's API:
 * - the preview operation goes to the candidate slot (named value `<model>-candidate`), whatever
 *   the weights: the smoke test of a release;
 * - invoke and health go to green with the probability of the named value `<model>-green-weight`
 *   (percent), else to blue: a weighted split per request (azurerm 4.55 has no pool backends);
 * - the path becomes the agent's: `/models/<name>/invoke`, or its readiness path for health;
 * - the request waits at most the model's timeout.
 * Named values are substituted before the expressions are compiled, so a release changes the
 * routing by updating a named value, with no policy change:
 * https://learn.microsoft.com/azure/api-management/api-management-howto-properties
 */
export function modelApiPolicy(model: ApiModel, limits: ApiLimits): string {
  const q = (text: string) => `&quot;${text}&quot;`;
  const backend = (slot: Slot) => `<set-backend-service backend-id="${slotBackendId(model.name, slot)}" />`;
  const weight = `{{${releaseNamedValue(model.name, 'green-weight')}}}`;
  const candidate = `{{${releaseNamedValue(model.name, 'candidate')}}}`;
  const routing = [
    '<choose>',
    `<when condition="@(context.Operation.Id == ${q(OPERATIONS.preview)})">`,
    `<choose><when condition="@(${q(candidate)} == ${q('blue')})">${backend('blue')}</when>`,
    `<otherwise>${backend('green')}</otherwise></choose>`,
    '</when>',
    `<when condition="@(new Random().Next(100) &lt; ${weight})">${backend('green')}</when>`,
    `<otherwise>${backend('blue')}</otherwise>`,
    '</choose>',
    '<choose>',
    `<when condition="@(context.Operation.Id == ${q(OPERATIONS.health)})"><rewrite-uri template="${HEALTH_PATH}" /></when>`,
    `<otherwise><rewrite-uri template="/models/${model.name}/invoke" /></otherwise>`,
    '</choose>',
  ].join('');
  return [
    '<policies>',
    `<inbound><base />${accessPolicy(limits)}${routing}</inbound>`,
    `<backend><forward-request timeout="${model.timeoutSeconds}" /></backend>`,
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
  readonly names: PlatformNames;
  /** Service name (`PlatformNames.apiManagement`): it becomes `<name>.azure-api.net`. */
  readonly name: string;
  readonly location: string;
  readonly resourceGroupName: string;
  /** `<tier>_<units>`, for example `Premium_3`. */
  readonly skuName: string;
  /**
   * Zones the units spread over (Premium, units a multiple of the zone count).
   * @default - no zones
   */
  readonly zones?: readonly string[];
  readonly publisherName: string;
  readonly publisherEmail: string;
  readonly limits: ApiLimits;
  readonly models: readonly ApiModel[];
  readonly network: Network;
  readonly monitoring: Monitoring;
}

/**
 * API Management in internal VNet mode in front of the model endpoints: TLS 1.2+ only on both
 * sides without weak ciphers, private DNS for its host names, per model an API
 * (`POST /models/<name>/invoke`, `GET /models/<name>/health`, `POST /models/<name>/preview/invoke`)
 * that requires a subscription key, two backends (the blue and green slots' internal load balancer
 * frontends), the release's named values and `modelApiPolicy`, and request logs in Log Analytics.
 *
 * The backends are plain HTTP to private addresses inside the VNet: a certificate cannot name an
 * IP address that the cluster assigns, and APIM validates backend certificates against the host
 * name. The hop never leaves the VNet, the Services admit only the APIM subnet
 * (`loadBalancerSourceRanges`), and the pods' network policies only the gateway path.
 */
export class Api extends Construct {
  public readonly apiManagement: ApiManagement;
  /** The API of each model, by model name. */
  public readonly modelApis: Readonly<Record<string, ApiManagementApi>>;
  /** The backends of each model's slots. */
  public readonly backends: Readonly<Record<string, Readonly<Record<Slot, ApiManagementBackend>>>>;
  /** The release's named values of each model. */
  public readonly namedValues: Readonly<
    Record<string, Readonly<Record<'green-weight' | 'candidate', ApiManagementNamedValue>>>
  >;
  /** The service's diagnostic setting: it creates the gateway log table the alerts query. */
  public readonly diagnostics: MonitorDiagnosticSetting;
  /** The `azure-api.net` records of the gateway's internal address, by host name. */
  public readonly dnsRecords: Readonly<Record<string, PrivateDnsARecord>>;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { network, monitoring } = props;
    const rg = props.resourceGroupName;

    this.apiManagement = new ApiManagement(this, 'Resource', {
      name: props.name,
      location: props.location,
      resourceGroupName: rg,
      skuName: props.skuName,
      publisherName: props.publisherName,
      publisherEmail: props.publisherEmail,
      virtualNetworkType: 'Internal',
      virtualNetworkConfiguration: { subnetId: network.apimSubnet.id },
      // API Management validates the subnet's NSG rules (and its egress) when it is injected.
      dependsOn: [network.securityGroupAssociations.apim, network.natAssociations.apim].filter(isDefined),
      zones: props.zones && props.zones.length > 0 ? [...props.zones] : undefined,
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

    const apis: Record<string, ApiManagementApi> = {};
    const backends: Record<string, Record<Slot, ApiManagementBackend>> = {};
    const namedValues: Record<string, Record<'green-weight' | 'candidate', ApiManagementNamedValue>> = {};
    for (const model of props.models) {
      const slotBackends = {} as Record<Slot, ApiManagementBackend>;
      for (const slot of SLOTS) {
        slotBackends[slot] = new ApiManagementBackend(this, `backend-${model.name}-${slot}`, {
          ...service,
          name: slotBackendId(model.name, slot),
          description: `Model ${model.name}, ${slot} slot: its internal load balancer frontend`,
          protocol: 'http',
          url: model.slotUrls[slot],
        });
      }
      backends[model.name] = slotBackends;
      // The release owns the values after creation: an apply never resets them.
      const named = (field: 'green-weight' | 'candidate', value: string) =>
        new ApiManagementNamedValue(this, `named-value-${model.name}-${field}`, {
          ...service,
          name: releaseNamedValue(model.name, field),
          displayName: releaseNamedValue(model.name, field),
          value,
          lifecycle: { ignoreChanges: ['value'] },
        });
      namedValues[model.name] = { 'green-weight': named('green-weight', '0'), candidate: named('candidate', 'green') };

      const api = new ApiManagementApi(this, `api-${model.name}`, {
        ...service,
        name: modelApiName(model.name),
        displayName: `Model ${model.name}`,
        path: `models/${model.name}`,
        protocols: ['https'],
        revision: '1',
        subscriptionRequired: true,
      });
      apis[model.name] = api;
      const operations = [
        [OPERATIONS.invoke, 'POST', '/invoke', 'Invoke the live model'],
        [OPERATIONS.health, 'GET', '/health', 'Readiness of the live model'],
        [OPERATIONS.preview, 'POST', '/preview/invoke', 'Invoke the candidate slot (smoke tests)'],
      ] as const;
      const created = operations.map(
        ([operationId, method, urlTemplate, displayName]) =>
          new ApiManagementApiOperation(this, `api-${model.name}-${operationId}`, {
            ...service,
            apiName: api.name,
            operationId,
            displayName,
            method,
            urlTemplate,
          }),
      );
      new ApiManagementApiPolicy(this, `api-${model.name}-policy`, {
        ...service,
        apiName: api.name,
        xmlContent: modelApiPolicy(model, props.limits),
        // The policy names backends by id and named values by name: APIM rejects a policy that
        // references one that does not exist yet.
        dependsOn: [...Object.values(slotBackends), ...Object.values(namedValues[model.name] ?? {}), ...created],
      });
      // Request logs go to the workspace through the service's built-in Azure Monitor logger (the
      // ApiManagementGatewayLogs table the API alerts query). An Application Insights logger would
      // authenticate with the component's connection string, which Application Insights refuses
      // with local auth off, and azurerm's logger has no managed-identity option.
      new ApiManagementApiDiagnostic(this, `api-${model.name}-diagnostic`, {
        ...service,
        apiName: api.name,
        identifier: 'azuremonitor',
        apiManagementLoggerId: `${this.apiManagement.id}/loggers/azuremonitor`,
        alwaysLogErrors: true,
        logClientIp: true,
        samplingPercentage: 100,
        verbosity: 'information',
        httpCorrelationProtocol: 'W3C',
      });
    }
    this.modelApis = apis;
    this.backends = backends;
    this.namedValues = namedValues;

    this.dnsRecords = this.privateDns(props, rg);
    this.diagnostics = monitoring.sendDiagnostics(this, 'diagnostics', this.apiManagement.id);
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
