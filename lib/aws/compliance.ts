import { type App, type Stage, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks } from 'cdk-nag';

/**
 * Registers the compliance packs that every AWS synthesis runs: AWS Solutions, HIPAA Security and
 * NIST 800-53 rev 5. A finding fails synthesis unless it is acknowledged beside its resource with
 * `Validations.of(resource).acknowledge({ id, reason })`; `writeSuppressionsToCloudFormation`
 * copies each acknowledgement into the template's metadata so reviewers and other tools see it.
 */
export function addCompliancePacks(scope: App | Stage): void {
  const options = { writeSuppressionsToCloudFormation: true };
  Validations.of(scope).addPlugins(
    new AwsSolutionsChecks(scope, options),
    new HIPAASecurityChecks(scope, options),
    new NIST80053R5Checks(scope, options),
  );
}
