import { FederatedIdentityCredential } from '@cdktf/provider-azurerm/lib/federated-identity-credential';
import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import { ActionsEnvironmentVariable } from '@cdktf/provider-github/lib/actions-environment-variable';
import { ActionsVariable } from '@cdktf/provider-github/lib/actions-variable';
import { DataGithubUser } from '@cdktf/provider-github/lib/data-github-user';
import { GithubProvider } from '@cdktf/provider-github/lib/provider';
import { RepositoryEnvironment } from '@cdktf/provider-github/lib/repository-environment';
import { AzurermBackend, LocalBackend, TerraformOutput, TerraformStack, TerraformVariable, Token } from 'cdktf';
import { Construct } from 'constructs';
import {
  type AzureEnvironment,
  ConfigError,
  type ConfigProblem,
  environmentFile,
  isAzureEnvironment,
  type PlatformEnvironment,
  PlatformNames,
  type Stage,
} from '../config';
import { inferenceIngressIp, planSubnets } from './network';

/** GitHub's OIDC token issuer: https://docs.github.com/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect */
export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';
/** The audience Entra ID expects in a federated token: https://learn.microsoft.com/entra/workload-id/workload-identity-federation-create-trust */
export const AZURE_TOKEN_AUDIENCE = 'api://AzureADTokenExchange';

/**
 * GitHub allows at most 6 required reviewers per environment:
 * https://docs.github.com/actions/managing-workflow-runs-and-deployments/managing-deployments/managing-environments-for-deployment#required-reviewers
 */
export const MAX_REQUIRED_REVIEWERS = 6;

export interface DeliveryIdentityProps {
  /** The environment the identity deploys; its stage names the GitHub environment it trusts. */
  readonly environment: AzureEnvironment;
  /** The resource group the deploy identity lives in and may change (its role scope). */
  readonly resourceGroup: ResourceGroup;
  /**
   * The environment whose resource group this identity reads from when a model is promoted
   * (`az acr import` from its registry, blob copy from its storage account): set it on production
   * to the staging environment. Reader, AcrPull and Storage Blob Data Reader on that group.
   * @default - no access outside `resourceGroup`
   */
  readonly promotionSource?: AzureEnvironment;
}

/**
 * The identities GitHub Actions uses for one Azure environment, with no secret anywhere:
 *
 * - `Resource`: the deploy identity, trusted only for workflow jobs bound to the GitHub
 *   environment of the same stage (`repo:<owner>/<name>:environment:<staging|production>`), so a
 *   production token exists only after the protected environment's reviewers approved the job.
 *   Roles on the resource group: Contributor (control plane), Role Based Access Control
 *   Administrator (Terraform creates the platform's role assignments), Storage Blob Data
 *   Contributor (release state and manifests in the serving container, model artifacts). Releases
 *   never touch the cluster API: Flux applies what the workflow writes.
 * - `Plan`: a read-only identity for `terraform plan` on pull requests
 *   (`repo:<owner>/<name>:pull_request`), Reader on the resource group. Pull requests from forks
 *   get no OIDC token, so only branches of the repository can use it.
 *
 * Least privilege: Contributor plus RBAC Administrator on the resource group lets the deploy
 * identity create the platform's role assignments; an ABAC condition (`roleAssignmentCondition`)
 * keeps it from assigning the privileged administrator roles or assigning anything to people.
 */
export class DeliveryIdentity extends Construct {
  /** The deploy identity (primary child `Resource`). */
  public readonly identity: UserAssignedIdentity;
  /** The read-only identity of pull request plans. */
  public readonly planIdentity: UserAssignedIdentity;
  /** Client id of the deploy identity: the `AZURE_CLIENT_ID` of the GitHub environment. */
  public readonly clientId: string;
  /** Client id of the plan identity. */
  public readonly planClientId: string;

  constructor(scope: Construct, id: string, props: DeliveryIdentityProps) {
    super(scope, id);
    const env = props.environment;
    const names = new PlatformNames(env);
    const repository = parseRepository(env);
    const rg = props.resourceGroup;

    this.identity = new UserAssignedIdentity(this, 'Resource', {
      name: names.azure('id', 'deploy'),
      resourceGroupName: rg.name,
      location: rg.location,
    });
    new FederatedIdentityCredential(this, 'github-environment', {
      name: `github-${env.stage}`,
      resourceGroupName: rg.name,
      parentId: this.identity.id,
      issuer: GITHUB_OIDC_ISSUER,
      audience: [AZURE_TOKEN_AUDIENCE],
      subject: githubEnvironmentSubject(repository, env.stage),
    });
    const deployRoles = ['Contributor', 'Role Based Access Control Administrator', 'Storage Blob Data Contributor'];
    for (const role of deployRoles) {
      const administrator = role === 'Role Based Access Control Administrator';
      new RoleAssignment(this, `deploy-${slug(role)}`, {
        scope: rg.id,
        roleDefinitionName: role,
        principalId: this.identity.principalId,
        principalType: 'ServicePrincipal',
        ...(administrator ? { condition: roleAssignmentCondition(), conditionVersion: '2.0' } : {}),
      });
    }
    if (props.promotionSource) {
      const source = props.promotionSource;
      if (source.name === env.name) {
        throw new Error(
          `environments/${env.name}.ts: the promotion source of ${env.name} is itself; pass the staging environment`,
        );
      }
      const sourceScope = `/subscriptions/${source.target.subscriptionId}/resourceGroups/${new PlatformNames(source).resourceGroup}`;
      // Pull-based promotion: production reads from staging, staging never writes to production.
      for (const role of ['Reader', 'AcrPull', 'Storage Blob Data Reader']) {
        new RoleAssignment(this, `promotion-source-${slug(role)}`, {
          scope: sourceScope,
          roleDefinitionName: role,
          principalId: this.identity.principalId,
          principalType: 'ServicePrincipal',
        });
      }
    }

    this.planIdentity = new UserAssignedIdentity(this, 'Plan', {
      name: names.azure('id', 'plan'),
      resourceGroupName: rg.name,
      location: rg.location,
    });
    new FederatedIdentityCredential(this, 'github-pull-request', {
      name: 'github-pull-request',
      resourceGroupName: rg.name,
      parentId: this.planIdentity.id,
      issuer: GITHUB_OIDC_ISSUER,
      audience: [AZURE_TOKEN_AUDIENCE],
      subject: `repo:${repository.owner}/${repository.name}:pull_request`,
    });
    new RoleAssignment(this, 'plan-reader', {
      scope: rg.id,
      roleDefinitionName: 'Reader',
      principalId: this.planIdentity.principalId,
      principalType: 'ServicePrincipal',
    });

    this.clientId = this.identity.clientId;
    this.planClientId = this.planIdentity.clientId;
    // Static output names: the bootstrap reads them (`terraform output`) to apply the GitHub stack.
    new TerraformOutput(this, 'delivery_client_id', {
      value: this.clientId,
      staticId: true,
      description: `AZURE_CLIENT_ID of the GitHub environment '${env.stage}'`,
    });
    new TerraformOutput(this, 'delivery_plan_client_id', {
      value: this.planClientId,
      staticId: true,
      description: 'Client id of the pull request plan identity',
    });
  }
}

/**
 * Role definition ids of the privileged administrator roles: Owner, User Access Administrator and
 * Role Based Access Control Administrator. Whoever may assign one of them may grant themselves
 * anything: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles#privileged
 */
export const PRIVILEGED_ROLE_IDS = {
  owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  userAccessAdministrator: '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
  roleBasedAccessControlAdministrator: 'f58310d9-a9f6-439a-9e8d-f62e7b41a168',
} as const;

/**
 * The ABAC condition on the deploy identity's Role Based Access Control Administrator role: it may
 * create and delete role assignments of any role except the privileged administrator roles, and
 * only for service principals (managed identities: the platform's own identities and the ones
 * Azure services create). So the deploy identity cannot escalate itself or make a person an
 * owner. Syntax and the example it follows:
 * https://learn.microsoft.com/azure/role-based-access-control/delegate-role-assignments-examples#example-constrain-roles-and-principal-types
 */
export function roleAssignmentCondition(): string {
  const ids = `{${Object.values(PRIVILEGED_ROLE_IDS).join(', ')}}`;
  return [
    '(',
    " (!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'}))",
    ' OR',
    ' (',
    `  @Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAllValues:GuidNotEquals ${ids}`,
    "  AND @Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'ServicePrincipal'}",
    ' )',
    ')',
    'AND',
    '(',
    " (!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'}))",
    ' OR',
    ` (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAllValues:GuidNotEquals ${ids})`,
    ')',
  ].join('\n');
}

/** The OIDC subject GitHub puts in the token of a job bound to a GitHub environment. */
export function githubEnvironmentSubject(repository: Repository, stage: Stage): string {
  return `repo:${repository.owner}/${repository.name}:environment:${stage}`;
}

export interface Repository {
  readonly owner: string;
  readonly name: string;
}

function parseRepository(env: PlatformEnvironment): Repository {
  const [owner, name, ...rest] = env.delivery.repository.split('/');
  if (!owner || !name || rest.length > 0) {
    throw new Error(
      `environments/${env.name}.ts: delivery.repository is '${env.delivery.repository}', must be 'owner/name' ` +
        "(write it as 'my-org/mlops-platform')",
    );
  }
  return { owner, name };
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

/** One Azure environment as a deployment target of the GitHub workflows. */
export interface DeliveryTarget {
  readonly environment: AzureEnvironment;
  /**
   * Client id of the environment's deploy identity (`DeliveryIdentity.clientId`). A token from
   * another stack makes cdktf read it through remote state.
   * @default - a Terraform variable `<env>_client_id` (underscored), set at plan time
   */
  readonly clientId?: string;
  /**
   * Client id of the environment's plan identity (`DeliveryIdentity.planClientId`).
   * @default - a Terraform variable `<env>_plan_client_id` (underscored), set at plan time
   */
  readonly planClientId?: string;
}

export interface GithubDeliveryStackProps {
  /** The Azure environment the `staging` GitHub environment deploys; its stage must be staging. */
  readonly staging: DeliveryTarget;
  /** The Azure environment the `production` GitHub environment deploys; its stage must be production. */
  readonly production: DeliveryTarget;
  /**
   * `remote` keeps state in the production environment's azurerm backend (key
   * `github-delivery.tfstate`); `local` forces local state.
   * @default 'remote'
   */
  readonly state?: 'remote' | 'local';
}

/**
 * The delivery side of GitHub as code: the repository's `staging` and `production` environments
 * (production with required reviewers from `delivery.approvers`, who cannot approve their own
 * runs, and without admin bypass), deployments from protected branches only, and the variables the
 * workflows read (`AZURE_CLIENT_ID`, `AZURE_TENANT_ID`, `AZURE_SUBSCRIPTION_ID`, resource names),
 * plus repository variables for pull request plans.
 *
 * Reviewer user names become user ids through the `github_user` data source, resolved at plan
 * time, so synth stays offline. The provider authenticates with `GITHUB_TOKEN` from the shell.
 */
export class GithubDeliveryStack extends TerraformStack {
  public readonly environments: Readonly<Record<Stage, RepositoryEnvironment>>;

  constructor(scope: Construct, id: string, props: GithubDeliveryStackProps) {
    const staging = props.staging.environment;
    const production = props.production.environment;
    const problems = validateGithubDelivery(staging, production);
    if (problems.length > 0) throw new ConfigError(problems);
    const approvers = production.delivery.approvers;
    const repository = parseRepository(production);
    super(scope, id);

    new GithubProvider(this, 'github', { owner: repository.owner });
    const backend = production.target.stateBackend;
    if (backend && props.state !== 'local') {
      new AzurermBackend(this, {
        resourceGroupName: backend.resourceGroupName,
        storageAccountName: backend.storageAccountName,
        containerName: backend.containerName,
        key: 'github-delivery.tfstate',
        subscriptionId: production.target.subscriptionId,
        tenantId: production.target.tenantId,
        useAzureadAuth: true,
      });
    } else {
      new LocalBackend(this, { path: 'terraform.github-delivery.tfstate' });
    }

    const reviewerIds = approvers.map(
      (login) => Token.asNumber(new DataGithubUser(this, `approver-${login}`, { username: login }).id) as number,
    );

    const stagingEnv = new RepositoryEnvironment(this, 'staging', {
      repository: repository.name,
      environment: 'staging',
      deploymentBranchPolicy: { protectedBranches: true, customBranchPolicies: false },
    });
    const productionEnv = new RepositoryEnvironment(this, 'production', {
      repository: repository.name,
      environment: 'production',
      reviewers: [{ users: reviewerIds }],
      // The person who started a run cannot approve it, and admins cannot skip the review.
      preventSelfReview: true,
      canAdminsBypass: false,
      deploymentBranchPolicy: { protectedBranches: true, customBranchPolicies: false },
    });
    this.environments = { staging: stagingEnv, production: productionEnv };

    const clientIds: Record<Stage, string> = {
      staging: props.staging.clientId ?? this.variable(staging, 'client_id', 'deploy'),
      production: props.production.clientId ?? this.variable(production, 'client_id', 'deploy'),
    };
    for (const [stage, target] of [
      ['staging', staging],
      ['production', production],
    ] as const) {
      const env = this.environments[stage];
      const names = new PlatformNames(target);
      const plan = planSubnets(target.network.cidr);
      const values: Record<string, string> = {
        AZURE_CLIENT_ID: clientIds[stage],
        AZURE_TENANT_ID: target.target.tenantId,
        AZURE_SUBSCRIPTION_ID: target.target.subscriptionId,
        PLATFORM_ENVIRONMENT: target.name,
        AZURE_RESOURCE_GROUP: names.resourceGroup,
        AZURE_CONTAINER_REGISTRY: names.containerRegistry,
        AZURE_STORAGE_ACCOUNT: names.storageAccount,
        AZURE_AKS_CLUSTER: names.aksCluster,
        AZURE_API_MANAGEMENT: names.apiManagement,
        // The serving renderer's network values (model-promote.yml), from the deterministic plan.
        SERVING_LOAD_BALANCER_ADDRESS: inferenceIngressIp(plan.system),
        APIM_SUBNET_CIDR: plan.apim,
      };
      if (stage === 'production') {
        // Promotion copies from staging: the production job reads the source names here because
        // a job sees only its own environment's variables.
        const source = new PlatformNames(staging);
        values.SOURCE_CONTAINER_REGISTRY = source.containerRegistry;
        values.SOURCE_RESOURCE_GROUP = source.resourceGroup;
        values.SOURCE_SUBSCRIPTION_ID = staging.target.subscriptionId;
        values.SOURCE_STORAGE_ACCOUNT = source.storageAccount;
      }
      for (const [variableName, value] of Object.entries(values)) {
        new ActionsEnvironmentVariable(this, `${stage}-${variableName.toLowerCase()}`, {
          repository: repository.name,
          environment: env.environment,
          variableName,
          value,
        });
      }
    }

    // Pull request plans run without a GitHub environment (binding them to `production` would ask
    // for an approval on every pull request), so their identities are repository variables.
    for (const target of [props.staging, props.production]) {
      const env = target.environment;
      const key = env.name.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
      const planValues: Record<string, string> = {
        [`AZURE_PLAN_CLIENT_ID_${key}`]: target.planClientId ?? this.variable(env, 'plan_client_id', 'plan'),
        [`AZURE_TENANT_ID_${key}`]: env.target.tenantId,
        [`AZURE_SUBSCRIPTION_ID_${key}`]: env.target.subscriptionId,
      };
      for (const [variableName, value] of Object.entries(planValues)) {
        new ActionsVariable(this, `repository-${variableName.toLowerCase()}`, {
          repository: repository.name,
          variableName,
          value,
        });
      }
    }
    new ActionsVariable(this, 'repository-azure_plan_enabled', {
      repository: repository.name,
      variableName: 'AZURE_PLAN_ENABLED',
      value: 'true',
    });
  }

  private variable(env: AzureEnvironment, suffix: string, kind: string): string {
    const name = `${env.name.replace(/[^a-z0-9]+/g, '_')}_${suffix}`;
    return new TerraformVariable(this, name, {
      type: 'string',
      description: `Client id of the ${kind} identity of ${env.name} (terraform output of its DeliveryIdentity)`,
      nullable: false,
    }).stringValue;
  }
}

/**
 * The rules the two environments of the GitHub delivery stack must meet, as configuration
 * problems (file, field, value, fix): checked before the stack is built, like every environment.
 */
export function validateGithubDelivery(staging: AzureEnvironment, production: AzureEnvironment): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const error = (env: AzureEnvironment, path: string, value: unknown, problem: string, fix: string) =>
    problems.push({ severity: 'error', file: environmentFile(env), path, value, problem, fix });
  if (staging.stage !== 'staging') {
    error(staging, 'stage', staging.stage, "the staging target must be 'staging'", 'pass a staging environment');
  }
  if (production.stage !== 'production') {
    error(
      production,
      'stage',
      production.stage,
      "the production target must be 'production'",
      'pass a production environment',
    );
  }
  if (staging.delivery.repository !== production.delivery.repository) {
    error(
      production,
      'delivery.repository',
      production.delivery.repository,
      `must equal ${staging.name}'s '${staging.delivery.repository}' (one repository delivers both)`,
      'use the same repository in both files',
    );
  }
  const approvers = production.delivery.approvers;
  if (approvers.length === 0 || approvers.length > MAX_REQUIRED_REVIEWERS) {
    error(
      production,
      'delivery.approvers',
      approvers,
      `has ${approvers.length} entries, GitHub needs 1-${MAX_REQUIRED_REVIEWERS} required reviewers on the production environment`,
      `name between 1 and ${MAX_REQUIRED_REVIEWERS} GitHub users`,
    );
  }
  return problems;
}

/**
 * The GitHub delivery stack for a list of environments: the first Azure staging and production
 * environments become the `staging` and `production` GitHub environments. Returns undefined when
 * the list lacks either, so an AWS-only checkout synthesizes no GitHub stack.
 */
export function buildGithubDelivery(
  scope: Construct,
  environments: readonly PlatformEnvironment[],
  options: { readonly localState?: boolean } = {},
): GithubDeliveryStack | undefined {
  const azure = environments.filter(isAzureEnvironment);
  const staging = azure.find((e) => e.stage === 'staging');
  const production = azure.find((e) => e.stage === 'production');
  if (!staging || !production) return undefined;
  return new GithubDeliveryStack(scope, 'github-delivery', {
    staging: { environment: staging },
    production: { environment: production },
    state: options.localState ? 'local' : 'remote',
  });
}
