import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { TerraformStack, Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { environments } from '../../environments';
import {
  buildGithubDelivery,
  DeliveryIdentity,
  GithubDeliveryStack,
  PRIVILEGED_ROLE_IDS,
} from '../../lib/azure/pipeline';
import { type AzureEnvironment, PlatformNames } from '../../lib/config';
import { fixtures, resourcesOf, type TerraformJson, vary } from '../util';

/** A Terraform interpolation, written without a template-looking string literal. */
const ref = (expression: string) => `\${${expression}}`;

function synthGithub(staging: AzureEnvironment, production: AzureEnvironment): TerraformJson {
  const app = Testing.app();
  const stack = new GithubDeliveryStack(app, 'github-delivery', {
    staging: { environment: staging },
    production: { environment: production },
  });
  return JSON.parse(Testing.synth(stack)) as TerraformJson;
}

/** DeliveryIdentity alone in a stack with one resource group, so other platform resources do not count. */
function synthIdentity(env: AzureEnvironment, promotionSource?: AzureEnvironment): TerraformJson {
  const app = Testing.app();
  const stack = new TerraformStack(app, env.name);
  new AzurermProvider(stack, 'azurerm', { features: [{}], subscriptionId: env.target.subscriptionId });
  const resourceGroup = new ResourceGroup(stack, 'resource-group', {
    name: new PlatformNames(env).resourceGroup,
    location: env.target.location,
  });
  new DeliveryIdentity(stack, 'delivery-identity', { environment: env, resourceGroup, promotionSource });
  return JSON.parse(Testing.synth(stack)) as TerraformJson;
}

function variablesOf(json: TerraformJson, type: string): Record<string, unknown> {
  return Object.fromEntries(
    Object.values(resourcesOf(json, type)).map((v) => {
      // Environment variables reference their environment resource, which orders the creation.
      const env = String(v.environment ?? 'repo').replace(
        /^\$\{github_repository_environment\.(\w+)\.environment\}$/,
        '$1',
      );
      return [`${env}:${v.variable_name}`, v.value];
    }),
  );
}

/** The Terraform name of the identity whose name ends in `-<purpose>`. */
function identityKey(json: TerraformJson, purpose: string): string {
  const entry = Object.entries(resourcesOf(json, 'azurerm_user_assigned_identity')).find(([, i]) =>
    String(i.name).endsWith(`-${purpose}`),
  );
  if (!entry) throw new Error(`no ${purpose} identity`);
  return entry[0];
}

describe('GithubDeliveryStack', () => {
  const json = synthGithub(fixtures.azureStaging, fixtures.azureProduction);

  it('creates the staging and production environments, deploying from protected branches only', () => {
    // GIVEN the shipped Azure environments WHEN the GitHub stack is synthesized
    const envs = Object.values(resourcesOf(json, 'github_repository_environment'));
    // THEN both environments exist on the delivery repository with a protected-branch policy
    expect(envs.map((e) => e.environment).sort()).toEqual(['production', 'staging']);
    for (const env of envs) {
      expect(env.repository).toBe('mlops-platform');
      expect(env.deployment_branch_policy).toEqual({ protected_branches: true, custom_branch_policies: false });
    }
  });

  it('requires the approvers, resolved to user ids at plan time, on production only', () => {
    // GIVEN production approvers mlops-lead and platform-owner
    const users = resourcesOf(json as never, 'github_user');
    const data = (json.data?.github_user ?? {}) as Record<string, { username: string }>;
    // THEN one github_user data source per approver, and production's reviewers reference them
    expect(Object.keys(users)).toEqual([]);
    expect(Object.values(data).map((d) => d.username)).toEqual(['mlops-lead', 'platform-owner']);
    const production = resourcesOf(json, 'github_repository_environment').production as Record<string, unknown>;
    expect(production.reviewers).toEqual([
      { users: [ref('data.github_user.approver-mlops-lead.id'), ref('data.github_user.approver-platform-owner.id')] },
    ]);
    expect(production.prevent_self_review).toBe(true);
    expect(production.can_admins_bypass).toBe(false);
    const staging = resourcesOf(json, 'github_repository_environment').staging as Record<string, unknown>;
    expect(staging.reviewers).toBeUndefined();
  });

  it('sets the Azure login variables per environment, the client id from a Terraform variable', () => {
    // WHEN no client id is passed THEN each environment's AZURE_CLIENT_ID reads a Terraform variable
    const vars = variablesOf(json, 'github_actions_environment_variable');
    expect(vars).toMatchObject({
      'staging:AZURE_CLIENT_ID': ref('var.az_staging_client_id'),
      'staging:AZURE_TENANT_ID': fixtures.azureStaging.target.tenantId,
      'staging:AZURE_SUBSCRIPTION_ID': '11111111-1111-1111-1111-111111111111',
      'staging:PLATFORM_ENVIRONMENT': 'az-staging',
      'production:AZURE_CLIENT_ID': ref('var.az_production_client_id'),
      'production:AZURE_SUBSCRIPTION_ID': '22222222-2222-2222-2222-222222222222',
      'production:SOURCE_SUBSCRIPTION_ID': '11111111-1111-1111-1111-111111111111',
    });
    expect(vars['staging:SOURCE_CONTAINER_REGISTRY']).toBeUndefined();
    expect(Object.keys((json as { variable?: object }).variable ?? {}).sort()).toEqual([
      'az_production_client_id',
      'az_production_plan_client_id',
      'az_staging_client_id',
      'az_staging_plan_client_id',
    ]);
  });

  it('sets the repository variables of pull request plans', () => {
    const vars = variablesOf(json, 'github_actions_variable');
    expect(vars).toEqual({
      'repo:AZURE_PLAN_CLIENT_ID_AZ_STAGING': ref('var.az_staging_plan_client_id'),
      'repo:AZURE_TENANT_ID_AZ_STAGING': fixtures.azureStaging.target.tenantId,
      'repo:AZURE_SUBSCRIPTION_ID_AZ_STAGING': fixtures.azureStaging.target.subscriptionId,
      'repo:AZURE_PLAN_CLIENT_ID_AZ_PRODUCTION': ref('var.az_production_plan_client_id'),
      'repo:AZURE_TENANT_ID_AZ_PRODUCTION': fixtures.azureProduction.target.tenantId,
      'repo:AZURE_SUBSCRIPTION_ID_AZ_PRODUCTION': fixtures.azureProduction.target.subscriptionId,
      'repo:AZURE_PLAN_ENABLED': 'true',
    });
  });

  it('uses a passed client id instead of a variable and keeps state in the production backend', () => {
    // GIVEN explicit client ids
    const app = Testing.app();
    const stack = new GithubDeliveryStack(app, 'github-delivery', {
      staging: { environment: fixtures.azureStaging, clientId: 'staging-client', planClientId: 'plan-s' },
      production: { environment: fixtures.azureProduction, clientId: 'prod-client', planClientId: 'plan-p' },
    });
    const out = JSON.parse(Testing.synth(stack)) as TerraformJson & { variable?: object };
    // THEN no Terraform variables are declared and the values are used as they are
    expect(out.variable).toBeUndefined();
    expect(variablesOf(out, 'github_actions_environment_variable')['production:AZURE_CLIENT_ID']).toBe('prod-client');
    expect((out.terraform?.backend as Record<string, { key: string }> | undefined)?.azurerm?.key).toBe(
      'github-delivery.tfstate',
    );
    expect(out.provider?.github).toEqual([{ owner: 'example-org' }]);
  });

  it('throws when the staging target is not a staging environment', () => {
    expect(() => synthGithub(fixtures.azureProduction, fixtures.azureProduction)).toThrow(
      /stage is 'production', the staging target must be 'staging'/,
    );
  });

  it('throws when the production target is not a production environment', () => {
    expect(() => synthGithub(fixtures.azureStaging, fixtures.azureStaging)).toThrow(
      /the production target must be 'production'/,
    );
  });

  it('throws when the environments deliver from different repositories', () => {
    const other = vary(fixtures.azureProduction, (d) => {
      d.delivery.repository = 'other-org/other-repo';
    });
    expect(() => synthGithub(fixtures.azureStaging, other)).toThrow(
      /must equal az-staging's 'example-org\/mlops-platform'/,
    );
  });

  it('throws when production has more approvers than GitHub allows', () => {
    const many = vary(fixtures.azureProduction, (d) => {
      d.delivery.approvers = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7'];
    });
    expect(() => synthGithub(fixtures.azureStaging, many)).toThrow(/has 7 entries, GitHub needs 1-6/);
  });

  it('throws when production has no approvers', () => {
    const none = vary(fixtures.azureProduction, (d) => {
      d.delivery.approvers = [];
    });
    expect(() => synthGithub(fixtures.azureStaging, none)).toThrow(/has 0 entries/);
  });

  it('throws when the repository is not owner/name', () => {
    const bad = (env: AzureEnvironment) =>
      vary(env, (d) => {
        d.delivery.repository = 'just-a-name';
      });
    expect(() => synthGithub(bad(fixtures.azureStaging), bad(fixtures.azureProduction))).toThrow(
      /delivery.repository is 'just-a-name', must be 'owner\/name'/,
    );
  });

  it('is built from the shipped environments by buildGithubDelivery, and skipped without both stages', () => {
    expect(buildGithubDelivery(Testing.app(), environments)?.node.id).toBe('github-delivery');
    expect(buildGithubDelivery(Testing.app(), [fixtures.azureStaging])).toBeUndefined();
  });

  it('matches the snapshot', () => {
    expect(json).toMatchSnapshot();
  });
});

describe('DeliveryIdentity', () => {
  it('creates a deploy identity trusted for the GitHub environment of its stage', () => {
    // GIVEN production WHEN the identity is added to its platform stack
    const json = synthIdentity(fixtures.azureProduction);
    const creds = Object.values(resourcesOf(json, 'azurerm_federated_identity_credential'));
    // THEN the deploy credential trusts only jobs bound to the production environment
    expect(creds).toContainEqual(
      expect.objectContaining({
        issuer: 'https://token.actions.githubusercontent.com',
        audience: ['api://AzureADTokenExchange'],
        subject: 'repo:example-org/mlops-platform:environment:production',
        parent_id: `\${azurerm_user_assigned_identity.${identityKey(json, 'deploy')}.id}`,
      }),
    );
    expect(creds).toContainEqual(expect.objectContaining({ subject: 'repo:example-org/mlops-platform:pull_request' }));
    const identities = Object.values(resourcesOf(json, 'azurerm_user_assigned_identity')).map((i) => i.name);
    expect(identities).toEqual(['id-mlops-az-production-deploy', 'id-mlops-az-production-plan']);
  });

  it('uses the staging subject for a staging environment', () => {
    const json = synthIdentity(fixtures.azureStaging);
    const subjects = Object.values(resourcesOf(json, 'azurerm_federated_identity_credential')).map((c) => c.subject);
    expect(subjects).toContain('repo:example-org/mlops-platform:environment:staging');
  });

  it('assigns roles scoped to the resource group, read-only for the plan identity', () => {
    const json = synthIdentity(fixtures.azureStaging);
    const assignments = Object.values(resourcesOf(json, 'azurerm_role_assignment'));
    for (const a of assignments) {
      expect(a.scope).toBe(ref('azurerm_resource_group.resource-group.id'));
      expect(a.principal_type).toBe('ServicePrincipal');
    }
    const byPrincipal = (suffix: string) =>
      assignments
        .filter((a) => String(a.principal_id).includes(suffix))
        .map((a) => a.role_definition_name)
        .sort();
    expect(byPrincipal(identityKey(json, 'deploy'))).toEqual([
      'Contributor',
      'Role Based Access Control Administrator',
      'Storage Blob Data Contributor',
    ]);
    expect(byPrincipal(identityKey(json, 'plan'))).toEqual(['Reader']);
  });

  it('limits the roles the deploy identity may assign: never a privileged administrator role, only to service principals', () => {
    const json = synthIdentity(fixtures.azureStaging);
    const administrator = Object.values(resourcesOf(json, 'azurerm_role_assignment')).find(
      (a) => a.role_definition_name === 'Role Based Access Control Administrator',
    );
    expect(administrator).toMatchObject({ condition_version: '2.0' });
    const condition = String(administrator?.condition);
    // Owner, User Access Administrator and RBAC Administrator are excluded on write and delete
    for (const id of Object.values(PRIVILEGED_ROLE_IDS)) {
      expect(condition.split(id)).toHaveLength(3);
    }
    expect(condition).toContain('ForAnyOfAllValues:GuidNotEquals');
    expect(condition).toContain(
      "roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'ServicePrincipal'}",
    );
    // and no other deploy role carries a condition
    const others = Object.values(resourcesOf(json, 'azurerm_role_assignment')).filter(
      (a) => a.role_definition_name !== 'Role Based Access Control Administrator',
    );
    for (const a of others) expect(a.condition).toBeUndefined();
  });

  it('outputs both client ids under static names for the bootstrap', () => {
    const json = synthIdentity(fixtures.azureStaging);
    expect(json.output).toMatchObject({
      delivery_client_id: { value: ref(`azurerm_user_assigned_identity.${identityKey(json, 'deploy')}.client_id`) },
      delivery_plan_client_id: { value: ref(`azurerm_user_assigned_identity.${identityKey(json, 'plan')}.client_id`) },
    });
  });

  it('grants read access to the promotion source when given', () => {
    const source = '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-mlops-az-staging';
    const json = synthIdentity(fixtures.azureProduction, fixtures.azureStaging);
    const onSource = Object.values(resourcesOf(json, 'azurerm_role_assignment')).filter((a) => a.scope === source);
    expect(onSource.map((a) => a.role_definition_name).sort()).toEqual([
      'AcrPull',
      'Reader',
      'Storage Blob Data Reader',
    ]);
  });

  it('throws when the promotion source is the environment itself', () => {
    expect(() => synthIdentity(fixtures.azureProduction, fixtures.azureProduction)).toThrow(
      /the promotion source of az-production is itself/,
    );
  });

  it('throws when the repository is not owner/name', () => {
    const bad = vary(fixtures.azureStaging, (d) => {
      d.delivery.repository = 'a/b/c';
    });
    expect(() => synthIdentity(bad)).toThrow(/delivery.repository is 'a\/b\/c'/);
  });
});
