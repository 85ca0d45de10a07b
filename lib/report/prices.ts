/**
 * List prices the estimate multiplies, per cloud and region: USD, Linux, pay-as-you-go / On-Demand,
 * before discounts, savings plans, reservations, credits and taxes. Every entry names the public
 * pricing page it comes from and the date it was taken as the current list price.
 *
 * How the table was compiled, and how far to trust it:
 * - AWS GPU instance prices (g4dn, g5, g6, g6e, p4d, p5) are the AWS Price List's On-Demand
 *   Linux prices as published on 2026-01-21. Where that list had no price for a type in a region,
 *   the entry says so (`unavailable`), and the estimate warns instead of pricing it.
 * - Entries with `approximate` were not read off the pricing page on the date shown: they are
 *   derived (a known list price times a regional or family premium) and the note says how. The
 *   estimate marks the lines that use them; check them on the page before a budget decision.
 * - Everything else is the pricing page's list price for the region on the date shown.
 *
 * To update: change `usd` and `asOf` (and drop `approximate` once checked). Live prices: the AWS
 * Price List API (`aws pricing get-products`) and the Azure Retail Prices API
 * (https://prices.azure.com/api/retail/prices).
 */
import type { Cloud } from '../config';

export type PriceUnit = 'hour' | 'day' | 'month' | 'GB' | 'GB-month' | 'million requests';

export interface Price {
  readonly usd: number;
  readonly per: PriceUnit;
  /** The public pricing page. */
  readonly source: string;
  /** `YYYY-MM-DD`: the date the price was taken as the current list price. */
  readonly asOf: string;
  /** How a derived price was obtained; such prices are shown as approximations. */
  readonly approximate?: string;
}

/** A price the source did not list for the region (the type is not sold there, or not yet). */
export interface Unavailable {
  readonly unavailable: string;
  readonly source: string;
  readonly asOf: string;
}

export type PriceEntry = Price | Unavailable;

export interface RegionPrices {
  /** By AWS instance type or Azure VM size. */
  readonly machines: Readonly<Record<string, PriceEntry>>;
  /** By service key (`nat-gateway`, `vpn-gateway:VpnGw2AZ`, ...); see `estimate.ts`. */
  readonly services: Readonly<Record<string, PriceEntry>>;
}

export type PriceTable = Readonly<Record<Cloud, Readonly<Record<string, RegionPrices>>>>;

export function isPrice(entry: PriceEntry | undefined): entry is Price {
  return entry !== undefined && 'usd' in entry;
}

const COMPILED = '2026-12-01';
const AWS_PRICE_LIST = '2026-01-21';

const PAGES = {
  ec2: 'https://aws.amazon.com/ec2/pricing/on-demand/',
  eks: 'https://aws.amazon.com/eks/pricing/',
  vpc: 'https://aws.amazon.com/vpc/pricing/',
  privatelink: 'https://aws.amazon.com/privatelink/pricing/',
  apigateway: 'https://aws.amazon.com/api-gateway/pricing/',
  elb: 'https://aws.amazon.com/elasticloadbalancing/pricing/',
  waf: 'https://aws.amazon.com/waf/pricing/',
  vpn: 'https://aws.amazon.com/vpn/site-to-site-vpn-pricing/',
  tgw: 'https://aws.amazon.com/transit-gateway/pricing/',
  route53: 'https://aws.amazon.com/route53/pricing/',
  kms: 'https://aws.amazon.com/kms/pricing/',
  secrets: 'https://aws.amazon.com/secrets-manager/pricing/',
  cloudwatch: 'https://aws.amazon.com/cloudwatch/pricing/',
  s3: 'https://aws.amazon.com/s3/pricing/',
  ecr: 'https://aws.amazon.com/ecr/pricing/',
  vm: 'https://azure.microsoft.com/pricing/details/virtual-machines/linux/',
  aks: 'https://azure.microsoft.com/pricing/details/kubernetes-service/',
  nat: 'https://azure.microsoft.com/pricing/details/azure-nat-gateway/',
  ip: 'https://azure.microsoft.com/pricing/details/ip-addresses/',
  privateLink: 'https://azure.microsoft.com/pricing/details/private-link/',
  apim: 'https://azure.microsoft.com/pricing/details/api-management/',
  vpnGateway: 'https://azure.microsoft.com/pricing/details/vpn-gateway/',
  expressRoute: 'https://azure.microsoft.com/pricing/details/expressroute/',
  dns: 'https://azure.microsoft.com/pricing/details/dns/',
  keyVault: 'https://azure.microsoft.com/pricing/details/key-vault/',
  monitor: 'https://azure.microsoft.com/pricing/details/monitor/',
  blob: 'https://azure.microsoft.com/pricing/details/storage/blobs/',
  acr: 'https://azure.microsoft.com/pricing/details/container-registry/',
  lb: 'https://azure.microsoft.com/pricing/details/load-balancer/',
  products: 'https://azure.microsoft.com/explore/global-infrastructure/products-by-region/',
} as const;

const at =
  (source: string, asOf = COMPILED) =>
  (usd: number, per: PriceUnit = 'hour', approximate?: string): Price =>
    approximate === undefined ? { usd, per, source, asOf } : { usd, per, source, asOf, approximate };

const ec2 = at(PAGES.ec2, AWS_PRICE_LIST);
const notListed = (region: string): Unavailable => ({
  unavailable: `the AWS Price List of ${AWS_PRICE_LIST} has no On-Demand price in ${region}: check that the region offers the type`,
  source: PAGES.ec2,
  asOf: AWS_PRICE_LIST,
});
const M7I = 'the m6i list price of the region plus the 5% that m7i costs over m6i';

const awsServices = (r: {
  nat: number;
  endpoint: number;
  rest: number;
  nlb: number;
  logs: number;
  s3: number;
  tgw: Price;
}): Record<string, PriceEntry> => ({
  'eks-cluster': at(PAGES.eks)(0.1),
  'nat-gateway': at(PAGES.vpc)(r.nat),
  'public-ipv4': at(PAGES.vpc)(0.005),
  'interface-endpoint': at(PAGES.privatelink)(r.endpoint),
  'api-gateway-rest': at(PAGES.apigateway)(r.rest, 'million requests'),
  nlb: at(PAGES.elb)(r.nlb),
  alb: at(PAGES.elb)(r.nlb),
  'waf-web-acl': at(PAGES.waf)(5, 'month'),
  'waf-rule': at(PAGES.waf)(1, 'month'),
  'waf-requests': at(PAGES.waf)(0.6, 'million requests'),
  'vpn-connection': at(PAGES.vpn)(0.05),
  'transit-gateway-attachment': r.tgw,
  'resolver-endpoint-interface': at(PAGES.route53)(0.125),
  'kms-key': at(PAGES.kms)(1, 'month'),
  secret: at(PAGES.secrets)(0.4, 'month'),
  'log-ingestion': at(PAGES.cloudwatch)(r.logs, 'GB'),
  's3-standard': at(PAGES.s3)(r.s3, 'GB-month'),
  'ecr-storage': at(PAGES.ecr)(0.1, 'GB-month'),
});

const AZURE_VM = 'the East US list price times the regional premium of the size family';
const vm = at(PAGES.vm);
const notOffered = (location: string): Unavailable => ({
  unavailable: `not offered in ${location} (lib/config/regions.ts)`,
  source: PAGES.products,
  asOf: '2026-11-15',
});

const azureServices = (r: {
  logs: number;
  lrs: number;
  zrs: number;
  grs: number;
  gzrs: number;
}): Record<string, PriceEntry> => ({
  'aks-standard': at(PAGES.aks)(0.1),
  'aks-premium': at(PAGES.aks)(0.6),
  'nat-gateway': at(PAGES.nat)(0.045),
  'public-ip': at(PAGES.ip)(0.005),
  'private-endpoint': at(PAGES.privateLink)(0.01),
  'apim-developer': at(PAGES.apim)(48.04, 'month', 'the US list price per unit; Europe may differ'),
  'apim-basic': at(PAGES.apim)(147.17, 'month', 'the US list price per unit; Europe may differ'),
  'apim-standard': at(PAGES.apim)(686.72, 'month', 'the US list price per unit; Europe may differ'),
  'apim-premium': at(PAGES.apim)(2795.17, 'month', 'the US list price per unit; Europe may differ'),
  'vpn-gateway:VpnGw1AZ': at(PAGES.vpnGateway)(0.361, 'hour', 'the US list price'),
  'vpn-gateway:VpnGw2AZ': at(PAGES.vpnGateway)(0.564, 'hour', 'the US list price'),
  'vpn-gateway:VpnGw3AZ': at(PAGES.vpnGateway)(1.35, 'hour', 'the US list price'),
  'expressroute-gateway:ErGw1AZ': at(PAGES.expressRoute)(0.36, 'hour', 'the US list price'),
  'expressroute-gateway:ErGw2AZ': at(PAGES.expressRoute)(0.97, 'hour', 'the US list price'),
  'dns-resolver-endpoint': at(PAGES.dns)(180, 'month', 'the US list price per inbound or outbound endpoint'),
  'dns-forwarding-ruleset': at(PAGES.dns)(2.5, 'month', 'the US list price'),
  'key-rsa-hsm-2048': at(PAGES.keyVault)(1, 'month'),
  'key-rsa-hsm-3072': at(PAGES.keyVault)(5, 'month', 'the advanced-key price for the first 250 keys'),
  'key-rsa-hsm-4096': at(PAGES.keyVault)(5, 'month', 'the advanced-key price for the first 250 keys'),
  'log-ingestion': at(PAGES.monitor)(
    r.logs,
    'GB',
    'Analytics Logs, pay-as-you-go, from the US price and the regional premium',
  ),
  'blob-hot:ZRS': at(PAGES.blob)(
    r.zrs,
    'GB-month',
    'hot tier, first 50 TB, from the US price and the regional premium',
  ),
  'blob-hot:LRS': at(PAGES.blob)(
    r.lrs,
    'GB-month',
    'hot tier, first 50 TB, from the US price and the regional premium',
  ),
  'blob-hot:GRS': at(PAGES.blob)(
    r.grs,
    'GB-month',
    'hot tier, first 50 TB, from the US price and the regional premium',
  ),
  'blob-hot:GZRS': at(PAGES.blob)(
    r.gzrs,
    'GB-month',
    'hot tier, first 50 TB, from the US price and the regional premium',
  ),
  'acr:Basic': at(PAGES.acr)(0.167, 'day'),
  'acr:Standard': at(PAGES.acr)(0.667, 'day'),
  'acr:Premium': at(PAGES.acr)(1.667, 'day'),
  'lb-standard': at(PAGES.lb)(0.025),
});

/**
 * The price table: every region of environments/index.ts, and every machine type of
 * lib/config/gpu-catalog.ts and machines.ts of the region's cloud (a test keeps it so).
 */
export const PRICES: PriceTable = {
  aws: {
    'eu-west-1': {
      machines: {
        'm7i.large': at(PAGES.ec2)(0.1124, 'hour', M7I),
        'm7i.xlarge': at(PAGES.ec2)(0.2247, 'hour', M7I),
        'm7i.2xlarge': at(PAGES.ec2)(0.4494, 'hour', M7I),
        'g4dn.xlarge': ec2(0.587),
        'g4dn.12xlarge': ec2(4.362),
        'g4dn.metal': ec2(8.724),
        'g5.xlarge': ec2(1.123),
        'g5.12xlarge': ec2(6.33167),
        'g5.48xlarge': ec2(18.18233),
        'g6.xlarge': notListed('eu-west-1'),
        'g6.12xlarge': notListed('eu-west-1'),
        'g6.48xlarge': notListed('eu-west-1'),
        'g6e.xlarge': notListed('eu-west-1'),
        'g6e.12xlarge': notListed('eu-west-1'),
        'g6e.48xlarge': notListed('eu-west-1'),
        'p4d.24xlarge': ec2(23.71569),
        'p5.4xlarge': notListed('eu-west-1'),
        'p5.48xlarge': notListed('eu-west-1'),
      },
      services: awsServices({
        nat: 0.048,
        endpoint: 0.011,
        rest: 3.5,
        nlb: 0.0252,
        logs: 0.57,
        s3: 0.023,
        tgw: at(PAGES.tgw)(0.05),
      }),
    },
    'eu-central-1': {
      machines: {
        'm7i.large': at(PAGES.ec2)(0.1208, 'hour', M7I),
        'm7i.xlarge': at(PAGES.ec2)(0.2415, 'hour', M7I),
        'm7i.2xlarge': at(PAGES.ec2)(0.483, 'hour', M7I),
        'g4dn.xlarge': ec2(0.658),
        'g4dn.12xlarge': ec2(4.89),
        'g4dn.metal': ec2(9.78),
        'g5.xlarge': ec2(1.258),
        'g5.12xlarge': ec2(7.09282),
        'g5.48xlarge': ec2(20.3681),
        'g6.xlarge': ec2(1.0064),
        'g6.12xlarge': ec2(5.75429),
        'g6.48xlarge': ec2(16.69464),
        'g6e.xlarge': ec2(2.327),
        'g6e.12xlarge': ec2(13.12002),
        'g6e.48xlarge': ec2(37.67612),
        'p4d.24xlarge': ec2(27.43298),
        'p5.4xlarge': notListed('eu-central-1'),
        'p5.48xlarge': notListed('eu-central-1'),
      },
      services: awsServices({
        nat: 0.052,
        endpoint: 0.012,
        rest: 3.7,
        nlb: 0.027,
        logs: 0.63,
        s3: 0.0245,
        tgw: at(PAGES.tgw)(0.05, 'hour', 'the eu-west-1 price'),
      }),
    },
  },
  azure: {
    westeurope: {
      machines: {
        Standard_D2ds_v5: vm(0.132, 'hour', AZURE_VM),
        Standard_D4ds_v5: vm(0.264, 'hour', AZURE_VM),
        Standard_D8ds_v5: vm(0.528, 'hour', AZURE_VM),
        Standard_NC4as_T4_v3: vm(0.6, 'hour', AZURE_VM),
        Standard_NC64as_T4_v3: vm(4.96, 'hour', AZURE_VM),
        Standard_NV36ads_A10_v5: vm(3.65, 'hour', AZURE_VM),
        Standard_NV72ads_A10_v5: vm(7.43, 'hour', AZURE_VM),
        Standard_NC24ads_A100_v4: vm(4.19, 'hour', AZURE_VM),
        Standard_NC48ads_A100_v4: vm(8.37, 'hour', AZURE_VM),
        Standard_NC96ads_A100_v4: vm(16.75, 'hour', AZURE_VM),
        Standard_ND96amsr_A100_v4: vm(37.36, 'hour', AZURE_VM),
        Standard_NC40ads_H100_v5: vm(7.96, 'hour', AZURE_VM),
        Standard_NC80adis_H100_v5: vm(15.91, 'hour', AZURE_VM),
        Standard_ND96isr_H100_v5: vm(112.08, 'hour', AZURE_VM),
      },
      services: azureServices({ logs: 2.99, lrs: 0.0196, zrs: 0.0248, grs: 0.0405, gzrs: 0.0446 }),
    },
    northeurope: {
      machines: {
        Standard_D2ds_v5: vm(0.124, 'hour', AZURE_VM),
        Standard_D4ds_v5: vm(0.248, 'hour', AZURE_VM),
        Standard_D8ds_v5: vm(0.496, 'hour', AZURE_VM),
        Standard_NC4as_T4_v3: vm(0.573, 'hour', AZURE_VM),
        Standard_NC64as_T4_v3: vm(4.74, 'hour', AZURE_VM),
        Standard_NV36ads_A10_v5: vm(3.49, 'hour', AZURE_VM),
        Standard_NV72ads_A10_v5: vm(7.11, 'hour', AZURE_VM),
        Standard_NC24ads_A100_v4: vm(4.0, 'hour', AZURE_VM),
        Standard_NC48ads_A100_v4: vm(8.01, 'hour', AZURE_VM),
        Standard_NC96ads_A100_v4: vm(16.01, 'hour', AZURE_VM),
        Standard_ND96amsr_A100_v4: notOffered('northeurope'),
        Standard_NC40ads_H100_v5: notOffered('northeurope'),
        Standard_NC80adis_H100_v5: notOffered('northeurope'),
        Standard_ND96isr_H100_v5: notOffered('northeurope'),
      },
      services: azureServices({ logs: 2.99, lrs: 0.0184, zrs: 0.023, grs: 0.0382, gzrs: 0.0421 }),
    },
  },
};
