/**
 * Regions, locations and zones that validation knows without a lookup: synthesis is offline, so
 * these are tables. A region or location missing here is an error (a typo such as `eu-west-9` or
 * `westeuropa` must not pass); add a row, with its source, to use a new one.
 *
 * Compiled on 2026-11-15 from:
 * - AWS zones: https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html
 *   (zone names as a new account sees them; names map to physical zones per account)
 * - AWS instance families per region: https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-regions.html
 * - Azure locations and zones: https://learn.microsoft.com/azure/reliability/regions-list
 * - Azure GPU sizes per location: https://azure.microsoft.com/explore/global-infrastructure/products-by-region/
 *
 * Zones are NAMES (`eu-west-1a`, Azure `'1'`), what the VPC, the node groups and `gpuPools[].zones`
 * use, not zone IDs (`euw1-az1`). AWS maps names to physical zones (IDs) independently per account,
 * and instance types are offered per physical zone, so a zone-level restriction can only be stated
 * for one account: run `aws ec2 describe-instance-type-offerings --location-type availability-zone
 * --filters Name=instance-type,Values=<type>` (what `npm run preflight` does) before choosing a
 * pool's `zones`.
 *
 * Zone-level GPU offerings change with capacity and differ per account (AWS maps zone names to
 * physical zones per account; Azure restricts sizes per subscription). Where the sources above
 * name a zone restriction it is recorded (`gpuZones`); otherwise a family offered in a region is
 * taken to be offered in each of its zones, and `npm run preflight` checks the real offerings
 * with your credentials before the first deploy.
 */

export interface AwsRegion {
  /** Zone names a new account sees, in order. */
  readonly zones: readonly string[];
  /** GPU instance families (`g6`, `p5`) the region offers. */
  readonly gpuFamilies: readonly string[];
  /**
   * Families offered in only some zones of the region: family → zone names.
   * @default - every zone offers every family in `gpuFamilies`
   */
  readonly gpuZones?: Readonly<Record<string, readonly string[]>>;
}

const zones = (region: string, letters: string) => [...letters].map((l) => `${region}${l}`);
const ALL_GPU = ['g4dn', 'g5', 'g6', 'g6e', 'p4d', 'p5'];

export const AWS_REGIONS: Readonly<Record<string, AwsRegion>> = {
  'us-east-1': { zones: zones('us-east-1', 'abcdef'), gpuFamilies: ALL_GPU },
  'us-east-2': { zones: zones('us-east-2', 'abc'), gpuFamilies: ALL_GPU },
  // us-west-1 offers new accounts two of its three zones.
  'us-west-1': { zones: zones('us-west-1', 'ac'), gpuFamilies: ['g4dn', 'g5'] },
  'us-west-2': { zones: zones('us-west-2', 'abcd'), gpuFamilies: ALL_GPU },
  'ca-central-1': { zones: zones('ca-central-1', 'abd'), gpuFamilies: ['g4dn', 'g5', 'g6'] },
  'sa-east-1': { zones: zones('sa-east-1', 'abc'), gpuFamilies: ['g4dn', 'g5'] },
  'eu-west-1': { zones: zones('eu-west-1', 'abc'), gpuFamilies: ALL_GPU },
  'eu-west-2': { zones: zones('eu-west-2', 'abc'), gpuFamilies: ['g4dn', 'g5', 'g6', 'p5'] },
  'eu-west-3': { zones: zones('eu-west-3', 'abc'), gpuFamilies: ['g4dn'] },
  'eu-central-1': { zones: zones('eu-central-1', 'abc'), gpuFamilies: ALL_GPU },
  'eu-central-2': { zones: zones('eu-central-2', 'abc'), gpuFamilies: ['g4dn', 'g5'] },
  'eu-north-1': { zones: zones('eu-north-1', 'abc'), gpuFamilies: ['g4dn', 'g5', 'g6', 'p5'] },
  'eu-south-1': { zones: zones('eu-south-1', 'abc'), gpuFamilies: ['g4dn'] },
  // ap-northeast-1 has no zone `b` for new accounts.
  'ap-northeast-1': { zones: zones('ap-northeast-1', 'acd'), gpuFamilies: ALL_GPU },
  'ap-northeast-2': { zones: zones('ap-northeast-2', 'abcd'), gpuFamilies: ['g4dn', 'g5', 'g6', 'p5'] },
  'ap-southeast-1': { zones: zones('ap-southeast-1', 'abc'), gpuFamilies: ['g4dn', 'g5', 'g6', 'p5'] },
  'ap-southeast-2': { zones: zones('ap-southeast-2', 'abc'), gpuFamilies: ['g4dn', 'g5', 'g6', 'p5'] },
  'ap-south-1': { zones: zones('ap-south-1', 'abc'), gpuFamilies: ['g4dn', 'g5', 'g6'] },
};

export interface AzureLocation {
  /** Availability zones (`'1'`, `'2'`, `'3'`), or none where the location has no zones. */
  readonly zones: readonly string[];
  /** GPU VM sizes (the catalog's sizes) the location offers. */
  readonly gpuSizes: readonly string[];
  /**
   * Sizes offered in only some zones: size → zones.
   * @default - every zone offers every size in `gpuSizes`
   */
  readonly gpuZones?: Readonly<Record<string, readonly string[]>>;
}

const Z3 = ['1', '2', '3'];
const T4 = ['Standard_NC4as_T4_v3', 'Standard_NC64as_T4_v3'];
const A10 = ['Standard_NV36ads_A10_v5', 'Standard_NV72ads_A10_v5'];
const A100 = ['Standard_NC24ads_A100_v4', 'Standard_NC48ads_A100_v4', 'Standard_NC96ads_A100_v4'];
const A100_ND = ['Standard_ND96amsr_A100_v4'];
const H100_NC = ['Standard_NC40ads_H100_v5', 'Standard_NC80adis_H100_v5'];
const H100_ND = ['Standard_ND96isr_H100_v5'];

export const AZURE_LOCATIONS: Readonly<Record<string, AzureLocation>> = {
  eastus: { zones: Z3, gpuSizes: [...T4, ...A10, ...A100, ...A100_ND, ...H100_ND] },
  eastus2: { zones: Z3, gpuSizes: [...T4, ...A10, ...A100, ...A100_ND, ...H100_NC] },
  southcentralus: { zones: Z3, gpuSizes: [...T4, ...A10, ...A100, ...A100_ND, ...H100_NC, ...H100_ND] },
  westus2: { zones: Z3, gpuSizes: [...T4, ...A10, ...A100_ND] },
  westus3: { zones: Z3, gpuSizes: [...T4, ...A10, ...A100, ...H100_ND] },
  centralus: { zones: Z3, gpuSizes: [...T4, ...A10] },
  canadacentral: { zones: Z3, gpuSizes: [...T4, ...A10, ...A100] },
  westeurope: { zones: Z3, gpuSizes: [...T4, ...A10, ...A100, ...A100_ND, ...H100_NC, ...H100_ND] },
  northeurope: { zones: Z3, gpuSizes: [...T4, ...A10, ...A100] },
  uksouth: { zones: Z3, gpuSizes: [...T4, ...A10, ...A100, ...H100_ND] },
  swedencentral: { zones: Z3, gpuSizes: [...T4, ...A10, ...A100, ...H100_NC, ...H100_ND] },
  francecentral: { zones: Z3, gpuSizes: [...T4, ...A10, ...A100] },
  germanywestcentral: { zones: Z3, gpuSizes: [...T4, ...A10] },
  switzerlandnorth: { zones: Z3, gpuSizes: [...T4, ...A10, ...A100] },
  norwayeast: { zones: Z3, gpuSizes: [...T4] },
  japaneast: { zones: Z3, gpuSizes: [...T4, ...A10, ...A100, ...H100_ND] },
  southeastasia: { zones: Z3, gpuSizes: [...T4, ...A10, ...A100] },
  australiaeast: { zones: Z3, gpuSizes: [...T4, ...A10, ...A100, ...H100_ND] },
  centralindia: { zones: Z3, gpuSizes: [...T4, ...A10, ...A100] },
  // No availability zones: zone-redundant settings cannot be used here.
  westus: { zones: [], gpuSizes: [...T4] },
  northcentralus: { zones: [], gpuSizes: [...T4, ...A10] },
};

export function awsRegion(region: string): AwsRegion | undefined {
  return Object.hasOwn(AWS_REGIONS, region) ? AWS_REGIONS[region] : undefined;
}

export function azureLocation(location: string): AzureLocation | undefined {
  return Object.hasOwn(AZURE_LOCATIONS, location) ? AZURE_LOCATIONS[location] : undefined;
}

/** The instance family of an instance type: `g6.xlarge` → `g6`. */
export function instanceFamily(instanceType: string): string {
  return instanceType.split('.')[0] ?? instanceType;
}

/**
 * The availability zone names of an AWS environment over `count` zones: the first `count` zones
 * of the region in the table, else `<region>a`, `<region>b`, ... (validation rejects regions
 * missing from the table, so that fallback only serves tests of other fields).
 */
export function awsZoneNames(region: string, count: number): string[] {
  const known = awsRegion(region)?.zones;
  if (known && known.length >= count) return known.slice(0, count);
  return Array.from({ length: count }, (_, i) => `${region}${String.fromCharCode(97 + i)}`);
}

/** The Azure zones of an environment over `count` zones: `'1'` to `'<count>'`, none where the location has none. */
export function azureZoneNames(location: string, count: number): string[] {
  const known = azureLocation(location)?.zones ?? Z3;
  return known.slice(0, count);
}

/** Zones of `zoneNames` where an AWS region offers an instance type, by the table. */
export function awsZonesOffering(region: string, instanceType: string, zoneNames: readonly string[]): string[] {
  const facts = awsRegion(region);
  if (!facts) return [...zoneNames];
  const family = instanceFamily(instanceType);
  if (!facts.gpuFamilies.includes(family) && /^[gp]\d/.test(family)) return [];
  const restricted = facts.gpuZones?.[family];
  return zoneNames.filter((zone) => !restricted || restricted.includes(zone));
}

/**
 * The zone names an AWS GPU pool's nodes go to, in every consumer (the node group's subnets, the
 * preflight's offering check): its `zones`, else every zone of the environment that offers its
 * instance type by the table. Validation rejects a pool that no zone offers.
 */
export function awsPoolZones(
  target: { readonly region: string },
  availabilityZones: number,
  pool: { readonly zones?: readonly string[] },
  instanceType: string,
): string[] {
  if (pool.zones && pool.zones.length > 0) return [...pool.zones];
  return awsZonesOffering(target.region, instanceType, awsZoneNames(target.region, availabilityZones));
}

/** Zones of `zoneNames` where an Azure location offers a GPU VM size, by the table. */
export function azureZonesOffering(location: string, vmSize: string, zoneNames: readonly string[]): string[] {
  const facts = azureLocation(location);
  if (!facts) return [...zoneNames];
  if (/^Standard_N/.test(vmSize) && !facts.gpuSizes.includes(vmSize)) return [];
  const restricted = facts.gpuZones?.[vmSize];
  return zoneNames.filter((zone) => !restricted || restricted.includes(zone));
}
