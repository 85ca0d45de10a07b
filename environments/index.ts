import type { PlatformEnvironment } from '../lib/config';
import { azHybrid } from './az-hybrid';
import { azProduction } from './az-production';
import { azStaging } from './az-staging';
import { hybrid } from './hybrid';
import { production } from './production';
import { staging } from './staging';

/**
 * Every environment, in deployment order. Each lives in `environments/<name>.ts`; add a new one by
 * copying the closest, renaming it, and listing it here.
 */
export const environments: readonly PlatformEnvironment[] = [
  staging,
  production,
  hybrid,
  azStaging,
  azProduction,
  azHybrid,
];
