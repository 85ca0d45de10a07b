/**
 * What the report reads: an environment's synthesized output, as `cdk synth` and `cdktf synth`
 * write it, already parsed. Nothing here reads files; the caller passes the JSON.
 */

/** One resource of a CloudFormation template. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  /** A template condition that decides whether the resource exists. */
  readonly Condition?: string;
}

/** A CloudFormation template, as parsed from `<stack>.template.json`. */
export interface CfnTemplate {
  readonly Resources?: Readonly<Record<string, CfnResource>>;
  readonly Outputs?: Readonly<
    Record<string, { readonly Value?: unknown; readonly Export?: { readonly Name?: unknown } }>
  >;
  readonly Parameters?: Readonly<Record<string, { readonly Type: string; readonly Default?: unknown }>>;
}

/** A stack's Terraform JSON, as parsed from `cdktf.out/stacks/<stack>/cdk.tf.json`. */
export interface TerraformJson {
  readonly resource?: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>;
}

/** An AWS environment's output: the templates of every stack of its stage, by stack id (`Platform`, ...). */
export interface AwsOutput {
  readonly cloud: 'aws';
  readonly templates: Readonly<Record<string, CfnTemplate>>;
}

/** An Azure environment's output: its stack's Terraform JSON. */
export interface AzureOutput {
  readonly cloud: 'azure';
  readonly terraform: TerraformJson;
}

export type SynthesizedOutput = AwsOutput | AzureOutput;

/** A string, or undefined when the value is not a literal string (a token, an intrinsic, absent). */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A number, also from a numeric string; undefined when the value is not a literal number. */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

export function arr(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function obj(value: unknown): Readonly<Record<string, unknown>> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A nested configuration block, which cdktf writes as an object or a one-element list. */
export function block(value: unknown): Readonly<Record<string, unknown>> {
  return obj(Array.isArray(value) ? value[0] : value);
}

/** The logical id a CloudFormation `Ref` or `Fn::GetAtt` points at. */
export function cfnRef(value: unknown): string | undefined {
  const o = obj(value);
  if (typeof o.Ref === 'string') return o.Ref;
  const getAtt = o['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

/** The literal string parts of a CloudFormation value (a string, or the strings of an `Fn::Join`). */
export function cfnText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const join = obj(value)['Fn::Join'];
  if (Array.isArray(join) && Array.isArray(join[1])) {
    return join[1].map((part) => (typeof part === 'string' ? part : '…')).join(String(join[0] ?? ''));
  }
  return undefined;
}

/** A Terraform reference `${<type>.<name>.<attribute>}`, split; undefined for anything else. */
export function tfRef(
  value: unknown,
): { readonly type: string; readonly name: string; readonly attribute: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^\$\{([a-z0-9_]+)\.([^.}]+)\.([^}]+)\}$/.exec(value.trim());
  if (!match) return undefined;
  return { type: match[1] as string, name: match[2] as string, attribute: match[3] as string };
}
