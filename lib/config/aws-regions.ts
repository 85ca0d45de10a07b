/**
 * Small static facts about AWS regions that validation needs without a lookup: how many
 * availability zones a region has, and which GPU instance families it offers. Synthesis is
 * offline, so these are tables, kept to the regions of the shipped environments and the common
 * ones. A region missing here is not checked (validation says so as a warning-free pass).
 *
 * Availability zones: https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html
 * Instance types by region: https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-regions.html
 */
export interface AwsRegionFacts {
  /** Availability zones open to all accounts. */
  readonly availabilityZones: number;
  /** GPU instance families (the part before the dot: `g6`, `p5`) offered in the region. */
  readonly gpuFamilies: readonly string[];
}

export const AWS_REGION_FACTS: Readonly<Record<string, AwsRegionFacts>> = {
  'us-east-1': { availabilityZones: 6, gpuFamilies: ['g4dn', 'g5', 'g6', 'g6e', 'p4d', 'p5'] },
  'us-east-2': { availabilityZones: 3, gpuFamilies: ['g4dn', 'g5', 'g6', 'g6e', 'p4d', 'p5'] },
  // us-west-1 offers new accounts two zones.
  'us-west-1': { availabilityZones: 2, gpuFamilies: ['g4dn', 'g5'] },
  'us-west-2': { availabilityZones: 4, gpuFamilies: ['g4dn', 'g5', 'g6', 'g6e', 'p4d', 'p5'] },
  'eu-west-1': { availabilityZones: 3, gpuFamilies: ['g4dn', 'g5', 'g6', 'g6e', 'p4d', 'p5'] },
  'eu-west-2': { availabilityZones: 3, gpuFamilies: ['g4dn', 'g5', 'g6', 'p5'] },
  'eu-west-3': { availabilityZones: 3, gpuFamilies: ['g4dn'] },
  'eu-central-1': { availabilityZones: 3, gpuFamilies: ['g4dn', 'g5', 'g6', 'g6e', 'p4d', 'p5'] },
  'eu-north-1': { availabilityZones: 3, gpuFamilies: ['g4dn', 'g5', 'g6', 'p5'] },
  'ap-northeast-1': { availabilityZones: 3, gpuFamilies: ['g4dn', 'g5', 'g6', 'g6e', 'p4d', 'p5'] },
  'ap-southeast-1': { availabilityZones: 3, gpuFamilies: ['g4dn', 'g5', 'g6', 'p5'] },
  'ap-southeast-2': { availabilityZones: 3, gpuFamilies: ['g4dn', 'g5', 'g6', 'p5'] },
  'ca-central-1': { availabilityZones: 3, gpuFamilies: ['g4dn', 'g5', 'g6'] },
  'sa-east-1': { availabilityZones: 3, gpuFamilies: ['g4dn', 'g5'] },
};

/** The instance family of an instance type: `g6.xlarge` → `g6`. */
export function instanceFamily(instanceType: string): string {
  return instanceType.split('.')[0] ?? instanceType;
}

/** The availability zone names a VPC over `count` zones uses: `eu-west-1a`, `eu-west-1b`, ... */
export function awsZoneNames(region: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${region}${String.fromCharCode(97 + i)}`);
}
