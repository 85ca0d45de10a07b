import type { PlatformNames } from '../config';

/** Longest storage account name Azure accepts. */
const STORAGE_ACCOUNT_MAX = 24;

/**
 * Name of the Machine Learning workspace's own storage account: `stml` + the environment's
 * letters and digits + the environment hash, cut to 24 characters from the environment part so
 * the hash (which makes it globally unique) stays whole.
 */
export function mlStorageAccountName(names: PlatformNames, environmentName: string): string {
  const env = environmentName.toLowerCase().replace(/[^a-z0-9]/g, '');
  const room = STORAGE_ACCOUNT_MAX - 'stml'.length - names.suffix.length;
  return `stml${env.slice(0, Math.max(0, room))}${names.suffix}`;
}

/** App Configuration store: `appcs-<p>-<env>-<h>` (5-50 letters, digits and hyphens, globally unique). */
export function appConfigurationName(names: PlatformNames): string {
  return `${names.azure('appcs')}-${names.suffix}`;
}
