/**
 * The configuration check `npm run synth` runs before either CLI starts. It needs the config model
 * only (lib/config), never aws-cdk-lib or cdktf, so a mistake is reported in well under a second.
 */
import {
  assertValidEnvironments,
  ConfigError,
  type ConfigProblem,
  type DeliveryEnvironment,
  type PlatformEnvironment,
  validateDelivery,
} from '../../lib/config';

/**
 * Every configuration error of the environments (each one and the rules between them) and of the
 * delivery account, in file order; empty when all is well. Warnings are left to the synthesized
 * apps, which annotate them on their stages and stacks.
 */
export function configErrors(
  environments: readonly PlatformEnvironment[],
  delivery: DeliveryEnvironment | undefined,
): ConfigProblem[] {
  const errors: ConfigProblem[] = [];
  try {
    assertValidEnvironments(environments);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    errors.push(...error.problems);
  }
  if (delivery) errors.push(...validateDelivery(delivery, environments).filter((p) => p.severity === 'error'));
  return errors;
}
