import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges compliance findings on `scope` (and its children), each with its own reason. Ids are
 * the exact ids synthesis prints, e.g. `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/X]`.
 */
export function acknowledge(scope: IConstruct, findings: Readonly<Record<string, string>>): void {
  for (const [id, reason] of Object.entries(findings)) Validations.of(scope).acknowledge({ id, reason });
}

/** The id of an AwsSolutions-IAM4 finding for one AWS managed policy (`service-role/...` included). */
export function managedPolicyFinding(policy: string): string {
  return `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policy}]`;
}

/** Both packs' "inline policy" findings, which apply to every role CDK grants to. */
export function inlinePolicyFindings(reason: string): Record<string, string> {
  return { 'HIPAA.Security-IAMNoInlinePolicy': reason, 'NIST.800.53.R5-IAMNoInlinePolicy': reason };
}

export const INLINE_POLICY_REASON =
  'The policy belongs to this one role and is created, changed and deleted with it; least privilege is in its statements, and a separate customer-managed policy would add no control';
