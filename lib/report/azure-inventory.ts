/**
 * Reads the inventory of an Azure environment from its stack's Terraform JSON. Resources are found
 * by type and linked through their `${type.name.attribute}` references, so what the constructs add
 * later (node pools, private endpoints, APIM operations and backends, load balancers) is picked up.
 */
import {
  ACCELERATOR_LABEL,
  cidrContains,
  machineSpec,
  type PlatformEnvironment,
  POOL_LABEL,
  parseCidr,
  SYSTEM_POOL,
} from '../config';
import { summarise } from './aws-inventory';
import type {
  Cluster,
  DeliveryPart,
  Endpoint,
  Gateway,
  HybridPart,
  Inventory,
  Key,
  LoadBalancer,
  NatGateway,
  Network,
  NodePool,
  PoolRole,
  Route,
  StorageAccount,
  SubnetGroup,
} from './inventory';
import { arr, block, num, obj, str, type TerraformJson, tfRef } from './output';

interface Block {
  readonly type: string;
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>>;
}

const address = (b: Block): string => `${b.type}.${b.name}`;

/** `GITHUB_ISSUER` tokens come from GitHub Actions. */
const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

export function readAzureInventory(env: PlatformEnvironment, json: TerraformJson): Inventory {
  const all: Block[] = Object.entries(json.resource ?? {}).flatMap(([type, byName]) =>
    Object.entries(byName).map(([name, config]) => ({ type, name, config })),
  );
  const of = (...types: string[]) => all.filter((b) => types.includes(b.type));
  const resolve = (value: unknown): Block | undefined => {
    const ref = tfRef(value);
    return ref ? all.find((b) => b.type === ref.type && b.name === ref.name) : undefined;
  };
  const warnings: string[] = [];
  const region = env.target.cloud === 'azure' ? env.target.location : '';

  // ---- network ------------------------------------------------------------------------------
  const subnets = of('azurerm_subnet').map((s) => ({
    block: s,
    name: str(s.config.name) ?? s.name,
    cidrs: arr(s.config.address_prefixes).map(String),
  }));
  const subnetName = (value: unknown): string | undefined => {
    const target = resolve(value);
    return target ? subnets.find((s) => s.block === target)?.name : undefined;
  };
  const subnetGroups: SubnetGroup[] = subnets.map((s) => ({
    name: s.name,
    kind: s.name
      .replace(/^snet-/, '')
      .replace(/Subnet$/, '')
      .toLowerCase(),
    subnets: s.cidrs.map((cidr) => ({ id: address(s.block), cidr })),
  }));
  const vnet = of('azurerm_virtual_network')[0];
  const natAssociations = of('azurerm_subnet_nat_gateway_association');
  const natGateways: NatGateway[] = of('azurerm_nat_gateway').map((n) => ({
    id: address(n),
    subnetGroups: natAssociations
      .filter((a) => resolve(a.config.nat_gateway_id) === n)
      .map((a) => subnetName(a.config.subnet_id))
      .filter((g): g is string => g !== undefined),
    zone: arr(n.config.zones).map(String)[0],
  }));
  const network: Network | undefined = vnet
    ? {
        id: address(vnet),
        name: str(vnet.config.name) ?? vnet.name,
        cidrs: arr(vnet.config.address_space).map(String),
        subnetGroups,
        internetEgress: natGateways.length > 0,
      }
    : undefined;

  const endpoints: Endpoint[] = of('azurerm_private_endpoint').map((pe) => {
    const connection = block(pe.config.private_service_connection);
    const target = resolve(connection.private_connection_resource_id);
    const service = target ? target.type.replace(/^azurerm_/, '').replace(/_/g, ' ') : 'service';
    const subresources = arr(connection.subresource_names).map(String).join(', ');
    return {
      id: address(pe),
      service: subresources ? `${service} (${subresources})` : service,
      kind: 'private-endpoint',
      subnetGroups: [subnetName(pe.config.subnet_id)].filter((g): g is string => g !== undefined),
      interfaces: 1,
    };
  });

  // ---- cluster and pools --------------------------------------------------------------------
  const clusters: Cluster[] = [];
  const pools: NodePool[] = [];
  const poolOf = (
    id: string,
    cluster: string | undefined,
    config: Readonly<Record<string, unknown>>,
    mode: 'System' | 'User',
  ): NodePool => {
    const labels = obj(config.node_labels);
    const name = str(labels[POOL_LABEL]) ?? str(config.name) ?? id;
    const machineType = str(config.vm_size);
    const autoscaling = config.auto_scaling_enabled === true;
    const count = num(config.node_count);
    const min = autoscaling ? num(config.min_count) : count;
    const max = autoscaling ? num(config.max_count) : count;
    if (min === undefined || max === undefined) {
      warnings.push(`node pool ${id}: its node counts are not literals; counted as 0-0 nodes`);
    }
    const accelerator = str(labels[ACCELERATOR_LABEL]);
    const gpus = machineType ? (machineSpec(machineType)?.gpus ?? 0) : 0;
    const taints = arr(config.node_taints).map(String);
    const role: PoolRole =
      accelerator || gpus > 0 || taints.some((t) => t.startsWith('nvidia.com/gpu'))
        ? 'gpu'
        : mode === 'System' || name === SYSTEM_POOL
          ? 'system'
          : 'cpu';
    return {
      id,
      cluster,
      name,
      role,
      machineType,
      minNodes: min ?? 0,
      maxNodes: max ?? min ?? 0,
      capacity: str(config.priority) === 'Spot' ? 'spot' : 'on-demand',
      zones: arr(config.zones).map(String),
      subnetGroups: [subnetName(config.vnet_subnet_id)].filter((g): g is string => g !== undefined),
      accelerator,
    };
  };
  for (const c of of('azurerm_kubernetes_cluster')) {
    const defaultPool = block(c.config.default_node_pool);
    const system = poolOf(`${address(c)}.default_node_pool`, address(c), defaultPool, 'System');
    pools.push(system);
    clusters.push({
      id: address(c),
      name: str(c.config.name) ?? c.name,
      kind: 'aks',
      version: str(c.config.kubernetes_version),
      tier: str(c.config.sku_tier) ?? 'Free',
      privateApi: c.config.private_cluster_enabled === true,
      subnetGroups: system.subnetGroups,
      remoteNodeCidrs: [],
      remotePodCidrs: [],
    });
  }
  for (const p of of('azurerm_kubernetes_cluster_node_pool')) {
    const cluster = resolve(p.config.kubernetes_cluster_id);
    pools.push(
      poolOf(
        address(p),
        cluster ? address(cluster) : undefined,
        p.config,
        str(p.config.mode) === 'System' ? 'System' : 'User',
      ),
    );
  }

  // ---- gateway, routes, load balancers ------------------------------------------------------
  const subnetContaining = (ip: string): string | undefined => {
    const host = parseCidr(`${ip}/32`);
    if (!host) return undefined;
    return subnets.find((s) =>
      s.cidrs.some((c) => {
        const cidr = parseCidr(c);
        return cidr !== undefined && cidrContains(cidr, host);
      }),
    )?.name;
  };
  const gateways: Gateway[] = [];
  const routes: Route[] = [];
  const loadBalancers: LoadBalancer[] = [];
  for (const apim of of('azurerm_api_management')) {
    const sku = str(apim.config.sku_name) ?? '';
    const [tier = sku, units = '1'] = sku.split('_');
    const vnetConfig = block(apim.config.virtual_network_configuration);
    const mode = str(apim.config.virtual_network_type) ?? 'None';
    const belongs = (b: Block) => resolve(b.config.api_management_name) === apim;
    const backends = of('azurerm_api_management_backend')
      .filter(belongs)
      .map((b) => ({ id: address(b), name: str(b.config.name) ?? b.name, url: str(b.config.url) ?? '?' }));
    gateways.push({
      id: address(apim),
      name: str(apim.config.name) ?? apim.name,
      kind: 'apim',
      details: [`${tier} × ${units}`, `VNet ${mode.toLowerCase()}`],
      tier,
      units: num(units) ?? 1,
      subnetGroups: [subnetName(vnetConfig.subnet_id)].filter((g): g is string => g !== undefined),
      backends,
    });
    // Each backend address inside the VNet is a load balancer the cluster creates at run time
    // (an internal Service of type LoadBalancer); it is drawn where its address lives.
    const runtime = new Map<string, LoadBalancer>();
    for (const backend of backends) {
      const match = /^[a-z]+:\/\/(\d{1,3}(?:\.\d{1,3}){3})(?::(\d+))?/.exec(backend.url);
      if (!match) continue;
      const ip = match[1] as string;
      const port = match[2] ?? (backend.url.startsWith('https') ? '443' : '80');
      const lb = runtime.get(ip) ?? {
        id: `runtime-lb.${ip}`,
        name: `internal load balancer ${ip}`,
        type: 'standard',
        internal: true,
        subnetGroups: [subnetContaining(ip)].filter((g): g is string => g !== undefined),
        listeners: [],
        origin: 'runtime' as const,
        address: ip,
      };
      (lb.listeners as LoadBalancer['listeners'][number][]).push({
        id: backend.id,
        protocol: backend.url.split(':')[0]?.toUpperCase() ?? 'TCP',
        port,
        forwardsTo: `backend ${backend.name}`,
      });
      runtime.set(ip, lb);
    }
    loadBalancers.push(...runtime.values());
    const apis = of('azurerm_api_management_api').filter(belongs);
    for (const op of of('azurerm_api_management_api_operation').filter(belongs)) {
      const api = resolve(op.config.api_name);
      const base = str(api?.config.path) ?? '';
      const template = str(op.config.url_template) ?? '/';
      routes.push({
        gateway: address(apim),
        method: str(op.config.method) ?? 'ANY',
        path: `/${[base, template.replace(/^\//, '')].filter(Boolean).join('/')}`,
        targets: [...runtime.values()].map((lb) => lb.id),
      });
    }
    if (apis.length > 0 && routes.every((r) => r.gateway !== address(apim))) {
      for (const api of apis) {
        routes.push({ gateway: address(apim), method: 'ANY', path: `/${str(api.config.path) ?? ''}`, targets: [] });
      }
    }
  }
  for (const lb of of('azurerm_lb')) {
    const frontends = arr(lb.config.frontend_ip_configuration).map(obj);
    const rules = of('azurerm_lb_rule').filter((r) => resolve(r.config.loadbalancer_id) === lb);
    loadBalancers.push({
      id: address(lb),
      name: str(lb.config.name) ?? lb.name,
      type: (str(lb.config.sku) ?? 'Standard').toLowerCase(),
      internal: frontends.every((f) => f.public_ip_address_id === undefined),
      subnetGroups: frontends.map((f) => subnetName(f.subnet_id)).filter((g): g is string => g !== undefined),
      listeners: rules.map((r) => ({
        id: address(r),
        protocol: str(r.config.protocol) ?? '?',
        port: String(num(r.config.frontend_port) ?? '?'),
        forwardsTo: `port ${num(r.config.backend_port) ?? '?'}`,
      })),
      origin: 'output',
    });
  }

  // ---- data, keys, registry -----------------------------------------------------------------
  const containers = of('azurerm_storage_container');
  const storage: StorageAccount[] = of('azurerm_storage_account').map((s) => ({
    id: address(s),
    name: str(s.config.name) ?? s.name,
    zones: containers
      .filter((c) => resolve(c.config.storage_account_id ?? c.config.storage_account_name) === s)
      .map((c) => str(c.config.name) ?? c.name),
    replication: str(s.config.account_replication_type),
  }));
  const keys: Key[] = of('azurerm_key_vault_key').map((k) => ({
    id: address(k),
    name: str(k.config.name) ?? k.name,
    kind: `${(str(k.config.key_type) ?? 'RSA').toLowerCase()}-${num(k.config.key_size) ?? str(k.config.curve) ?? ''}`,
  }));
  const registries = of('azurerm_container_registry').map((r) => ({
    id: address(r),
    name: str(r.config.name) ?? r.name,
    sku: str(r.config.sku),
    repositories: [],
  }));

  // ---- monitoring ---------------------------------------------------------------------------
  const monitoring = {
    logGroups: of('azurerm_monitor_diagnostic_setting').length,
    workspaces: of('azurerm_log_analytics_workspace').map((w) => str(w.config.name) ?? w.name),
    alarms: of(
      'azurerm_monitor_metric_alert',
      'azurerm_monitor_scheduled_query_rules_alert_v2',
      'azurerm_monitor_activity_log_alert',
    ).length,
    dashboards: of('azurerm_portal_dashboard', 'azurerm_dashboard_grafana').length,
    notificationTargets: of('azurerm_monitor_action_group').length,
    budgetsUsd: of('azurerm_consumption_budget_resource_group', 'azurerm_consumption_budget_subscription')
      .map((b) => num(b.config.amount))
      .filter((n): n is number => n !== undefined),
    traces: of('azurerm_application_insights').length > 0,
  };

  // ---- hybrid link --------------------------------------------------------------------------
  const hybrid: HybridPart[] = [];
  const ipConfigSubnets = (config: Readonly<Record<string, unknown>>) =>
    arr(config.ip_configuration)
      .map((c) => subnetName(obj(c).subnet_id))
      .filter((g): g is string => g !== undefined);
  for (const g of of('azurerm_virtual_network_gateway')) {
    const vpn = str(g.config.type) === 'Vpn';
    const sku = str(g.config.sku) ?? '?';
    const details = [sku, g.config.active_active === true ? 'active-active' : '', g.config.enable_bgp ? 'BGP' : '']
      .filter(Boolean)
      .join(' · ');
    hybrid.push({
      id: address(g),
      kind: vpn ? 'vpn-gateway' : 'expressroute-gateway',
      label: `${vpn ? 'VPN' : 'ExpressRoute'} gateway · ${details}`,
      sku,
      units: 1,
      subnetGroups: [...new Set(ipConfigSubnets(g.config))],
    });
  }
  for (const l of of('azurerm_local_network_gateway')) {
    const bgp = block(l.config.bgp_settings);
    hybrid.push({
      id: address(l),
      kind: 'customer-gateway',
      label: 'VPN device',
      units: 0,
      subnetGroups: [],
      onPremises: [str(l.config.gateway_address), num(bgp.asn) ? `BGP ASN ${num(bgp.asn)}` : 'static routes']
        .filter(Boolean)
        .join(' · '),
    });
  }
  for (const c of of('azurerm_virtual_network_gateway_connection')) {
    const type = str(c.config.type) ?? '?';
    const expressRoute = type === 'ExpressRoute';
    hybrid.push({
      id: address(c),
      kind: expressRoute ? 'expressroute-connection' : 'vpn-connection',
      label: expressRoute
        ? 'ExpressRoute connection to the circuit'
        : `site-to-site VPN · ${type}${c.config.enable_bgp ? ' · BGP' : ''}`,
      units: 1,
      subnetGroups: [],
      onPremises: expressRoute
        ? `circuit ${String(str(c.config.express_route_circuit_id) ?? '?')
            .split('/')
            .pop()}`
        : undefined,
    });
  }
  for (const e of of(
    'azurerm_private_dns_resolver_inbound_endpoint',
    'azurerm_private_dns_resolver_outbound_endpoint',
  )) {
    const inbound = e.type.endsWith('inbound_endpoint');
    const ipConfigurations = e.config.ip_configurations;
    const configs = (Array.isArray(ipConfigurations) ? ipConfigurations : [ipConfigurations]).map(obj);
    hybrid.push({
      id: address(e),
      kind: inbound ? 'resolver-inbound' : 'resolver-outbound',
      label: `DNS Private Resolver ${inbound ? 'inbound' : 'outbound'} endpoint`,
      units: 1,
      subnetGroups: (inbound ? configs.map((c) => subnetName(c.subnet_id)) : [subnetName(e.config.subnet_id)]).filter(
        (g): g is string => g !== undefined,
      ),
    });
  }
  const rules = of('azurerm_private_dns_resolver_forwarding_rule');
  if (rules.length > 0) {
    const targets = rules.flatMap((r) => arr(r.config.target_dns_servers).map((s) => str(obj(s).ip_address)));
    hybrid.push({
      id: address(rules[0] as Block),
      kind: 'dns-forwarding',
      label: `forward ${rules.map((r) => str(r.config.domain_name)?.replace(/\.$/, '')).join(', ')}`,
      units: of('azurerm_private_dns_resolver_dns_forwarding_ruleset').length,
      subnetGroups: [],
      onPremises: `DNS ${[...new Set(targets.filter(Boolean))].join(', ')}`,
    });
  }
  for (const a of of('azurerm_role_assignment').filter((r) =>
    /Azure Arc/.test(str(r.config.role_definition_name) ?? ''),
  )) {
    hybrid.push({
      id: address(a),
      kind: 'arc-onboarding',
      label: 'Azure Arc onboarding of on-premises clusters',
      units: 0,
      subnetGroups: [],
    });
  }

  // ---- delivery -----------------------------------------------------------------------------
  const delivery: DeliveryPart[] = [];
  for (const f of of('azurerm_federated_identity_credential')) {
    if (str(f.config.issuer) !== GITHUB_ISSUER) continue;
    const identity = resolve(f.config.parent_id);
    const roles = of('azurerm_role_assignment')
      .filter((r) => identity && resolve(r.config.principal_id) === identity)
      .map((r) => str(r.config.role_definition_name))
      .filter((r): r is string => r !== undefined);
    const subject = (str(f.config.subject) ?? '?').replace(/^repo:/, '');
    if (roles.some((r) => /Azure Arc/.test(r))) continue;
    delivery.push({
      id: address(f),
      kind: 'federated-identity',
      label: `GitHub ${subject} → ${str(identity?.config.name) ?? 'identity'}${roles.length ? ` (${summarise([...new Set(roles)], 3)})` : ''}`,
    });
  }
  for (const x of of('azurerm_kubernetes_cluster_extension', 'azurerm_kubernetes_flux_configuration')) {
    const label =
      x.type === 'azurerm_kubernetes_cluster_extension'
        ? `cluster extension ${str(x.config.extension_type) ?? x.name}`
        : `Flux configuration ${str(x.config.name) ?? x.name}${Object.keys(block(x.config.blob_storage)).length > 0 ? ' from blob storage' : ''}`;
    delivery.push({ id: address(x), kind: 'gitops', label });
  }

  const services = of('azurerm_machine_learning_workspace').map(
    (w) => `Azure ML workspace ${str(w.config.name) ?? w.name}`,
  );

  return {
    environment: env.name,
    cloud: 'azure',
    region,
    network,
    natGateways,
    publicIps: of('azurerm_public_ip').length,
    endpoints,
    clusters,
    pools,
    gateways,
    routes,
    webAcls: of('azurerm_web_application_firewall_policy').map((w) => ({
      id: address(w),
      name: str(w.config.name) ?? w.name,
      rules: arr(w.config.custom_rules).length + arr(obj(w.config.managed_rules).managed_rule_set).length,
      protects: [],
    })),
    loadBalancers,
    storage,
    keys,
    keyVaults: of('azurerm_key_vault').map((v) => `${str(v.config.name) ?? v.name} (${str(v.config.sku_name) ?? '?'})`),
    secrets: of('azurerm_key_vault_secret').length,
    registries,
    monitoring,
    hybrid,
    delivery,
    services,
    warnings,
  };
}
