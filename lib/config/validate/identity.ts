/** The environment's name, stage and target, and the cloud names derived from them. */
import { NAME_RULES, nameProblem, PlatformNames } from '../naming';
import type { PlatformEnvironment } from '../types';
import { type Checker, PATTERNS } from './checker';

export function checkIdentity(c: Checker, env: PlatformEnvironment): void {
  if (!PATTERNS.name.test(env.name)) {
    c.error(
      'name',
      env.name,
      'must be 2-40 lowercase letters, digits and single hyphens, starting with a letter',
      `rename the environment and its file, for example '${suggestName(env.name)}' in environments/${suggestName(env.name)}.ts`,
    );
  }
  const target = env.target;
  if (target.cloud === 'aws') {
    if (!PATTERNS.awsAccount.test(target.account)) {
      c.error('target.account', target.account, 'is not a 12-digit AWS account id', 'copy the id from the AWS console');
    }
  } else {
    if (!PATTERNS.guid.test(target.subscriptionId)) {
      c.error(
        'target.subscriptionId',
        target.subscriptionId,
        'is not a subscription GUID',
        "copy it from 'az account show'",
      );
    }
    if (!PATTERNS.guid.test(target.tenantId)) {
      c.error('target.tenantId', target.tenantId, 'is not a tenant GUID', "copy it from 'az account show'");
    }
    const backend = target.stateBackend;
    if (!backend && env.stage === 'production') {
      c.error(
        'target.stateBackend',
        backend,
        'must be set for production: local Terraform state is lost with the machine that ran apply',
        'point it at the state storage account created by the bootstrap step in the README',
      );
    }
    if (backend) {
      const problem = nameProblem(NAME_RULES.storageAccount, backend.storageAccountName);
      if (problem) {
        c.error(
          'target.stateBackend.storageAccountName',
          backend.storageAccountName,
          problem,
          'use the state account name',
        );
      }
      if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(backend.containerName)) {
        c.error(
          'target.stateBackend.containerName',
          backend.containerName,
          'is not a valid blob container name (3-63 lowercase letters, digits and single hyphens)',
          "use a name such as 'tfstate'",
        );
      }
    }
  }
  if (PATTERNS.name.test(env.name)) checkDerivedNames(c, env);
}

/**
 * Every cloud name derived from the environment name must meet its cloud's rule; a name that is
 * too long says how long the environment name may be.
 */
function checkDerivedNames(c: Checker, env: PlatformEnvironment): void {
  const names = new PlatformNames(env);
  for (const { rule, value } of names.ruledNames(env.target.cloud)) {
    const spec = NAME_RULES[rule];
    const problem = nameProblem(spec, value);
    if (!problem) continue;
    const overhead = value.length - env.name.length;
    const fix =
      value.length > spec.maxLength
        ? `shorten the environment name to at most ${spec.maxLength - overhead} characters (${spec.resource} names allow ${spec.maxLength}, and '${env.name}' is ${env.name.length})`
        : 'rename the environment';
    c.error('name', env.name, `derives the ${spec.resource} name '${value}', which ${problem}`, fix);
  }
}

/** A valid name close to `text`, for the fix of an invalid one. */
function suggestName(text: unknown): string {
  const base = String(text)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[^a-z]+|-+$/g, '');
  return PATTERNS.name.test(base) ? base : 'staging';
}
