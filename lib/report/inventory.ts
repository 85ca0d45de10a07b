/**
 * The cloud-neutral inventory of an environment, read from its synthesized output: what the
 * diagram draws and what the estimate counts. Each cloud has its reader (`aws-inventory.ts`,
 * `azure-inventory.ts`); everything downstream reads only this shape, so a resource the
 * constructs add later (another listener, route, endpoint or pool) appears without changes here.
 *
 * `id`s are addresses in the output (`<stack>/<logical id>` on AWS, `<type>.<name>` on Azure).
 */
import type { Cloud, PlatformEnvironment } from '../config';
import { readAwsInventory } from './aws-inventory';
import { readAzureInventory } from './azure-inventory';
import type { SynthesizedOutput } from './output';

/** Subnets of one tier (AWS subnet group, one per zone) or one Azure subnet (regional). */
export interface SubnetGroup {
  readonly name: string;
  /** `public`, `private`, `isolated` (AWS), or the subnet's purpose (Azure). */
  readonly kind: string;
  /** One entry per subnet: its zone (undefined for regional subnets) and CIDR. */
  readonly subnets: ReadonlyArray<{ readonly id: string; readonly zone?: string; readonly cidr: string }>;
}

export interface Network {
  readonly id: string;
  readonly name: string;
  readonly cidrs: readonly string[];
  readonly subnetGroups: readonly SubnetGroup[];
  /** Whether the network has a route to the internet (internet gateway / NAT). */
  readonly internetEgress: boolean;
}

export interface NatGateway {
  readonly id: string;
  /** Subnet group the gateway sits in (AWS) or serves (Azure). */
  readonly subnetGroups: readonly string[];
  readonly zone?: string;
}

export interface Endpoint {
  readonly id: string;
  /** The service reached: `ecr.api`, `s3`, `key vault (vault)`, ... */
  readonly service: string;
  readonly kind: 'interface' | 'gateway' | 'private-endpoint';
  readonly subnetGroups: readonly string[];
  /** Billable network interfaces: one per subnet (zone) of an interface endpoint, one per private endpoint. */
  readonly interfaces: number;
}

export interface Cluster {
  readonly id: string;
  readonly name: string;
  readonly kind: 'eks' | 'aks';
  readonly version?: string;
  /** AKS pricing tier (`Free`, `Standard`, `Premium`); AWS has one tier. */
  readonly tier?: string;
  readonly privateApi: boolean;
  readonly subnetGroups: readonly string[];
  /** On-premises node and pod networks of hybrid nodes (EKS hybrid nodes). */
  readonly remoteNodeCidrs: readonly string[];
  readonly remotePodCidrs: readonly string[];
}

export type PoolRole = 'system' | 'gpu' | 'cpu';

export interface NodePool {
  readonly id: string;
  /** Id of the cluster the pool belongs to, when the output links them. */
  readonly cluster?: string;
  /** The pool name as the cluster labels it (`system`, `infer`). */
  readonly name: string;
  readonly role: PoolRole;
  /** AWS instance type or Azure VM size; undefined when the output does not name one literally. */
  readonly machineType?: string;
  readonly minNodes: number;
  readonly maxNodes: number;
  readonly capacity: 'spot' | 'on-demand';
  readonly zones: readonly string[];
  readonly subnetGroups: readonly string[];
  /** Accelerator label of GPU pools (`nvidia-l4`). */
  readonly accelerator?: string;
}

export interface Route {
  /** Id of the gateway that serves the route. */
  readonly gateway: string;
  readonly method: string;
  readonly path: string;
  /** Load balancer ids the route's integration points at. */
  readonly targets: readonly string[];
}

export interface Gateway {
  readonly id: string;
  readonly name: string;
  readonly kind: 'api-gateway-rest' | 'api-gateway-http' | 'apim';
  /** Human-readable facts: endpoint type, stage, auth, SKU. */
  readonly details: readonly string[];
  /** APIM SKU tier and units (`Developer`, 1). */
  readonly tier?: string;
  readonly units?: number;
  readonly subnetGroups: readonly string[];
  /** Backends the gateway forwards to (APIM backends): name and URL. */
  readonly backends: ReadonlyArray<{ readonly id: string; readonly name: string; readonly url: string }>;
}

export interface WebAcl {
  readonly id: string;
  readonly name: string;
  readonly rules: number;
  /** Ids of what the ACL protects. */
  readonly protects: readonly string[];
}

export interface Listener {
  readonly id: string;
  readonly protocol: string;
  readonly port: string;
  /** Where it forwards: `ip:8080`, a target group, ... */
  readonly forwardsTo: string;
}

export interface LoadBalancer {
  readonly id: string;
  readonly name: string;
  /** `network`, `application`, `gateway` (AWS), `standard` (Azure). */
  readonly type: string;
  readonly internal: boolean;
  readonly subnetGroups: readonly string[];
  readonly listeners: readonly Listener[];
  /** Created by the platform (in the output) or expected at run time (a Kubernetes Service behind an APIM backend). */
  readonly origin: 'output' | 'runtime';
  /** The private address, when known (Azure backends). */
  readonly address?: string;
}

export interface StorageAccount {
  readonly id: string;
  readonly name: string;
  /** Data zones it holds (bucket per zone on AWS, containers on Azure) and other buckets. */
  readonly zones: readonly string[];
  readonly replication?: string;
}

export interface Key {
  readonly id: string;
  readonly name: string;
  /** `kms` (AWS), `hsm-rsa-3072`, `rsa-2048`, ... (Azure Key Vault). */
  readonly kind: string;
}

export interface Registry {
  readonly id: string;
  readonly name: string;
  readonly sku?: string;
  readonly repositories: readonly string[];
}

export interface Monitoring {
  readonly logGroups: number;
  readonly workspaces: readonly string[];
  readonly alarms: number;
  readonly dashboards: number;
  readonly notificationTargets: number;
  readonly budgetsUsd: readonly number[];
  readonly traces: boolean;
}

export type HybridPartKind =
  | 'vpn-gateway'
  | 'transit-gateway-attachment'
  | 'customer-gateway'
  | 'vpn-connection'
  | 'direct-connect-gateway'
  | 'direct-connect-interface'
  | 'expressroute-gateway'
  | 'expressroute-connection'
  | 'resolver-inbound'
  | 'resolver-outbound'
  | 'dns-forwarding'
  | 'arc-onboarding';

export interface HybridPart {
  readonly id: string;
  readonly kind: HybridPartKind;
  readonly label: string;
  /** SKU of a gateway (Azure) or the like. */
  readonly sku?: string;
  /** Billable units: resolver endpoint interfaces, connections, ... */
  readonly units: number;
  readonly subnetGroups: readonly string[];
  /** On-premises facts of the part (device address, ASN, DNS servers). */
  readonly onPremises?: string;
}

export interface DeliveryPart {
  readonly id: string;
  readonly kind: 'source' | 'cross-account-role' | 'event-forward' | 'release-state' | 'federated-identity' | 'gitops';
  readonly label: string;
}

export interface Inventory {
  readonly environment: string;
  readonly cloud: Cloud;
  readonly region: string;
  readonly network?: Network;
  readonly natGateways: readonly NatGateway[];
  readonly publicIps: number;
  readonly endpoints: readonly Endpoint[];
  readonly clusters: readonly Cluster[];
  readonly pools: readonly NodePool[];
  readonly gateways: readonly Gateway[];
  readonly routes: readonly Route[];
  readonly webAcls: readonly WebAcl[];
  readonly loadBalancers: readonly LoadBalancer[];
  readonly storage: readonly StorageAccount[];
  readonly keys: readonly Key[];
  readonly keyVaults: readonly string[];
  readonly secrets: number;
  readonly registries: readonly Registry[];
  readonly monitoring: Monitoring;
  readonly hybrid: readonly HybridPart[];
  readonly delivery: readonly DeliveryPart[];
  /** Other notable services (Azure ML workspace, ...), by label. */
  readonly services: readonly string[];
  /** What could not be read (a pool size that is not a literal, a missing launch template...). */
  readonly warnings: readonly string[];
}

/** The inventory of one environment from its synthesized output. */
export function readInventory(env: PlatformEnvironment, output: SynthesizedOutput): Inventory {
  if (env.target.cloud !== output.cloud) {
    throw new Error(`${env.name}: the environment targets ${env.target.cloud} but the output is ${output.cloud}`);
  }
  return output.cloud === 'aws' ? readAwsInventory(env, output.templates) : readAzureInventory(env, output.terraform);
}
