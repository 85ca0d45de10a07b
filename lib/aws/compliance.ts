import { type App, Aspects, type Stage, Validations } from 'aws-cdk-lib';
import {
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  NIST80053R5Checks,
  WriteNagSuppressionsToCloudFormationAspect,
} from 'cdk-nag';

/**
 * Registers the compliance packs that every AWS synthesis runs: AWS Solutions, HIPAA Security and
 * NIST 800-53 rev 5. A finding fails synthesis unless it is acknowledged beside its resource with
 * `acknowledge(resource, { id: reason })` (lib/aws/acknowledge.ts).
 *
 * `writeSuppressionsToCloudFormation` copies each acknowledgement into the template's metadata so
 * reviewers and other tools see it, but the aspect it registers on the app does not reach stacks
 * inside a `Stage` (aspects stop at stage boundaries): call `writeAcknowledgements` on each stage.
 */
export function addCompliancePacks(scope: App | Stage): void {
  const options = { writeSuppressionsToCloudFormation: true };
  Validations.of(scope).addPlugins(
    new AwsSolutionsChecks(scope, options),
    new HIPAASecurityChecks(scope, options),
    new NIST80053R5Checks(scope, options),
  );
}

/**
 * Writes the acknowledgements of every resource in `stage` into its templates' metadata
 * (`Metadata.cdk_nag.rules_to_suppress`, each with its reason), as the packs do for the app's
 * top-level stacks.
 */
export function writeAcknowledgements(stage: Stage): void {
  Aspects.of(stage).add(new WriteNagSuppressionsToCloudFormationAspect());
}
