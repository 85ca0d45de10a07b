import { FederatedIdentityCredential } from '@cdktf/provider-azurerm/lib/federated-identity-credential';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import type { AzureEnvironment, PlatformNames } from '../config';

/**
 * The pool name (`POOL_LABEL` of lib/config/conventions.ts) on-premises GPU nodes are labelled
 * with; they carry the same GPU taint and accelerator label as the cloud pools.
 */
export const ON_PREM_POOL = 'onprem';

/** Built-in role that can connect a Kubernetes cluster to Azure Arc and nothing else. */
export const ARC_ONBOARDING_ROLE = 'Kubernetes Cluster - Azure Arc Onboarding';
/** GitHub's OIDC issuer and the audience Entra ID expects for workload identity federation. */
const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
const ENTRA_AUDIENCE = 'api://AzureADTokenExchange';

export interface HybridArcProps {
  readonly environment: AzureEnvironment;
  readonly names: PlatformNames;
}

/**
 * What the platform provides for on-premises GPU clusters that join through Azure Arc-enabled
 * Kubernetes (https://learn.microsoft.com/azure/azure-arc/kubernetes/overview):
 *
 * - a resource group of its own for the connected clusters, so their lifecycle and access are
 *   separate from the platform's;
 * - a user-assigned identity holding only the "Kubernetes Cluster - Azure Arc Onboarding" role on
 *   that group (https://learn.microsoft.com/azure/azure-arc/kubernetes/quickstart-connect-cluster),
 *   instead of a service principal with a client secret;
 * - a federated credential that lets a GitHub Actions job of the delivery repository, running in
 *   the GitHub environment `<env>-arc` on a self-hosted runner inside the data centre (the only
 *   place that reaches the on-premises cluster API), sign in as that identity with no secret.
 *
 * The onboarding steps, GPU labels and taints and the outbound endpoints the Arc agents need are
 * in docs/hybrid-azure.md.
 */
export class HybridArc extends Construct {
  public readonly resourceGroup: ResourceGroup;
  public readonly identity: UserAssignedIdentity;
  public readonly onboarding: RoleAssignment;
  /** The GitHub environment whose jobs may sign in as the onboarding identity. */
  public readonly githubEnvironment: string;

  constructor(scope: Construct, id: string, props: HybridArcProps) {
    super(scope, id);
    const { environment: env, names } = props;

    this.resourceGroup = new ResourceGroup(this, 'Resource', {
      name: names.azure('rg', 'arc'),
      location: env.target.location,
    });
    this.identity = new UserAssignedIdentity(this, 'onboarding-identity', {
      name: names.azure('id', 'arc-onboarding'),
      resourceGroupName: this.resourceGroup.name,
      location: env.target.location,
    });
    this.onboarding = new RoleAssignment(this, 'onboarding-role', {
      scope: this.resourceGroup.id,
      roleDefinitionName: ARC_ONBOARDING_ROLE,
      principalId: this.identity.principalId,
      // A new identity may not have replicated in Entra ID yet; the type skips that lookup.
      principalType: 'ServicePrincipal',
      description: 'Connects on-premises GPU clusters to Azure Arc (docs/hybrid-azure.md)',
    });
    this.githubEnvironment = `${env.name}-arc`;
    new FederatedIdentityCredential(this, 'onboarding-federation', {
      name: 'github-arc-onboarding',
      resourceGroupName: this.resourceGroup.name,
      parentId: this.identity.id,
      issuer: GITHUB_ISSUER,
      audience: [ENTRA_AUDIENCE],
      subject: `repo:${env.delivery.repository}:environment:${this.githubEnvironment}`,
    });

    new TerraformOutput(this, 'resource-group-name', {
      description: 'Resource group that on-premises clusters connect to Azure Arc in',
      value: this.resourceGroup.name,
    });
    new TerraformOutput(this, 'onboarding-client-id', {
      description:
        'Client id the Arc onboarding job signs in with (az login --service-principal ... --federated-token)',
      value: this.identity.clientId,
    });
  }
}
