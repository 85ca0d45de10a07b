import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { Annotations, AzurermBackend, LocalBackend, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import {
  type AzureEnvironment,
  ConfigError,
  formatProblem,
  PlatformNames,
  platformTags,
  validateEnvironment,
} from '../config';
import { PlatformTags } from './tags';

export interface PlatformStackProps {
  /** The environment this stack deploys; it must target Azure. */
  readonly environment: AzureEnvironment;
  /**
   * Where Terraform keeps state. `remote` uses the environment's azurerm backend (and local state
   * when it has none); `local` forces local state, for trying a plan without the state account.
   * @default 'remote'
   */
  readonly state?: 'remote' | 'local';
}

/**
 * One Azure environment of the platform as one Terraform stack (`cdktf.out/stacks/<name>`): the
 * azurerm provider pinned to the environment's subscription, its state backend, and every
 * resource of the environment inside one resource group.
 *
 * The environment is validated before anything is built: errors throw a `ConfigError` naming the
 * file, field, value and fix; warnings become synth-time annotations.
 */
export class PlatformStack extends TerraformStack {
  public readonly environment: AzureEnvironment;
  public readonly names: PlatformNames;
  public readonly resourceGroup: ResourceGroup;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    const env = props.environment;
    const problems = validateEnvironment(env);
    const errors = problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) throw new ConfigError(errors);

    super(scope, id);
    this.environment = env;
    this.names = new PlatformNames(env);
    for (const warning of problems.filter((p) => p.severity === 'warning')) {
      Annotations.of(this).addWarning(formatProblem(warning));
    }
    const target = env.target;
    const production = env.stage === 'production';

    new AzurermProvider(this, 'azurerm', {
      subscriptionId: target.subscriptionId,
      tenantId: target.tenantId,
      // Storage data-plane calls use Entra ID: shared-key access is disabled on every account.
      storageUseAzuread: true,
      features: [
        {
          keyVault: [{ purgeSoftDeleteOnDestroy: false, recoverSoftDeletedKeyVaults: true }],
          resourceGroup: [{ preventDeletionIfContainsResources: true }],
        },
      ],
    });

    const backend = target.stateBackend;
    if (backend && props.state !== 'local') {
      new AzurermBackend(this, {
        resourceGroupName: backend.resourceGroupName,
        storageAccountName: backend.storageAccountName,
        containerName: backend.containerName,
        key: backend.key ?? `${env.name}.tfstate`,
        subscriptionId: target.subscriptionId,
        tenantId: target.tenantId,
        useAzureadAuth: true,
      });
    } else {
      new LocalBackend(this, { path: `terraform.${env.name}.tfstate` });
    }

    this.resourceGroup = new ResourceGroup(this, 'resource-group', {
      name: this.names.resourceGroup,
      location: target.location,
      lifecycle: production ? { preventDestroy: true } : undefined,
    });

    PlatformTags.applyTo(this, platformTags(env));
  }
}
