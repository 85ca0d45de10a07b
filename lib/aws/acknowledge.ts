import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges compliance findings on `scope` (and its children), each with its own reason. Ids are
 * the exact ids synthesis prints, e.g. `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/X]`.
 * Where an id names another resource (`<Bucket1234ABCD.Arn>`), build it with `logicalIdOf` rather
 * than copying the logical id from a template, so that it follows the resource.
 *
 * The acknowledgements are written into the templates' metadata (`cdk_nag.rules_to_suppress`) by
 * the aspect that `addCompliancePacks` / `writeAcknowledgements` registers on the app and on each stage.
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

/**
 * The logical id that a construct's CloudFormation resource (its default child, or the construct
 * itself when it is a CfnElement) gets in its stack, as finding ids spell it (`<id.Arn>`).
 */
export function logicalIdOf(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).resolve(Stack.of(construct).getLogicalId(element)) as string;
}

/**
 * The id of an AwsSolutions-IAM5 finding for a wildcard resource ARN built in the stack (for
 * example with `Stack.formatArn`), spelled as the pack prints it: literal where the stack knows the
 * value, `<AWS::Partition>`-style where it is a reference.
 */
export function wildcardResourceFinding(scope: IConstruct, arn: string): string {
  return `AwsSolutions-IAM5[Resource::${render(Stack.of(scope).resolve(arn))}]`;
}

function render(value: unknown): string {
  if (typeof value === 'string') return value;
  const record = value as Record<string, unknown>;
  if (typeof record.Ref === 'string') return `<${record.Ref}>`;
  const join = record['Fn::Join'] as [string, unknown[]] | undefined;
  if (join) return join[1].map(render).join(join[0]);
  return JSON.stringify(value);
}

export const INLINE_POLICY_REASON =
  'The policy belongs to this one role and is created, changed and deleted with it; least privilege is in its statements, and a separate customer-managed policy would add no control';
