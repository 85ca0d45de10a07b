/**
 * `npm run preflight -- <environment>`: checks, with your credentials, what offline synthesis
 * cannot (account or subscription, machine types per zone, vCPU quotas, CDK bootstrap, resource
 * providers and features, the Terraform state container), and prints a pass/fail list with the
 * fix of each failure. `--dry-run`, or no credentials, lists the aws / az commands instead.
 *
 *   npm run preflight -- staging
 *   npm run preflight -- --all --cloud azure
 *   npm run preflight -- --delivery            the AWS tooling account (environments/delivery.ts)
 *   npm run preflight -- --dry-run production
 *
 * The checks live in scripts/preflight/ (aws.ts, azure.ts); the SDKs load only when a check runs.
 */
import { environments } from '../environments';
import { delivery } from '../environments/delivery';
import { runPreflight } from './preflight/cli';

runPreflight(process.argv.slice(2), {
  environments,
  delivery,
  connectAws: async (region) => (await import('./preflight/aws-sdk.js')).connectAws(region),
  connectAzure: async (tenantId, subscriptionId) =>
    (await import('./preflight/azure-sdk.js')).connectAzure(tenantId, subscriptionId),
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  },
);
