/**
 * The monthly cost of an environment, as a floor (every pool at its minimum) and a ceiling (every
 * pool at its maximum), itemised. Counts come from the inventory (that is, from the synthesized
 * output), prices from `prices.ts`, volumes from the stated assumptions. A price the table lacks
 * is a warning and the line says so; it is never counted as a silent zero.
 */
import type { Cloud, PlatformEnvironment } from '../config';
import { count, poolTitle } from './diagram';
import type { Inventory, NodePool } from './inventory';
import { isPrice, PRICES, type Price, type PriceTable } from './prices';

export interface EstimateOptions {
  /** @default 730 */
  readonly hoursPerMonth?: number;
  /** How much cheaper spot capacity is than On-Demand / pay-as-you-go, percent. @default 60 */
  readonly spotDiscountPercent?: number;
  /** Requests through each API gateway (and its WAF) per month. @default 10,000,000 */
  readonly apiRequestsPerMonth?: number;
  /** Log ingestion, GB per month. @default 50 */
  readonly logIngestionGbPerMonth?: number;
  /** Data held in the storage zones, GB. @default 1,000 */
  readonly storageGb?: number;
  /** Container images held in the registry, GB. @default 50 */
  readonly registryGb?: number;
  /** @default PRICES */
  readonly prices?: PriceTable;
}

export type Assumptions = Required<Omit<EstimateOptions, 'prices'>>;

export const DEFAULT_ASSUMPTIONS: Assumptions = {
  hoursPerMonth: 730,
  spotDiscountPercent: 60,
  apiRequestsPerMonth: 10_000_000,
  logIngestionGbPerMonth: 50,
  storageGb: 1_000,
  registryGb: 50,
};

export type CostCategory =
  | 'control plane'
  | 'nodes'
  | 'network'
  | 'endpoints'
  | 'gateway'
  | 'load balancers'
  | 'hybrid link'
  | 'keys'
  | 'logs'
  | 'storage'
  | 'registry';

/** A price as the estimate used it: the table entry and its key. */
export type UsedPrice = Price & { readonly key: string };

export interface CostLine {
  /** Stable across versions of the environment (`nodes/infer`, `nat`), for comparing estimates. */
  readonly key: string;
  readonly category: CostCategory;
  readonly item: string;
  /** How the amounts were computed: `0–4 × $1.0064/hour × 730 h × 40%`. */
  readonly basis: string;
  readonly floorUsd: number;
  readonly ceilingUsd: number;
  readonly prices: readonly UsedPrice[];
  /** A price it needs is missing from the table; the amounts leave that price out. */
  readonly missingPrice: boolean;
  /** It uses a price marked approximate in the table. */
  readonly approximate: boolean;
  /** Environment fields (`kubernetes.gpuPools[infer].maxNodes`) whose change moves this line. */
  readonly drivers: readonly string[];
}

export interface CostEstimate {
  readonly environment: string;
  readonly cloud: Cloud;
  readonly region: string;
  readonly floorUsd: number;
  readonly ceilingUsd: number;
  readonly lines: readonly CostLine[];
  readonly assumptions: Assumptions;
  /** The assumptions and exclusions, as sentences for the reader. */
  readonly notes: readonly string[];
  readonly warnings: readonly string[];
}

const POOL_FIELDS = ['minNodes', 'maxNodes', 'machineType', 'accelerator', 'gpusPerNode', 'capacity'] as const;

/** Environment fields that size a pool of the inventory. */
export function poolDrivers(pool: NodePool): string[] {
  if (pool.role === 'gpu') {
    const base = `kubernetes.gpuPools[${pool.name}]`;
    return [base, ...POOL_FIELDS.map((f) => `${base}.${f}`)];
  }
  // The system pool, and Azure's CPU user pool, which takes the system pool's type and bounds.
  return ['minNodes', 'maxNodes', 'machineType'].map((f) => `kubernetes.systemPool.${f}`);
}

const HYBRID_DRIVERS = [
  'hybrid',
  'hybrid.linkType',
  'hybrid.transitGatewayId',
  'hybrid.dnsServers',
  'hybrid.dnsDomains',
];

export function usd(amount: number): string {
  const sign = amount < 0 ? '-' : '';
  return `${sign}$${Math.abs(amount).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** A unit price as written in the basis: `$0.1124/hour`. */
function unitPrice(p: Price): string {
  const amount = p.usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 5 });
  return `$${amount}/${p.per === 'million requests' ? 'million' : p.per}`;
}

const cents = (n: number) => Math.round(n * 100) / 100;

/** The monthly cost of an environment from its inventory. */
export function estimateCost(env: PlatformEnvironment, inv: Inventory, options: EstimateOptions = {}): CostEstimate {
  const a: Assumptions = { ...DEFAULT_ASSUMPTIONS, ...definedOnly(options) };
  const table = options.prices ?? PRICES;
  const region = table[inv.cloud][inv.region];
  const warnings: string[] = [...inv.warnings];
  const notes: string[] = [];
  const lines: CostLine[] = [];
  const regionDriver = inv.cloud === 'aws' ? 'target.region' : 'target.location';
  if (!region) warnings.push(`no prices for ${inv.cloud} region ${inv.region} in lib/report/prices.ts: add the region`);

  const lookup = (kind: 'machines' | 'services', key: string, what: string): UsedPrice | undefined => {
    const entry = region?.[kind][key];
    if (isPrice(entry)) return { ...entry, key };
    if (region) {
      const why = entry ? `: ${entry.unavailable}` : ' in lib/report/prices.ts';
      const text = `no price for ${what} in ${inv.region}${why}`;
      if (!warnings.includes(text)) warnings.push(text);
    }
    return undefined;
  };
  /** What one unit of a price costs per month. */
  const monthly = (p: Price): number =>
    p.per === 'hour' ? p.usd * a.hoursPerMonth : p.per === 'day' ? (p.usd * a.hoursPerMonth) / 24 : p.usd;
  const hours = (p: Price) =>
    p.per === 'hour' ? ` × ${a.hoursPerMonth} h` : p.per === 'day' ? ` × ${a.hoursPerMonth / 24} days` : '';

  interface Term {
    readonly price: UsedPrice | undefined;
    readonly floor: number;
    readonly ceiling: number;
    /** How the quantity reads in the basis: `2–4`, `10 million requests`. */
    readonly quantity?: string;
    readonly factor?: number;
    readonly factorText?: string;
  }
  const add = (
    key: string,
    category: CostCategory,
    item: string,
    drivers: readonly string[],
    terms: readonly Term[],
  ) => {
    const priced = terms.filter((t) => t.price !== undefined);
    const amount = (pick: 'floor' | 'ceiling') =>
      cents(priced.reduce((sum, t) => sum + t[pick] * monthly(t.price as Price) * (t.factor ?? 1), 0));
    const basis = terms
      .map((t) => {
        const q = t.quantity ?? (t.floor === t.ceiling ? `${t.floor}` : `${t.floor}–${t.ceiling}`);
        if (!t.price) return `${q} × price missing`;
        return `${q} × ${unitPrice(t.price)}${hours(t.price)}${t.factorText ?? ''}`;
      })
      .join(' + ');
    lines.push({
      key,
      category,
      item,
      basis,
      floorUsd: amount('floor'),
      ceilingUsd: amount('ceiling'),
      prices: priced.map((t) => t.price as UsedPrice),
      missingPrice: priced.length < terms.length,
      approximate: priced.some((t) => t.price?.approximate !== undefined),
      drivers: [...new Set([regionDriver, ...drivers])],
    });
  };

  // ---- Kubernetes control plane ---------------------------------------------------------------
  for (const c of inv.clusters) {
    if (c.kind === 'eks') {
      add(
        `control-plane/${c.name}`,
        'control plane',
        `EKS control plane ${c.name}`,
        [],
        [{ price: lookup('services', 'eks-cluster', 'the EKS control plane'), floor: 1, ceiling: 1 }],
      );
    } else if ((c.tier ?? 'Free') === 'Free') {
      lines.push({
        key: `control-plane/${c.name}`,
        category: 'control plane',
        item: `AKS control plane ${c.name}, Free tier`,
        basis: 'Free tier: no charge (no uptime SLA)',
        floorUsd: 0,
        ceilingUsd: 0,
        prices: [],
        missingPrice: false,
        approximate: false,
        drivers: ['stage'],
      });
    } else {
      const tier = (c.tier ?? '').toLowerCase();
      add(
        `control-plane/${c.name}`,
        'control plane',
        `AKS control plane ${c.name}, ${c.tier} tier`,
        ['stage'],
        [{ price: lookup('services', `aks-${tier}`, `the AKS ${c.tier} tier`), floor: 1, ceiling: 1 }],
      );
    }
  }

  // ---- nodes ----------------------------------------------------------------------------------
  const spot = 1 - a.spotDiscountPercent / 100;
  for (const pool of inv.pools) {
    const kind = poolTitle(pool);
    const type = pool.machineType ?? 'unknown type';
    const price = pool.machineType ? lookup('machines', pool.machineType, pool.machineType) : undefined;
    if (!pool.machineType) warnings.push(`${kind}: the output names no machine type, so it is not priced`);
    add(`nodes/${pool.name}`, 'nodes', `${kind}: ${type}, ${pool.capacity}`, poolDrivers(pool), [
      {
        price,
        floor: pool.minNodes,
        ceiling: pool.maxNodes,
        factor: pool.capacity === 'spot' ? spot : 1,
        factorText: pool.capacity === 'spot' ? ` × ${100 - a.spotDiscountPercent}% (spot)` : '',
      },
    ]);
  }

  // ---- network ----------------------------------------------------------------------------------
  if (inv.natGateways.length > 0) {
    const n = inv.natGateways.length;
    add(
      'nat',
      'network',
      count(n, 'NAT gateway'),
      ['network.natGateways', 'network.availabilityZones'],
      [{ price: lookup('services', 'nat-gateway', 'NAT gateways'), floor: n, ceiling: n }],
    );
  }
  if (inv.publicIps > 0) {
    const key = inv.cloud === 'aws' ? 'public-ipv4' : 'public-ip';
    add(
      'public-ips',
      'network',
      count(inv.publicIps, 'public IPv4 address', 'public IPv4 addresses'),
      ['network.natGateways', ...HYBRID_DRIVERS],
      [{ price: lookup('services', key, 'public IPv4 addresses'), floor: inv.publicIps, ceiling: inv.publicIps }],
    );
  }
  const interfaces = inv.endpoints.filter((e) => e.kind !== 'gateway');
  if (interfaces.length > 0) {
    const n = interfaces.reduce((sum, e) => sum + e.interfaces, 0);
    const aws = inv.cloud === 'aws';
    add(
      'endpoints',
      'endpoints',
      aws
        ? `${count(interfaces.length, 'interface endpoint')} in ${count(n / interfaces.length, 'zone')}`
        : count(interfaces.length, 'private endpoint'),
      ['network.availabilityZones'],
      [
        {
          price: lookup(
            'services',
            aws ? 'interface-endpoint' : 'private-endpoint',
            aws ? 'interface endpoints' : 'private endpoints',
          ),
          floor: n,
          ceiling: n,
        },
      ],
    );
  }

  // ---- gateway --------------------------------------------------------------------------------
  const millions = a.apiRequestsPerMonth / 1_000_000;
  const requests = `${millions.toLocaleString('en-US')} million requests`;
  for (const gw of inv.gateways) {
    if (gw.kind === 'apim') {
      const tier = gw.tier ?? '?';
      add(
        `apim/${gw.name}`,
        'gateway',
        `API Management ${gw.name}: ${tier} × ${gw.units ?? 1}`,
        ['api.apimSku'],
        [
          {
            price: lookup('services', `apim-${tier.toLowerCase()}`, `API Management ${tier}`),
            floor: gw.units ?? 1,
            ceiling: gw.units ?? 1,
          },
        ],
      );
    } else {
      const key = gw.kind === 'api-gateway-rest' ? 'api-gateway-rest' : 'api-gateway-http';
      add(
        `api-requests/${gw.name}`,
        'gateway',
        `API Gateway ${gw.name}: requests`,
        [],
        [
          {
            price: lookup('services', key, 'API Gateway requests'),
            floor: millions,
            ceiling: millions,
            quantity: requests,
          },
        ],
      );
    }
  }
  for (const acl of inv.webAcls) {
    add(
      `waf/${acl.name}`,
      'gateway',
      `WAF ${acl.name}: web ACL, ${count(acl.rules, 'rule')}, requests`,
      ['stage'],
      [
        { price: lookup('services', 'waf-web-acl', 'WAF web ACLs'), floor: 1, ceiling: 1 },
        { price: lookup('services', 'waf-rule', 'WAF rules'), floor: acl.rules, ceiling: acl.rules },
        {
          price: lookup('services', 'waf-requests', 'WAF requests'),
          floor: millions,
          ceiling: millions,
          quantity: requests,
        },
      ],
    );
  }

  // ---- load balancers -------------------------------------------------------------------------
  for (const lb of inv.loadBalancers) {
    const key = inv.cloud === 'aws' ? (lb.type === 'network' ? 'nlb' : 'alb') : 'lb-standard';
    const label =
      lb.origin === 'runtime'
        ? `internal load balancer ${lb.address ?? ''} (created by the cluster for the gateway backends)`
        : `${lb.type} load balancer ${lb.name} (${count(lb.listeners.length, 'listener')})`;
    add(
      `lb/${lb.name}`,
      'load balancers',
      label,
      ['serving.models'],
      [{ price: lookup('services', key, `${lb.type} load balancers`), floor: 1, ceiling: 1 }],
    );
  }

  // ---- hybrid link ----------------------------------------------------------------------------
  for (const part of inv.hybrid) {
    const one = (key: string, what: string, units = 1) =>
      add(`hybrid/${part.kind}/${part.id}`, 'hybrid link', part.label, HYBRID_DRIVERS, [
        { price: lookup('services', key, what), floor: units, ceiling: units },
      ]);
    if (inv.cloud === 'aws') {
      if (part.kind === 'vpn-connection') one('vpn-connection', 'Site-to-Site VPN connections');
      if (part.kind === 'transit-gateway-attachment') one('transit-gateway-attachment', 'transit gateway attachments');
      if (part.kind === 'resolver-inbound' || part.kind === 'resolver-outbound') {
        one('resolver-endpoint-interface', 'Route 53 Resolver endpoint interfaces', part.units);
      }
      if (part.kind === 'direct-connect-interface' || part.kind === 'direct-connect-gateway') {
        const note = `Direct Connect port hours and data transfer are billed on the connection ordered outside this project${part.onPremises ? ` (${part.onPremises})` : ''}; they are not in this estimate.`;
        if (!notes.includes(note)) notes.push(note);
      }
    } else {
      if (part.kind === 'vpn-gateway') one(`vpn-gateway:${part.sku}`, `VPN gateway ${part.sku}`);
      if (part.kind === 'expressroute-gateway')
        one(`expressroute-gateway:${part.sku}`, `ExpressRoute gateway ${part.sku}`);
      if (part.kind === 'resolver-inbound' || part.kind === 'resolver-outbound') {
        one('dns-resolver-endpoint', 'DNS Private Resolver endpoints', part.units);
      }
      if (part.kind === 'dns-forwarding') one('dns-forwarding-ruleset', 'DNS forwarding rulesets', part.units);
      if (part.kind === 'expressroute-connection') {
        notes.push(
          `The ExpressRoute circuit (${part.onPremises ?? 'ordered outside this project'}) and its provider are billed outside this estimate.`,
        );
      }
    }
  }

  // ---- keys and vaults ------------------------------------------------------------------------
  const keyKinds = new Map<string, number>();
  for (const k of inv.keys) keyKinds.set(k.kind, (keyKinds.get(k.kind) ?? 0) + 1);
  for (const [kind, n] of keyKinds) {
    const key = inv.cloud === 'aws' ? 'kms-key' : `key-${kind}`;
    const item =
      inv.cloud === 'aws' ? `${count(n, 'KMS key')} (customer managed)` : `${count(n, 'Key Vault key')} (${kind})`;
    add(`keys/${kind}`, 'keys', item, [], [{ price: lookup('services', key, `${kind} keys`), floor: n, ceiling: n }]);
  }
  if (inv.cloud === 'aws' && inv.secrets > 0) {
    add('secrets', 'keys', count(inv.secrets, 'Secrets Manager secret'), HYBRID_DRIVERS, [
      { price: lookup('services', 'secret', 'Secrets Manager secrets'), floor: inv.secrets, ceiling: inv.secrets },
    ]);
  }

  // ---- logs, storage, registry ----------------------------------------------------------------
  add(
    'logs',
    'logs',
    inv.cloud === 'aws' ? 'CloudWatch Logs ingestion' : 'Log Analytics ingestion',
    [],
    [
      {
        price: lookup('services', 'log-ingestion', 'log ingestion'),
        floor: a.logIngestionGbPerMonth,
        ceiling: a.logIngestionGbPerMonth,
        quantity: `${a.logIngestionGbPerMonth.toLocaleString('en-US')} GB`,
      },
    ],
  );
  for (const s of inv.storage) {
    const key = inv.cloud === 'aws' ? 's3-standard' : `blob-hot:${s.replication ?? 'LRS'}`;
    add(
      `storage/${s.name}`,
      'storage',
      inv.cloud === 'aws' ? 'S3 Standard' : `Blob storage ${s.name} (hot, ${s.replication ?? 'LRS'})`,
      [],
      [
        {
          price: lookup(
            'services',
            key,
            inv.cloud === 'aws' ? 'S3 Standard storage' : `blob storage (${s.replication})`,
          ),
          floor: a.storageGb,
          ceiling: a.storageGb,
          quantity: `${a.storageGb.toLocaleString('en-US')} GB`,
        },
      ],
    );
  }
  for (const r of inv.registries) {
    if (inv.cloud === 'aws') {
      add(
        'registry',
        'registry',
        'ECR image storage',
        [],
        [
          {
            price: lookup('services', 'ecr-storage', 'ECR storage'),
            floor: a.registryGb,
            ceiling: a.registryGb,
            quantity: `${a.registryGb.toLocaleString('en-US')} GB`,
          },
        ],
      );
    } else {
      add(
        `registry/${r.name}`,
        'registry',
        `Container Registry ${r.name} (${r.sku ?? '?'})`,
        [],
        [{ price: lookup('services', `acr:${r.sku}`, `Container Registry ${r.sku}`), floor: 1, ceiling: 1 }],
      );
    }
  }

  // ---- notes ------------------------------------------------------------------------------------
  notes.unshift(
    `${a.hoursPerMonth} hours per month; USD list prices (On-Demand / pay-as-you-go, Linux) before discounts, savings plans, reservations and taxes.`,
    'Floor: every node pool at its minimum size; ceiling: every pool at its maximum. Everything else runs all month in both.',
    `Spot pools at ${a.spotDiscountPercent}% below the On-Demand price (spot prices move with demand and capacity).`,
    `Volumes: ${(a.apiRequestsPerMonth / 1_000_000).toLocaleString('en-US')} million API requests per month per gateway, ${a.logIngestionGbPerMonth} GB of logs ingested per month, ${a.storageGb.toLocaleString('en-US')} GB in the data zones, ${a.registryGb} GB of images.`,
    'Not included: data transfer and data processing (NAT, endpoints, load balancer capacity units), node disks, per-request charges of storage, keys and secrets, alarms and dashboards, support plans.',
  );
  const approximate = lines.filter((l) => l.approximate).length;
  if (approximate > 0) {
    notes.push(
      `${count(approximate, 'line uses', 'lines use')} a price marked approximate (≈) in lib/report/prices.ts: derived, not read off the pricing page.`,
    );
  }
  const missing = lines.filter((l) => l.missingPrice);
  if (missing.length > 0) {
    warnings.push(
      `the totals leave out ${count(missing.length, 'line')} without a price (${missing.map((l) => l.item).join('; ')}): they are lower than the real cost`,
    );
  }

  return {
    environment: env.name,
    cloud: inv.cloud,
    region: inv.region,
    floorUsd: cents(lines.reduce((sum, l) => sum + l.floorUsd, 0)),
    ceilingUsd: cents(lines.reduce((sum, l) => sum + l.ceilingUsd, 0)),
    lines,
    assumptions: a,
    notes,
    warnings,
  };
}

function definedOnly(options: EstimateOptions): Partial<Assumptions> {
  const { prices: _prices, ...rest } = options;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as Partial<Assumptions>;
}

/** `$1,234.56–$5,678.90/month`, for one summary line. */
export function formatRange(estimate: CostEstimate): string {
  const incomplete = estimate.lines.some((l) => l.missingPrice) ? ' (incomplete: prices missing)' : '';
  return `${usd(estimate.floorUsd)}–${usd(estimate.ceilingUsd)}/month${incomplete}`;
}

/** The estimate as Markdown: totals, the itemised table, warnings, notes and the prices used. */
export function renderEstimateMarkdown(estimate: CostEstimate, budgetUsd?: number): string {
  const out = [
    `# ${estimate.environment}: monthly cost estimate`,
    '',
    `**Floor ${usd(estimate.floorUsd)} · ceiling ${usd(estimate.ceilingUsd)} per month** (${estimate.cloud === 'aws' ? 'AWS' : 'Azure'} ${estimate.region}${budgetUsd === undefined ? '' : `; budget ${usd(budgetUsd)}`}).`,
    '',
  ];
  if (estimate.warnings.length > 0) {
    out.push('> [!WARNING]', ...estimate.warnings.map((w) => `> - ${w}`), '');
  }
  out.push('| Category | Item | Basis | Floor | Ceiling |', '|---|---|---|---:|---:|');
  for (const l of estimate.lines) {
    const mark = l.missingPrice ? ' ⚠ price missing' : l.approximate ? ' ≈' : '';
    out.push(
      `| ${l.category} | ${cell(l.item)}${mark} | ${cell(l.basis)} | ${usd(l.floorUsd)} | ${usd(l.ceilingUsd)} |`,
    );
  }
  out.push(`| **Total** | | | **${usd(estimate.floorUsd)}** | **${usd(estimate.ceilingUsd)}** |`, '');
  out.push('Assumptions and exclusions:', '', ...estimate.notes.map((n) => `- ${n}`), '');
  const prices = new Map<string, UsedPrice>();
  for (const l of estimate.lines) for (const p of l.prices) prices.set(p.key, p);
  if (prices.size > 0) {
    out.push('Prices used (lib/report/prices.ts):', '', '| Price | USD | Source | As of |', '|---|---:|---|---|');
    for (const p of [...prices.values()].sort((x, y) => x.key.localeCompare(y.key))) {
      out.push(`| ${p.key}${p.approximate ? ' ≈' : ''} | ${unitPrice(p)} | ${p.source} | ${p.asOf} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The estimate as JSON for other tools: amounts in USD per month, rounded to cents. */
export function estimateJson(estimate: CostEstimate): string {
  return `${JSON.stringify(estimate, null, 2)}\n`;
}
