/**
 * Reads the inventory of an AWS environment from the CloudFormation templates of its stage. Every
 * resource is found by its type, never by a construct path or logical id, so resources that the
 * constructs add later (listeners, API methods, endpoints, node groups, stacks) are picked up.
 */
import {
  ACCELERATOR_LABEL,
  DATA_ZONES,
  machineSpec,
  type PlatformEnvironment,
  POOL_LABEL,
  SYSTEM_POOL,
} from '../config';
import type {
  Cluster,
  DeliveryPart,
  Endpoint,
  Gateway,
  HybridPart,
  Inventory,
  Key,
  Listener,
  LoadBalancer,
  NatGateway,
  Network,
  NodePool,
  PoolRole,
  Registry,
  Route,
  StorageAccount,
  SubnetGroup,
  WebAcl,
} from './inventory';
import { arr, type CfnResource, type CfnTemplate, cfnRef, cfnText, num, obj, str } from './output';

interface Located {
  readonly stack: string;
  readonly logicalId: string;
  readonly resource: CfnResource;
}

/** A resource's properties. */
const props = (r: Located): Readonly<Record<string, unknown>> => r.resource.Properties ?? {};
const address = (r: Located): string => `${r.stack}/${r.logicalId}`;
/** A logical id without the hash CDK appends: `ApiLoadBalancer9F78B8A1` → `ApiLoadBalancer`. */
const readable = (r: Located): string => r.logicalId.replace(/(?<=.)[0-9A-F]{8}$/, '');

function tagValue(r: Located, key: string): string | undefined {
  const tags = props(r).Tags;
  if (Array.isArray(tags)) {
    const found = tags.find((t) => obj(t).Key === key);
    return found === undefined ? undefined : str(obj(found).Value);
  }
  return str(obj(tags)[key]);
}

/** Account id of an ARN or `arn:aws:iam::<account>:root` principal. */
function accountOf(arn: string | undefined): string | undefined {
  return arn ? /^arn:aws[a-z-]*:[^:]*:[^:]*:(\d{12}):/.exec(arn)?.[1] : undefined;
}

/**
 * Every resource of the stage's templates. References resolve within a stack (`Ref`,
 * `Fn::GetAtt`) and across stacks (`Fn::ImportValue` of another template's export), so resources
 * that a later stack adds to an API or load balancer of the platform stack are linked to it.
 */
class Templates {
  private readonly all: Located[] = [];
  private readonly exports = new Map<string, { readonly stack: string; readonly value: unknown }>();

  constructor(templates: Readonly<Record<string, CfnTemplate>>) {
    for (const [stack, template] of Object.entries(templates)) {
      for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
        this.all.push({ stack, logicalId, resource });
      }
      for (const output of Object.values(template.Outputs ?? {})) {
        const name = str(obj(output.Export).Name);
        if (name) this.exports.set(name, { stack, value: output.Value });
      }
    }
  }

  of(...types: string[]): Located[] {
    return this.all.filter((r) => types.includes(r.resource.Type));
  }

  /** The resource a reference points at: in the same stack, or another stack's export. */
  resolve(from: Located, value: unknown): Located | undefined {
    return this.resolveIn(from.stack, value, 0);
  }

  /** Every resource referenced anywhere inside a value, in order. */
  refsIn(from: Located, value: unknown): Located[] {
    const found: Located[] = [];
    const walk = (v: unknown): void => {
      const target = this.resolve(from, v);
      if (target) found.push(target);
      else if (Array.isArray(v)) for (const item of v) walk(item);
      else if (v !== null && typeof v === 'object') for (const item of Object.values(v)) walk(item);
    };
    walk(value);
    return found;
  }

  private resolveIn(stack: string, value: unknown, depth: number): Located | undefined {
    const imported = str(obj(value)['Fn::ImportValue']);
    if (imported !== undefined) {
      const exported = this.exports.get(imported);
      return exported && depth < 4 ? this.resolveIn(exported.stack, exported.value, depth + 1) : undefined;
    }
    const id = cfnRef(value);
    return id === undefined ? undefined : this.all.find((r) => r.stack === stack && r.logicalId === id);
  }
}

export function readAwsInventory(
  env: PlatformEnvironment,
  templates: Readonly<Record<string, CfnTemplate>>,
): Inventory {
  const t = new Templates(templates);
  const warnings: string[] = [];
  const region = env.target.cloud === 'aws' ? env.target.region : '';
  const account = env.target.cloud === 'aws' ? env.target.account : '';

  // ---- network ------------------------------------------------------------------------------
  const subnetInfo = new Map<string, { group: string; kind: string; zone?: string; cidr: string }>();
  for (const s of t.of('AWS::EC2::Subnet')) {
    const p = props(s);
    subnetInfo.set(address(s), {
      group: tagValue(s, 'aws-cdk:subnet-name') ?? s.logicalId,
      kind: (tagValue(s, 'aws-cdk:subnet-type') ?? 'subnet').toLowerCase(),
      zone: str(p.AvailabilityZone),
      cidr: str(p.CidrBlock) ?? '(computed)',
    });
  }
  const groupsOf = (from: Located, refs: unknown): string[] => {
    const groups = arr(refs)
      .map((v) => t.resolve(from, v))
      .map((s) => (s ? subnetInfo.get(address(s))?.group : undefined))
      .filter((g): g is string => g !== undefined);
    return [...new Set(groups)];
  };
  const zonesOf = (from: Located, refs: unknown): string[] => {
    const zones = arr(refs)
      .map((v) => t.resolve(from, v))
      .map((s) => (s ? subnetInfo.get(address(s))?.zone : undefined))
      .filter((z): z is string => z !== undefined);
    return [...new Set(zones)].sort();
  };

  const vpc = t.of('AWS::EC2::VPC')[0];
  const subnetGroups: SubnetGroup[] = [];
  for (const [id, info] of subnetInfo) {
    let group = subnetGroups.find((g) => g.name === info.group);
    if (!group) {
      group = { name: info.group, kind: info.kind, subnets: [] };
      subnetGroups.push(group);
    }
    (group.subnets as Array<SubnetGroup['subnets'][number]>).push({ id, zone: info.zone, cidr: info.cidr });
  }
  for (const group of subnetGroups) {
    (group.subnets as Array<SubnetGroup['subnets'][number]>).sort((a, b) => (a.zone ?? '').localeCompare(b.zone ?? ''));
  }
  const network: Network | undefined = vpc
    ? {
        id: address(vpc),
        name: tagValue(vpc, 'Name') ?? vpc.logicalId,
        cidrs: [str(props(vpc).CidrBlock) ?? '(computed)'],
        subnetGroups,
        internetEgress: t.of('AWS::EC2::InternetGateway').length > 0,
      }
    : undefined;

  const natGateways: NatGateway[] = t.of('AWS::EC2::NatGateway').map((n) => ({
    id: address(n),
    subnetGroups: groupsOf(n, [props(n).SubnetId]),
    zone: zonesOf(n, [props(n).SubnetId])[0],
  }));

  const endpoints: Endpoint[] = t.of('AWS::EC2::VPCEndpoint').map((e) => {
    const p = props(e);
    const kind = str(p.VpcEndpointType) === 'Interface' ? 'interface' : 'gateway';
    const service = (cfnText(p.ServiceName) ?? e.logicalId).replace(/^com\.amazonaws\.(…|[a-z0-9-]+)\./, '');
    const subnets = arr(p.SubnetIds);
    return {
      id: address(e),
      service,
      kind,
      subnetGroups: kind === 'interface' ? groupsOf(e, subnets) : [],
      // Interface endpoints bill per network interface, one per subnet (zone).
      interfaces: kind === 'interface' ? Math.max(1, subnets.length) : 0,
    };
  });

  // ---- cluster and pools --------------------------------------------------------------------
  const clusters: Cluster[] = t.of('AWS::EKS::Cluster').map((c) => {
    const p = props(c);
    const vpcConfig = obj(p.ResourcesVpcConfig);
    const remote = obj(p.RemoteNetworkConfig);
    const cidrsOf = (networks: unknown) => arr(networks).flatMap((n) => arr(obj(n).Cidrs).map(String));
    return {
      id: address(c),
      name: str(p.Name) ?? c.logicalId,
      kind: 'eks',
      version: str(p.Version),
      privateApi: vpcConfig.EndpointPublicAccess === false,
      subnetGroups: groupsOf(c, vpcConfig.SubnetIds),
      remoteNodeCidrs: cidrsOf(remote.RemoteNodeNetworks),
      remotePodCidrs: cidrsOf(remote.RemotePodNetworks),
    };
  });

  const pools: NodePool[] = t.of('AWS::EKS::Nodegroup').map((g) => {
    const p = props(g);
    const labels = obj(p.Labels);
    const name = str(labels[POOL_LABEL]) ?? str(p.NodegroupName) ?? g.logicalId;
    const launchTemplate = t.resolve(g, obj(p.LaunchTemplate).Id);
    const machineType =
      str(arr(p.InstanceTypes)[0]) ??
      (launchTemplate ? str(obj(props(launchTemplate).LaunchTemplateData).InstanceType) : undefined);
    const scaling = obj(p.ScalingConfig);
    const min = num(scaling.MinSize);
    const max = num(scaling.MaxSize);
    if (min === undefined || max === undefined) {
      warnings.push(`node group ${address(g)}: its scaling sizes are not literals; counted as 0-0 nodes`);
    }
    if (!machineType) warnings.push(`node group ${address(g)}: no literal instance type`);
    const accelerator = str(labels[ACCELERATOR_LABEL]);
    const gpus = machineType ? (machineSpec(machineType)?.gpus ?? 0) : 0;
    const role: PoolRole =
      accelerator || gpus > 0 || String(p.AmiType ?? '').includes('NVIDIA')
        ? 'gpu'
        : name === SYSTEM_POOL
          ? 'system'
          : 'cpu';
    const cluster = t.resolve(g, p.ClusterName);
    return {
      id: address(g),
      cluster: cluster ? address(cluster) : undefined,
      name,
      role,
      machineType,
      minNodes: min ?? 0,
      maxNodes: max ?? min ?? 0,
      capacity: str(p.CapacityType) === 'SPOT' ? 'spot' : 'on-demand',
      zones: zonesOf(g, p.Subnets),
      subnetGroups: groupsOf(g, p.Subnets),
      accelerator,
    };
  });

  // ---- load balancers -----------------------------------------------------------------------
  const targetGroups = new Map(t.of('AWS::ElasticLoadBalancingV2::TargetGroup').map((tg) => [address(tg), tg]));
  const listenersByLb = new Map<string, Listener[]>();
  for (const l of t.of('AWS::ElasticLoadBalancingV2::Listener')) {
    const p = props(l);
    const lb = t.resolve(l, p.LoadBalancerArn);
    if (!lb) continue;
    const forwards = arr(p.DefaultActions).flatMap((action) => {
      const a = obj(action);
      const groups = [a.TargetGroupArn, ...arr(obj(a.ForwardConfig).TargetGroups).map((g) => obj(g).TargetGroupArn)];
      return groups
        .map((g) => t.resolve(l, g))
        .filter((g): g is Located => g !== undefined && targetGroups.has(address(g)))
        .map((g) => {
          const gp = props(g);
          const type = (str(gp.TargetType) ?? 'instance').toLowerCase();
          return `${type}:${num(gp.Port) ?? '?'}`;
        });
    });
    const list = listenersByLb.get(address(lb)) ?? [];
    list.push({
      id: address(l),
      protocol: str(p.Protocol) ?? '?',
      port: String(num(p.Port) ?? '?'),
      forwardsTo: [...new Set(forwards)].join(', ') || 'actions',
    });
    listenersByLb.set(address(lb), list);
  }
  const loadBalancers: LoadBalancer[] = t.of('AWS::ElasticLoadBalancingV2::LoadBalancer').map((lb) => {
    const p = props(lb);
    return {
      id: address(lb),
      name: str(p.Name) ?? readable(lb),
      type: str(p.Type) ?? 'application',
      internal: str(p.Scheme) === 'internal',
      subnetGroups: groupsOf(lb, p.Subnets),
      listeners: (listenersByLb.get(address(lb)) ?? []).sort((a, b) => Number(a.port) - Number(b.port)),
      origin: 'output',
    };
  });

  // ---- gateways and routes ------------------------------------------------------------------
  const gateways: Gateway[] = [];
  const routes: Route[] = [];
  const lbIds = new Set(loadBalancers.map((lb) => lb.id));
  for (const api of t.of('AWS::ApiGateway::RestApi')) {
    const p = props(api);
    const stages = t.of('AWS::ApiGateway::Stage').filter((s) => t.resolve(s, props(s).RestApiId) === api);
    const methods = t.of('AWS::ApiGateway::Method').filter((m) => t.resolve(m, props(m).RestApiId) === api);
    const auth = new Set(methods.map((m) => str(props(m).AuthorizationType) ?? 'NONE'));
    const apiKeys = methods.some((m) => props(m).ApiKeyRequired === true);
    const details = [
      `REST, ${(arr(obj(p.EndpointConfiguration).Types)[0] as string | undefined)?.toLowerCase() ?? 'edge'}`,
      ...stages.map((s) => `stage ${str(props(s).StageName) ?? s.logicalId}`),
      [...auth]
        .map((a) => (a === 'AWS_IAM' ? 'IAM (SigV4)' : a === 'NONE' ? '' : a))
        .filter(Boolean)
        .join(', '),
      apiKeys ? 'API keys + usage plan' : '',
    ].filter((d) => d !== '');
    gateways.push({
      id: address(api),
      name: str(p.Name) ?? readable(api),
      kind: 'api-gateway-rest',
      details,
      subnetGroups: [],
      backends: [],
    });
    const pathOf = (resourceValue: unknown, from: Located): string => {
      const parts: string[] = [];
      let current = t.resolve(from, resourceValue);
      for (let depth = 0; current && current.resource.Type === 'AWS::ApiGateway::Resource' && depth < 32; depth++) {
        parts.unshift(str(props(current).PathPart) ?? '?');
        current = t.resolve(current, props(current).ParentId);
      }
      return `/${parts.join('/')}`;
    };
    for (const m of methods) {
      const mp = props(m);
      const integration = obj(mp.Integration);
      const targets = t
        .refsIn(m, integration.Uri)
        .map(address)
        .filter((id) => lbIds.has(id));
      routes.push({
        gateway: address(api),
        method: str(mp.HttpMethod) ?? 'ANY',
        path: pathOf(mp.ResourceId, m),
        targets: [...new Set(targets)],
      });
    }
  }
  for (const api of t.of('AWS::ApiGatewayV2::Api')) {
    const p = props(api);
    gateways.push({
      id: address(api),
      name: str(p.Name) ?? readable(api),
      kind: 'api-gateway-http',
      details: [`${str(p.ProtocolType) ?? 'HTTP'} API`],
      subnetGroups: [],
      backends: [],
    });
    for (const r of t.of('AWS::ApiGatewayV2::Route').filter((x) => t.resolve(x, props(x).ApiId) === api)) {
      const [method = 'ANY', path = str(props(r).RouteKey) ?? '?'] = (str(props(r).RouteKey) ?? '').split(' ');
      routes.push({ gateway: address(api), method, path, targets: [] });
    }
  }
  const webAcls: WebAcl[] = t.of('AWS::WAFv2::WebACL').map((acl) => {
    const p = props(acl);
    // An association names a stage (or a load balancer); a stage stands for its API.
    const protects = t
      .of('AWS::WAFv2::WebACLAssociation')
      .filter((a) => t.resolve(a, props(a).WebACLArn) === acl)
      .flatMap((a) => t.refsIn(a, props(a).ResourceArn))
      .map((r) => {
        const api = r.resource.Type === 'AWS::ApiGateway::Stage' ? t.resolve(r, props(r).RestApiId) : undefined;
        return address(api ?? r);
      });
    return {
      id: address(acl),
      name: str(p.Name) ?? acl.logicalId,
      rules: arr(p.Rules).length,
      protects: [...new Set(protects)],
    };
  });

  // ---- data, keys, registry -----------------------------------------------------------------
  const buckets = t.of('AWS::S3::Bucket').map((b) => {
    const name = str(props(b).BucketName) ?? b.logicalId;
    const zone = DATA_ZONES.find((z) => name.includes(`-${z}-`) || name.endsWith(`-${z}`));
    const other = /access-?logs/i.test(name) ? 'access-logs' : name;
    return zone ?? other;
  });
  const storage: StorageAccount[] =
    buckets.length > 0 ? [{ id: 's3', name: 'S3', zones: buckets, replication: 'regional' }] : [];

  const aliases = new Map<string, string>();
  for (const a of t.of('AWS::KMS::Alias')) {
    const key = t.resolve(a, props(a).TargetKeyId);
    const name = str(props(a).AliasName);
    if (key && name)
      aliases.set(
        address(key),
        name
          .replace(/^alias\//, '')
          .split('/')
          .pop() ?? name,
      );
  }
  const keys: Key[] = t.of('AWS::KMS::Key').map((k) => ({
    id: address(k),
    name: aliases.get(address(k)) ?? k.logicalId,
    kind: 'kms',
  }));

  const repositories = t.of('AWS::ECR::Repository').map((r) => str(props(r).RepositoryName) ?? r.logicalId);
  const caches = t
    .of('AWS::ECR::PullThroughCacheRule')
    .map((r) => `cache ${str(props(r).EcrRepositoryPrefix) ?? '?'} ← ${str(props(r).UpstreamRegistryUrl) ?? '?'}`);
  const registries: Registry[] =
    repositories.length + caches.length > 0
      ? [{ id: 'ecr', name: 'ECR', repositories: [...repositories, ...caches] }]
      : [];

  // ---- monitoring ---------------------------------------------------------------------------
  const monitoring = {
    logGroups: t.of('AWS::Logs::LogGroup').length,
    workspaces: [],
    alarms: t.of('AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm').length,
    dashboards: t.of('AWS::CloudWatch::Dashboard').length,
    notificationTargets: t.of('AWS::SNS::Topic').length,
    budgetsUsd: t
      .of('AWS::Budgets::Budget')
      .map((b) => num(obj(obj(props(b).Budget).BudgetLimit).Amount))
      .filter((n): n is number => n !== undefined),
    traces: t.of('AWS::ApiGateway::Stage').some((s) => props(s).TracingEnabled === true),
  };

  // ---- hybrid link --------------------------------------------------------------------------
  const hybrid: HybridPart[] = [];
  for (const g of t.of('AWS::EC2::VPNGateway')) {
    const asn = num(props(g).AmazonSideAsn);
    hybrid.push(part(g, 'vpn-gateway', `virtual private gateway${asn ? ` · ASN ${asn}` : ''}`));
  }
  for (const a of t.of('AWS::EC2::TransitGatewayAttachment', 'AWS::EC2::TransitGatewayVpcAttachment')) {
    const tgw = str(props(a).TransitGatewayId) ?? 'transit gateway';
    hybrid.push({ ...part(a, 'transit-gateway-attachment', `transit gateway ${tgw} attachment`), units: 1 });
  }
  for (const c of t.of('AWS::EC2::CustomerGateway')) {
    const p = props(c);
    hybrid.push({
      ...part(c, 'customer-gateway', 'VPN device'),
      onPremises: [str(p.IpAddress), num(p.BgpAsn) ? `BGP ASN ${num(p.BgpAsn)}` : 'static routes']
        .filter(Boolean)
        .join(' · '),
    });
  }
  for (const v of t.of('AWS::EC2::VPNConnection')) {
    const p = props(v);
    const tunnels = arr(p.VpnTunnelOptionsSpecifications).length || 2;
    const routing = p.StaticRoutesOnly === true ? 'static routes' : 'BGP';
    hybrid.push({
      ...part(v, 'vpn-connection', `site-to-site VPN · ${tunnels} tunnels · IPsec · ${routing}`),
      units: 1,
    });
  }
  for (const g of t.of('AWS::DirectConnect::DirectConnectGateway')) {
    hybrid.push(part(g, 'direct-connect-gateway', 'Direct Connect gateway'));
  }
  for (const vif of t.of(
    'AWS::DirectConnect::PrivateVirtualInterface',
    'AWS::DirectConnect::TransitVirtualInterface',
  )) {
    const p = props(vif);
    hybrid.push({
      ...part(vif, 'direct-connect-interface', `Direct Connect virtual interface · VLAN ${num(p.Vlan) ?? '?'}`),
      onPremises: `connection ${str(p.ConnectionId) ?? '?'}`,
    });
  }
  for (const r of t.of('AWS::Route53Resolver::ResolverEndpoint')) {
    const p = props(r);
    const ips = arr(p.IpAddresses);
    const inbound = str(p.Direction) === 'INBOUND';
    const fixed = ips.map((ip) => str(obj(ip).Ip)).filter(Boolean);
    hybrid.push({
      id: address(r),
      kind: inbound ? 'resolver-inbound' : 'resolver-outbound',
      label: `Route 53 Resolver ${inbound ? 'inbound' : 'outbound'} · ${ips.length} IPs${fixed.length ? ` (${fixed.join(', ')})` : ''}`,
      units: ips.length,
      subnetGroups: groupsOf(
        r,
        ips.map((ip) => obj(ip).SubnetId),
      ),
    });
  }
  const forwarded = t.of('AWS::Route53Resolver::ResolverRule').filter((r) => str(props(r).RuleType) === 'FORWARD');
  if (forwarded.length > 0) {
    const domains = forwarded.map((r) => str(props(r).DomainName)).filter(Boolean);
    const targets = forwarded.flatMap((r) => arr(props(r).TargetIps).map((ip) => str(obj(ip).Ip))).filter(Boolean);
    hybrid.push({
      id: address(forwarded[0] as Located),
      kind: 'dns-forwarding',
      label: `forward ${domains.join(', ')}`,
      units: 0,
      subnetGroups: [],
      onPremises: `DNS ${[...new Set(targets)].join(', ')}`,
    });
  }

  // ---- delivery -----------------------------------------------------------------------------
  const delivery: DeliveryPart[] = [];
  for (const role of t.of('AWS::IAM::Role')) {
    const statements = arr(obj(props(role).AssumeRolePolicyDocument).Statement);
    const accounts = statements
      .flatMap((s) => {
        const aws = obj(obj(s).Principal).AWS;
        return Array.isArray(aws) ? aws : [aws];
      })
      .map((p) => accountOf(str(p)))
      .filter((a): a is string => a !== undefined && a !== account);
    if (accounts.length > 0) {
      const name = str(props(role).RoleName) ?? role.logicalId;
      delivery.push({
        id: address(role),
        kind: 'cross-account-role',
        label: `role ${name} assumed from account ${[...new Set(accounts)].join(', ')}`,
      });
    }
  }
  for (const rule of t.of('AWS::Events::Rule')) {
    // An event bus of another account as a rule target: events leave the environment's account.
    const targets = [
      ...new Set(
        arr(props(rule).Targets)
          .map((target) => accountOf(str(obj(target).Arn)))
          .filter((a): a is string => a !== undefined && a !== account),
      ),
    ];
    if (targets.length > 0) {
      const pattern = obj(props(rule).EventPattern);
      const what = [arr(pattern.source)[0], arr(pattern['detail-type'])[0]].filter(Boolean).join(' ');
      delivery.push({
        id: address(rule),
        kind: 'event-forward',
        label: `forwards ${what || 'events'} to account ${targets.join(', ')}`,
      });
    }
  }
  const releaseParameters = [
    ...t
      .of('AWS::SSM::Parameter')
      .map((p) => str(props(p).Name))
      .filter((n): n is string => n !== undefined),
    ...Object.values(templates).flatMap((template) =>
      Object.values(template.Parameters ?? {})
        .filter((p) => p.Type.startsWith('AWS::SSM::Parameter::Value'))
        .map((p) => str(p.Default))
        .filter((n): n is string => n !== undefined && !n.startsWith('/cdk-bootstrap/')),
    ),
  ];
  const uniqueParameters = [...new Set(releaseParameters)].sort();
  if (uniqueParameters.length > 0) {
    delivery.push({
      id: 'ssm',
      kind: 'release-state',
      label: `release state: ${summarise(uniqueParameters, 4)} (SSM)`,
    });
  }

  return {
    environment: env.name,
    cloud: 'aws',
    region,
    network,
    natGateways,
    publicIps: t.of('AWS::EC2::EIP').length,
    endpoints,
    clusters,
    pools,
    gateways,
    routes,
    webAcls,
    loadBalancers,
    storage,
    keys,
    keyVaults: [],
    secrets: t.of('AWS::SecretsManager::Secret').length,
    registries,
    monitoring,
    hybrid,
    delivery,
    services: [],
    warnings,
  };

  function part(r: Located, kind: HybridPart['kind'], label: string): HybridPart {
    return { id: address(r), kind, label, units: 0, subnetGroups: [] };
  }
}

/** `a, b, c and 4 more`. */
export function summarise(items: readonly string[], max: number): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
