/** Data zones and their lifecycle. */
import { DATA_ZONES, type PlatformEnvironment } from '../types';
import type { Checker } from './checker';

export function checkStorage(c: Checker, env: PlatformEnvironment): void {
  const { zones, lifecycle } = env.storage;
  if (!Array.isArray(zones) || zones.length === 0) {
    c.error('storage.zones', zones, 'must list at least one data zone', `list zones from: ${DATA_ZONES.join(', ')}`);
  } else {
    const seen = new Set<string>();
    zones.forEach((zone, i) => {
      if (!DATA_ZONES.includes(zone)) {
        c.error(`storage.zones[${i}]`, zone, 'is not a data zone', `use one of: ${DATA_ZONES.join(', ')}`);
      } else if (seen.has(zone)) {
        c.error(`storage.zones[${i}]`, zone, 'is listed twice', 'remove the duplicate');
      }
      seen.add(zone);
    });
    for (const required of ['models', 'artifacts'] as const) {
      if (!seen.has(required)) {
        c.error(
          'storage.zones',
          zones,
          `lacks '${required}', which model serving and delivery use`,
          `add '${required}'`,
        );
      }
    }
  }
  // S3 moves objects to STANDARD_IA no earlier than 30 days after creation, and keeps them there
  // 30 days before an archive class (Lifecycle transition constraints, S3 User Guide).
  const coolOk = c.intInRange(
    'storage.lifecycle.coolAfterDays',
    lifecycle.coolAfterDays,
    30,
    3650,
    'use 30 days or more (the earliest S3 allows a move to infrequent access)',
  );
  if (lifecycle.archiveAfterDays !== undefined && coolOk) {
    c.intInRange(
      'storage.lifecycle.archiveAfterDays',
      lifecycle.archiveAfterDays,
      lifecycle.coolAfterDays + 30,
      3650,
      `archive at least 30 days after the move to the cool tier (>= ${lifecycle.coolAfterDays + 30})`,
    );
  }
  c.intInRange(
    'storage.lifecycle.noncurrentVersionDays',
    lifecycle.noncurrentVersionDays,
    1,
    365,
    'use 1-365 days (Azure blob soft delete allows at most 365)',
  );
}
