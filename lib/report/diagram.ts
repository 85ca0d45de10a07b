/**
 * The diagram of an environment: a small graph (nested groups, nodes, edges) built from its
 * inventory, and rendered by `render.ts` as Mermaid or Graphviz DOT. One node per pool, per load
 * balancer, per route group and per service, grouped by network, subnet tier and cluster, so the
 * picture stays readable however many resources the output has.
 */
import type { PlatformEnvironment } from '../config';
import type { Inventory, LoadBalancer, NodePool, Route } from './inventory';

export type NodeShape = 'box' | 'rounded' | 'cylinder' | 'stadium' | 'hexagon' | 'note';

export interface DiagramNode {
  readonly id: string;
  /** Label lines; the first is the title. */
  readonly lines: readonly string[];
  readonly shape: NodeShape;
}

export type GroupKind = 'network' | 'subnet' | 'cluster' | 'gateway' | 'services' | 'on-premises' | 'delivery';

export interface DiagramGroup {
  readonly id: string;
  readonly label: string;
  readonly kind: GroupKind;
  readonly nodes: DiagramNode[];
  readonly groups: DiagramGroup[];
}

export interface DiagramEdge {
  /** A node or group id. */
  readonly from: string;
  readonly to: string;
  readonly label?: string;
  readonly style: 'solid' | 'dashed';
}

export interface Diagram {
  readonly title: string;
  readonly nodes: readonly DiagramNode[];
  readonly groups: readonly DiagramGroup[];
  readonly edges: readonly DiagramEdge[];
}

const CLOUD_TERMS = {
  aws: { network: 'VPC', subnets: (name: string) => `${name} subnets`, services: 'Regional services' },
  azure: { network: 'VNet', subnets: (name: string) => name, services: 'Azure services' },
} as const;

/** `n` with the noun in singular or plural: `1 alarm`, `6 alarms`. */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

/** Characters per label line before it wraps. */
const MAX_LINE = 56;

/** A long label line broken at spaces into lines of at most `max` characters (longer words stay whole). */
export function wrapLine(line: string, max: number): string[] {
  if (line.length <= max) return [line];
  const out: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    if (current !== '' && current.length + 1 + word.length > max) {
      out.push(current);
      current = word;
    } else {
      current = current === '' ? word : `${current} ${word}`;
    }
  }
  if (current !== '') out.push(current);
  return out;
}

/** Lines of at most `perLine` items, for long lists inside a node. */
function wrap(items: readonly string[], perLine: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(' · '));
  return lines;
}

/** `GPU pool infer`, `system pool`, `CPU pool cpu`→`CPU pool`. */
export function poolTitle(pool: NodePool): string {
  const kind = pool.role === 'gpu' ? 'GPU' : pool.role === 'system' ? 'system' : 'CPU';
  return pool.name.toLowerCase() === kind.toLowerCase() ? `${kind} pool` : `${kind} pool ${pool.name}`;
}

function poolLines(pool: NodePool, withSubnet: boolean): string[] {
  const title = poolTitle(pool);
  const size = pool.minNodes === pool.maxNodes ? `${pool.minNodes}` : `${pool.minNodes}–${pool.maxNodes}`;
  return [
    title,
    `${pool.machineType ?? 'machine type not literal'} × ${size} nodes`,
    [pool.capacity, pool.accelerator].filter(Boolean).join(' · '),
    ...(pool.zones.length > 0 ? [`zones ${pool.zones.join(', ')}`] : []),
    ...(withSubnet && pool.subnetGroups.length > 0 ? [`subnet ${pool.subnetGroups.join(', ')}`] : []),
  ];
}

function loadBalancerLines(lb: LoadBalancer): string[] {
  const kind =
    lb.origin === 'runtime'
      ? `internal load balancer ${lb.address ?? ''} (Kubernetes Service)`.replace('  ', ' ')
      : `${lb.type === 'network' ? 'NLB' : lb.type === 'application' ? 'ALB' : `${lb.type} load balancer`}${lb.internal ? ' internal' : ' internet-facing'}`;
  return [kind, ...lb.listeners.map((l) => `${l.protocol}:${l.port} → ${l.forwardsTo}`)];
}

/**
 * Routes grouped per model (the segment after the first one, `/models/<name>/...`), or per first
 * segment for other paths: one node per group keeps a gateway with many routes readable.
 */
export function routeGroups(routes: readonly Route[]): Map<string, Route[]> {
  const groups = new Map<string, Route[]>();
  for (const route of routes) {
    const segments = route.path.split('/').filter(Boolean);
    const key = segments.length >= 3 ? `/${segments[0]}/${segments[1]}` : `/${segments[0] ?? ''}`;
    const list = groups.get(key) ?? [];
    list.push(route);
    groups.set(key, list);
  }
  for (const list of groups.values())
    list.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  return groups;
}

/** The diagram of one environment from its inventory (and the environment for names and labels). */
export function buildDiagram(env: PlatformEnvironment, inv: Inventory): Diagram {
  const terms = CLOUD_TERMS[inv.cloud];
  const used = new Set<string>();
  const makeId = (prefix: string, raw = ''): string => {
    const base = `${prefix}${raw ? `_${raw}` : ''}`.replace(/[^A-Za-z0-9_]/g, '_').replace(/_+/g, '_');
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}_${n}`;
    used.add(id);
    return id;
  };
  const group = (kind: GroupKind, label: string, raw?: string): DiagramGroup => ({
    id: makeId(kind.replace('-', '_'), raw),
    label,
    kind,
    nodes: [],
    groups: [],
  });
  const node = (prefix: string, lines: string[], shape: NodeShape = 'box', raw?: string): DiagramNode => ({
    id: makeId(prefix, raw),
    lines: lines.filter((l) => l !== '').flatMap((l) => wrapLine(l, MAX_LINE)),
    shape,
  });

  const topNodes: DiagramNode[] = [];
  const topGroups: DiagramGroup[] = [];
  const edges: DiagramEdge[] = [];
  const edge = (
    from: string | undefined,
    to: string | undefined,
    label?: string,
    style: 'solid' | 'dashed' = 'solid',
  ) => {
    if (from && to) edges.push({ from, to, label, style });
  };

  // ---- network and subnets ------------------------------------------------------------------
  const net = inv.network
    ? group('network', `${terms.network} ${inv.network.name} · ${inv.network.cidrs.join(', ')} · ${inv.region}`)
    : undefined;
  if (net) topGroups.push(net);
  const subnetGroupIds = new Map<string, DiagramGroup>();
  for (const sg of inv.network?.subnetGroups ?? []) {
    const g = group('subnet', terms.subnets(sg.name), sg.name);
    g.nodes.push(
      node(
        'cidrs',
        sg.subnets.map((s) => `${s.zone ?? 'regional'} · ${s.cidr}`),
        'note',
        sg.name,
      ),
    );
    subnetGroupIds.set(sg.name, g);
    net?.groups.push(g);
  }
  /** Where a resource with these subnet groups is drawn: its one subnet group, else the network. */
  const home = (groups: readonly string[]): DiagramGroup | undefined => {
    const unique = [...new Set(groups)];
    return (unique.length === 1 ? subnetGroupIds.get(unique[0] as string) : undefined) ?? net;
  };
  const place = (groups: readonly string[], n: DiagramNode) => {
    const target = home(groups);
    if (target) target.nodes.push(n);
    else topNodes.push(n);
    return n;
  };

  // NAT gateways and the internet they reach.
  if (inv.natGateways.length > 0) {
    const internet = node('internet', ['Internet'], 'stadium');
    topNodes.push(internet);
    for (const nat of [...inv.natGateways].sort((x, y) => (x.zone ?? '').localeCompare(y.zone ?? ''))) {
      const where = inv.cloud === 'aws' ? nat.subnetGroups : [];
      const lines = ['NAT gateway', nat.zone ?? '', inv.cloud === 'azure' ? `for ${nat.subnetGroups.join(', ')}` : ''];
      const n = place(where, node('nat', lines, 'rounded'));
      edge(n.id, internet.id, 'egress', 'dashed');
    }
  }

  // Endpoints: one node per kind and subnet group.
  const endpointNodes = new Map<string, { kind: string; services: string[]; interfaces: number; groups: string[] }>();
  for (const e of inv.endpoints) {
    const key = `${e.kind}|${e.subnetGroups.join(',')}`;
    const entry = endpointNodes.get(key) ?? { kind: e.kind, services: [], interfaces: 0, groups: [...e.subnetGroups] };
    entry.services.push(e.service);
    entry.interfaces += e.interfaces;
    endpointNodes.set(key, entry);
  }
  for (const entry of endpointNodes.values()) {
    const title =
      entry.kind === 'interface'
        ? count(entry.services.length, 'interface endpoint')
        : entry.kind === 'gateway'
          ? count(entry.services.length, 'gateway endpoint')
          : count(entry.services.length, 'private endpoint');
    place(entry.groups, node('endpoints', [title, ...wrap(entry.services.sort(), 4)], 'hexagon', entry.kind));
  }

  // ---- cluster and pools --------------------------------------------------------------------
  const clusterGroups = new Map<string, DiagramGroup>();
  const drawnPools = new Set<string>();
  for (const cluster of inv.clusters) {
    const pools = inv.pools.filter((p) => p.cluster === cluster.id || (!p.cluster && inv.clusters.length === 1));
    const spread = [...cluster.subnetGroups, ...pools.flatMap((p) => p.subnetGroups)];
    const oneSubnet = new Set(spread).size === 1;
    const label = [
      `${cluster.kind === 'eks' ? 'EKS' : 'AKS'} cluster ${cluster.name}`,
      cluster.version ? `Kubernetes ${cluster.version}` : '',
      cluster.tier ? `${cluster.tier} tier` : '',
      cluster.privateApi ? 'private API' : 'public API',
    ]
      .filter(Boolean)
      .join(' · ');
    const g = group('cluster', label, cluster.name);
    for (const pool of pools) {
      g.nodes.push(node('pool', poolLines(pool, !oneSubnet), 'box', pool.name));
      drawnPools.add(pool.id);
    }
    const parent = oneSubnet ? home(spread) : net;
    if (parent) parent.groups.push(g);
    else topGroups.push(g);
    clusterGroups.set(cluster.id, g);
  }
  const cluster = [...clusterGroups.values()][0];
  // Pools whose cluster is not in the output (defined elsewhere): still one node each.
  for (const pool of inv.pools.filter((p) => !drawnPools.has(p.id))) {
    place(pool.subnetGroups, node('pool', poolLines(pool, true), 'box', pool.name));
  }

  // ---- load balancers ------------------------------------------------------------------------
  const lbNodes = new Map<string, DiagramNode>();
  for (const lb of inv.loadBalancers) {
    const n = place(lb.subnetGroups, node('lb', loadBalancerLines(lb), 'rounded', lb.name));
    lbNodes.set(lb.id, n);
    edge(n.id, cluster?.id, 'pods');
  }

  // ---- gateways and routes -------------------------------------------------------------------
  if (inv.gateways.length > 0) {
    const callers = node('callers', ['API callers'], 'stadium');
    topNodes.push(callers);
    for (const gw of inv.gateways) {
      const title =
        gw.kind === 'apim' ? 'API Management' : gw.kind === 'api-gateway-rest' ? 'API Gateway' : 'API Gateway (HTTP)';
      const g = group('gateway', [`${title} ${gw.name}`, ...gw.details].join(' · '), gw.name);
      const acls = inv.webAcls.filter(
        (a) => a.protects.includes(gw.id) || (a.protects.length === 0 && inv.gateways.length === 1),
      );
      for (const acl of acls) g.nodes.push(node('waf', [`WAF ${acl.name}`, count(acl.rules, 'rule')], 'hexagon'));
      for (const [key, routes] of routeGroups(inv.routes.filter((r) => r.gateway === gw.id))) {
        const n = node(
          'routes',
          routes.map((r) => `${r.method} ${r.path}`),
          'box',
          key,
        );
        g.nodes.push(n);
        const targets = new Set(routes.flatMap((r) => r.targets));
        for (const target of targets) edge(n.id, lbNodes.get(target)?.id, gw.kind === 'apim' ? 'backend' : 'VPC link');
      }
      if (gw.subnetGroups.length > 0 && home(gw.subnetGroups) !== net) home(gw.subnetGroups)?.groups.push(g);
      else topGroups.push(g);
      edge(callers.id, g.id, 'HTTPS');
    }
  }

  // ---- regional services ---------------------------------------------------------------------
  const services = group('services', `${terms.services} · ${inv.region}`);
  for (const s of inv.storage) {
    const zones = s.zones.filter((z) => z !== 'access-logs');
    const extra = s.zones.length - zones.length;
    const n = node(
      'storage',
      [
        inv.cloud === 'aws' ? 'S3 buckets' : `storage account ${s.name}`,
        ...wrap(zones, 3),
        extra > 0 ? '+ access logs' : '',
        inv.cloud === 'azure' && s.replication ? s.replication : '',
      ],
      'cylinder',
      s.name,
    );
    services.nodes.push(n);
    edge(cluster?.id, n.id, 'data', 'dashed');
  }
  if (inv.keys.length + inv.keyVaults.length + inv.secrets > 0) {
    const kinds = [...new Set(inv.keys.map((k) => k.kind))];
    const lines =
      inv.cloud === 'aws'
        ? [
            `KMS · ${count(inv.keys.length, 'key')}`,
            ...wrap(
              inv.keys.map((k) => k.name),
              4,
            ),
          ]
        : [...inv.keyVaults.map((v) => `Key Vault ${v}`), `${count(inv.keys.length, 'key')} (${kinds.join(', ')})`];
    if (inv.secrets > 0) lines.push(count(inv.secrets, 'secret'));
    services.nodes.push(node('keys', lines, 'hexagon'));
  }
  for (const r of inv.registries) {
    const n = node(
      'registry',
      [inv.cloud === 'aws' ? 'ECR' : `ACR ${r.name}${r.sku ? ` · ${r.sku}` : ''}`, ...r.repositories.slice(0, 6)],
      'cylinder',
      r.name,
    );
    services.nodes.push(n);
    edge(n.id, cluster?.id, 'images', 'dashed');
  }
  const m = inv.monitoring;
  const monitoring = node(
    'monitoring',
    [
      inv.cloud === 'aws' ? 'CloudWatch' : `Azure Monitor${m.workspaces.length ? ` · ${m.workspaces.join(', ')}` : ''}`,
      inv.cloud === 'aws' ? count(m.logGroups, 'log group') : count(m.logGroups, 'diagnostic setting'),
      `${count(m.alarms, inv.cloud === 'aws' ? 'alarm' : 'alert')}${m.dashboards ? ` · ${count(m.dashboards, 'dashboard')}` : ''}`,
      m.traces ? (inv.cloud === 'aws' ? 'X-Ray traces' : 'Application Insights') : '',
      ...m.budgetsUsd.map((b) => `budget $${b.toLocaleString('en-US')}/month`),
    ],
    'box',
  );
  services.nodes.push(monitoring);
  edge(cluster?.id, monitoring.id, 'logs · metrics', 'dashed');
  for (const s of inv.services) services.nodes.push(node('service', [s], 'box'));
  topGroups.push(services);

  // ---- hybrid link ---------------------------------------------------------------------------
  if (inv.hybrid.length > 0 || inv.clusters.some((c) => c.remoteNodeCidrs.length > 0)) {
    const onPremCidrs = env.hybrid?.onPremCidrs ?? [];
    const onprem = group('on-premises', ['On-premises data centre', ...onPremCidrs].join(' · '));
    topGroups.push(onprem);
    const partNode = (kind: string) => inv.hybrid.filter((p) => p.kind === kind);
    const device = partNode('customer-gateway').map((p) => {
      const n = node('device', [p.label, p.onPremises ?? ''], 'rounded');
      onprem.nodes.push(n);
      return n;
    })[0];
    const gateways = [
      ...partNode('vpn-gateway'),
      ...partNode('transit-gateway-attachment'),
      ...partNode('expressroute-gateway'),
      ...partNode('direct-connect-gateway'),
    ].map((p) => place(p.subnetGroups, node('link_gateway', [p.label], 'hexagon')));
    const cloudSide = gateways[0];
    for (const c of [
      ...partNode('vpn-connection'),
      ...partNode('expressroute-connection'),
      ...partNode('direct-connect-interface'),
    ]) {
      const n = node('link', [c.label], 'stadium');
      topNodes.push(n);
      if (c.onPremises) {
        const far = node('circuit', [c.onPremises], 'rounded');
        onprem.nodes.push(far);
        edge(far.id, n.id);
      } else {
        edge(device?.id, n.id);
      }
      edge(n.id, cloudSide?.id);
    }
    const dns = partNode('dns-forwarding')[0];
    const dnsNode = dns
      ? (() => {
          const n = node('dns', [dns.onPremises ?? 'DNS servers', dns.label.replace(/^forward /, 'zones ')], 'rounded');
          onprem.nodes.push(n);
          return n;
        })()
      : undefined;
    for (const r of [...partNode('resolver-inbound'), ...partNode('resolver-outbound')]) {
      const n = place(r.subnetGroups, node('resolver', [r.label], 'hexagon'));
      if (r.kind === 'resolver-inbound') edge(dnsNode?.id, n.id, 'queries for the platform', 'dashed');
      else edge(n.id, dnsNode?.id, dns?.label ?? 'forward', 'dashed');
    }
    for (const c of inv.clusters.filter((x) => x.remoteNodeCidrs.length > 0)) {
      const n = node(
        'hybrid_nodes',
        [
          'GPU servers as EKS hybrid nodes',
          `nodes ${c.remoteNodeCidrs.join(', ')}`,
          c.remotePodCidrs.length ? `pods ${c.remotePodCidrs.join(', ')}` : '',
        ],
        'box',
      );
      onprem.nodes.push(n);
      edge(n.id, clusterGroups.get(c.id)?.id, 'join the cluster', 'dashed');
    }
    for (const a of partNode('arc-onboarding')) {
      const n = node('arc', ['GPU clusters', a.label], 'box');
      onprem.nodes.push(n);
      edge(n.id, monitoring.id, 'Azure Arc', 'dashed');
    }
  }

  // ---- delivery -------------------------------------------------------------------------------
  const delivery = group('delivery', 'Delivery');
  const source = node(
    'source',
    [
      `${env.delivery.repository} @ ${env.delivery.branch}`,
      env.stage === 'production'
        ? `promotion approved by ${count(env.delivery.approvers.length, 'approver')}`
        : 'deploys on merge',
    ],
    'stadium',
  );
  delivery.nodes.push(source);
  for (const d of inv.delivery) {
    const n = node('delivery', [d.label], d.kind === 'release-state' ? 'note' : 'box', d.kind);
    delivery.nodes.push(n);
    edge(source.id, n.id, undefined, 'dashed');
    if (d.kind === 'release-state' || d.kind === 'gitops') edge(n.id, cluster?.id, 'rollout', 'dashed');
  }
  if (inv.delivery.length === 0) edge(source.id, cluster?.id ?? net?.id, 'deploy', 'dashed');
  topGroups.push(delivery);

  return {
    title: `${env.name} (${env.stage}) on ${inv.cloud === 'aws' ? 'AWS' : 'Azure'} ${inv.region}`,
    nodes: topNodes,
    groups: topGroups,
    edges,
  };
}
