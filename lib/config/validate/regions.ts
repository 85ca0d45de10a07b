/**
 * Region, location and zone facts from lib/config/regions.ts: the region exists, it has the zones
 * asked for, it offers each GPU pool's machine type, and a pool's own zones are zones of the
 * environment that offer its type.
 */
import { catalogMachineType, isAccelerator } from '../gpu-catalog';
import {
  AWS_REGIONS,
  AZURE_LOCATIONS,
  awsRegion,
  awsZoneNames,
  awsZonesOffering,
  azureLocation,
  azureZoneNames,
  azureZonesOffering,
  instanceFamily,
} from '../regions';
import type { GpuPoolConfig, PlatformEnvironment } from '../types';
import { type Checker, isInt } from './checker';
import { closest } from './shape';

const SOURCE = 'lib/config/regions.ts (compiled 2026-11-15; run npm run preflight to check your account)';

export function checkRegion(c: Checker, env: PlatformEnvironment): void {
  const target = env.target;
  const zoneCount = env.network.availabilityZones;
  if (target.cloud === 'aws') {
    const region = awsRegion(target.region);
    if (!region) {
      const guess = closest(target.region, Object.keys(AWS_REGIONS));
      c.error(
        'target.region',
        target.region,
        'is not an AWS region in the regions table',
        guess
          ? `did you mean '${guess}'? (${SOURCE})`
          : `use a region listed in ${SOURCE}, or add it there with its source`,
      );
      return;
    }
    if (isInt(zoneCount) && zoneCount > region.zones.length) {
      c.error(
        'network.availabilityZones',
        zoneCount,
        `is more than the ${region.zones.length} availability zones ${target.region} offers new accounts`,
        `use at most ${region.zones.length}`,
      );
      return;
    }
    const envZones = awsZoneNames(target.region, zoneCount);
    env.kubernetes.gpuPools.forEach((pool, i) => {
      const machineType = machineTypeOf('aws', pool);
      if (!machineType) return;
      const family = instanceFamily(machineType);
      if (!region.gpuFamilies.includes(family)) {
        c.error(
          `kubernetes.gpuPools[${i}]${pool.machineType ? '.machineType' : '.accelerator'}`,
          pool.machineType ?? pool.accelerator,
          `runs on ${machineType}, and ${target.region} does not offer the ${family} instance family`,
          `pick an accelerator ${target.region} offers (families: ${region.gpuFamilies.join(', ')}) or another region (${SOURCE})`,
        );
        return;
      }
      checkPoolZones(c, i, pool, machineType, envZones, (zones) => awsZonesOffering(target.region, machineType, zones));
    });
  } else {
    const location = azureLocation(target.location);
    if (!location) {
      const guess = closest(target.location, Object.keys(AZURE_LOCATIONS));
      c.error(
        'target.location',
        target.location,
        'is not an Azure location in the regions table',
        guess
          ? `did you mean '${guess}'? (${SOURCE})`
          : `use a location listed in ${SOURCE}, or add it there with its source`,
      );
      return;
    }
    if (isInt(zoneCount) && zoneCount > 1 && location.zones.length === 0) {
      c.error(
        'network.availabilityZones',
        zoneCount,
        `asks for zones, and ${target.location} has no availability zones`,
        'use 1, or a location with zones',
      );
      return;
    }
    const envZones = azureZoneNames(target.location, zoneCount);
    env.kubernetes.gpuPools.forEach((pool, i) => {
      const vmSize = machineTypeOf('azure', pool);
      if (!vmSize) return;
      if (!location.gpuSizes.includes(vmSize)) {
        c.error(
          `kubernetes.gpuPools[${i}]${pool.machineType ? '.machineType' : '.accelerator'}`,
          pool.machineType ?? pool.accelerator,
          `runs on ${vmSize}, which ${target.location} does not offer`,
          `pick a size ${target.location} offers, or another location (${SOURCE})`,
        );
        return;
      }
      checkPoolZones(c, i, pool, vmSize, envZones, (zones) => azureZonesOffering(target.location, vmSize, zones));
    });
  }
}

function checkPoolZones(
  c: Checker,
  index: number,
  pool: GpuPoolConfig,
  machineType: string,
  envZones: readonly string[],
  offering: (zones: readonly string[]) => string[],
): void {
  const path = `kubernetes.gpuPools[${index}]`;
  const offered = offering(envZones);
  if (!pool.zones) {
    if (envZones.length > 0 && offered.length === 0) {
      c.error(
        path,
        pool.name,
        `runs on ${machineType}, which none of the environment's zones (${envZones.join(', ')}) offers`,
        `change the machine type or the region (${SOURCE})`,
      );
    }
    return;
  }
  if (pool.zones.length === 0) {
    c.error(
      `${path}.zones`,
      pool.zones,
      'is empty',
      'list at least one zone, or remove zones to use every zone that offers the type',
    );
  }
  const seen = new Set<string>();
  pool.zones.forEach((zone, z) => {
    const zonePath = `${path}.zones[${z}]`;
    if (seen.has(zone)) c.error(zonePath, zone, 'is listed twice', 'list each zone once');
    seen.add(zone);
    if (!envZones.includes(zone)) {
      c.error(
        zonePath,
        zone,
        `is not a zone of the environment (${envZones.join(', ') || 'none'})`,
        'use one of those zones',
      );
    } else if (!offered.includes(zone)) {
      c.error(
        zonePath,
        zone,
        `does not offer ${machineType} (zones that do: ${offered.join(', ') || 'none'})`,
        `use a zone that offers it (${SOURCE})`,
      );
    }
  });
}

function machineTypeOf(cloud: 'aws' | 'azure', pool: GpuPoolConfig): string | undefined {
  if (pool.machineType) return pool.machineType;
  return isAccelerator(pool.accelerator) ? catalogMachineType(cloud, pool.accelerator, pool.gpusPerNode) : undefined;
}
