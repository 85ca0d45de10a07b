import { PROJECT } from './naming';
import type { PlatformEnvironment } from './types';

/** Tag keys the platform sets on every resource; an environment's own tags cannot override them. */
export const PLATFORM_TAG_KEYS = ['project', 'environment', 'stage', 'managed-by'] as const;

/**
 * The tags of every taggable resource of an environment: the environment's own tags, then the
 * platform's, which win. Sorted by key so that synthesized output does not depend on object order.
 */
export function platformTags(env: Pick<PlatformEnvironment, 'name' | 'stage' | 'tags'>): Record<string, string> {
  const merged: Record<string, string> = {
    ...env.tags,
    project: PROJECT,
    environment: env.name,
    stage: env.stage,
    'managed-by': 'mlops-platform-blueprint',
  };
  return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
}
