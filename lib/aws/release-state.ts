/**
 * The serving release state of an AWS environment: per model the fields of
 * `releaseParameterName` (`blue-image`, `green-image`, `green-weight`, `candidate`) and the two
 * agent images, as SSM parameters, and how the `Serving` stack reads them. The Azure twin is
 * lib/azure/release.ts (`release.json`).
 *
 * The stack takes them as CloudFormation parameters of type `AWS::SSM::Parameter::Value<String>`,
 * not plain ones: CDK Pipelines and `cdk deploy` pass no parameter values, so plain parameters
 * would fall back to their defaults on every platform deploy and undo the last release.
 * SSM-typed parameters are resolved on every create and update, so a deploy by anyone serves the
 * current release, and a release (the model pipeline's CloudFormation action) is: write the SSM
 * values, update the stack with the same template. The parameter history in SSM is the release
 * history.
 */
import { CfnCondition, CfnMapping, CfnParameter, Fn, type ICfnConditionExpression, Stack, Token } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import {
  NO_IMAGE,
  parameterRoot,
  type ReleaseField,
  type RolloutPolicy,
  releaseParameterName,
  SLOTS,
  type Slot,
} from '../config';
import { pascal } from './storage';

export const RELEASE_FIELDS: readonly ReleaseField[] = ['blue-image', 'green-image', 'green-weight', 'candidate'];

/** The state before the first release: no slot runs anything, green is the first candidate. */
export const INITIAL_RELEASE: Readonly<Record<ReleaseField, string>> = {
  'blue-image': NO_IMAGE,
  'green-image': NO_IMAGE,
  'green-weight': '0',
  candidate: 'green',
};

/** The agent images of the release state, beside every model container. */
export type AgentImageField = 'agent-image' | 'appconfig-agent-image';

/**
 * `/mlops/<env>/serving/agent-image` (the model agent) and `.../appconfig-agent-image` (the
 * AppConfig agent from the ECR Public pull-through cache): `<registry>/<repository>@sha256:<digest>`
 * or `none`.
 */
export function agentImageParameterName(environmentName: string, field: AgentImageField): string {
  return `${parameterRoot(environmentName)}/serving/${field}`;
}

/** The CloudFormation parameter key of a model's release field: `ChurnGreenWeight`. */
export function releaseParameterKey(model: string, field: ReleaseField): string {
  return `${pascal(model)}${pascal(field)}`;
}

/** The CloudFormation parameter keys of the agent images. */
export const AGENT_IMAGE_KEYS: Readonly<Record<AgentImageField, string>> = {
  'agent-image': 'AgentImage',
  'appconfig-agent-image': 'AppConfigAgentImage',
};

/** Green weights a release may set: 0 to 100. Blue takes the rest. */
export const WEIGHTS = Array.from({ length: 101 }, (_, weight) => weight);

/** The slot batch and drift jobs use: green from half the live traffic on (as `liveSlot` on Azure). */
export function liveSlotOf(greenWeight: number): Slot {
  return greenWeight >= 50 ? 'green' : 'blue';
}

export interface ReleaseStateProps {
  readonly environmentName: string;
  readonly models: readonly string[];
}

/**
 * The SSM parameters of the release state, with their values before the first release. They live
 * in the platform stack: they must exist before the `Serving` stack resolves them, and
 * CloudFormation writes a value only when it creates the parameter or its template properties
 * change, which nothing does; releases write the values with `ssm put-parameter`.
 */
export class ReleaseState extends Construct {
  /** Every parameter by name. */
  public readonly parameters: Readonly<Record<string, ssm.StringParameter>>;

  constructor(scope: Construct, id: string, props: ReleaseStateProps) {
    super(scope, id);
    const parameters: Record<string, ssm.StringParameter> = {};
    const add = (key: string, name: string, value: string, description: string) => {
      parameters[name] = new ssm.StringParameter(this, key, {
        parameterName: name,
        stringValue: value,
        description,
        tier: ssm.ParameterTier.STANDARD,
      });
      // An update of the parameter resource (a changed tag of the environment, say) would write
      // the template's initial value over the live release: no tags, so nothing ever changes.
      (parameters[name].node.defaultChild as ssm.CfnParameter).addPropertyDeletionOverride('Tags');
    };
    for (const field of ['agent-image', 'appconfig-agent-image'] as const) {
      add(
        AGENT_IMAGE_KEYS[field],
        agentImageParameterName(props.environmentName, field),
        NO_IMAGE,
        `Serving release: ${field === 'agent-image' ? 'model agent' : 'AppConfig agent'} image by digest, or none`,
      );
    }
    for (const model of props.models) {
      for (const field of RELEASE_FIELDS) {
        add(
          releaseParameterKey(model, field),
          releaseParameterName(props.environmentName, model, field),
          INITIAL_RELEASE[field],
          `Serving release of ${model}: ${field} (written by releases, read by the Serving stack)`,
        );
      }
    }
    this.parameters = parameters;
  }
}

/** One model's release as the `Serving` stack sees it: deploy-time values and conditions. */
export interface ModelReleaseValues {
  /** `<tag>@sha256:<digest>` of each slot (a token). */
  readonly image: Readonly<Record<Slot, string>>;
  /** The tag of each slot's image (a token), the pods' version. */
  readonly version: Readonly<Record<Slot, string>>;
  /** Each slot has an image and the agents are released: its objects exist. */
  readonly released: Readonly<Record<Slot, CfnCondition>>;
  /** Live listener weights of each slot (tokens of numbers), green = the parameter, blue = 100 - it. */
  readonly weight: Readonly<Record<Slot, number>>;
  /** The candidate (preview) slot is green. */
  readonly candidateGreen: CfnCondition;
  /**
   * The conditions of the model's jobs, created on first use (CloudFormation warns of unused
   * conditions): `anyReleased`, some slot runs the model; `greenLive`, the jobs use green's image.
   */
  jobConditions(): { readonly anyReleased: CfnCondition; readonly greenLive: CfnCondition };
}

/**
 * The release state as parameters of a stack: SSM-typed parameters whose defaults are the SSM
 * names, the weight table (a `CfnMapping` from each allowed green weight to both slots' weights
 * and the live slot: CloudFormation has no arithmetic, and a weight outside 0-100 fails the
 * deploy at the lookup), and the conditions the stack's resources use.
 */
export class ReleaseParameters extends Construct {
  public readonly agentImage: string;
  public readonly appConfigAgentImage: string;
  /** Both agent images are released: no slot is applied before. */
  public readonly agentsReleased: CfnCondition;
  private readonly models = new Map<string, ModelReleaseValues>();

  constructor(scope: Construct, id: string, props: ReleaseStateProps) {
    super(scope, id);
    // Top-level ids, so the logical ids are the keys the pipeline's parameter overrides name.
    const stack = Stack.of(this);
    const param = (key: string, name: string, description: string) =>
      new CfnParameter(stack, key, {
        type: 'AWS::SSM::Parameter::Value<String>',
        default: name,
        description,
      });
    const none = (value: string): ICfnConditionExpression => Fn.conditionEquals(value, NO_IMAGE);
    const agent = param(
      AGENT_IMAGE_KEYS['agent-image'],
      agentImageParameterName(props.environmentName, 'agent-image'),
      'SSM parameter of the model agent image',
    );
    const appConfigAgent = param(
      AGENT_IMAGE_KEYS['appconfig-agent-image'],
      agentImageParameterName(props.environmentName, 'appconfig-agent-image'),
      'SSM parameter of the AppConfig agent image',
    );
    this.agentImage = agent.valueAsString;
    this.appConfigAgentImage = appConfigAgent.valueAsString;
    this.agentsReleased = new CfnCondition(stack, 'AgentsReleased', {
      expression: Fn.conditionAnd(
        Fn.conditionNot(none(this.agentImage)),
        Fn.conditionNot(none(this.appConfigAgentImage)),
      ),
    });
    const weights = new CfnMapping(stack, 'Weights', {
      mapping: Object.fromEntries(
        WEIGHTS.map((green) => [String(green), { blue: 100 - green, green, live: liveSlotOf(green) }]),
      ),
    });

    for (const model of props.models) {
      const p = pascal(model);
      const values = Object.fromEntries(
        RELEASE_FIELDS.map((field) => [
          field,
          param(
            releaseParameterKey(model, field),
            releaseParameterName(props.environmentName, model, field),
            `SSM parameter of ${model}'s ${field}`,
          ).valueAsString,
        ]),
      ) as Record<ReleaseField, string>;
      const released = Object.fromEntries(
        SLOTS.map((slot) => [
          slot,
          new CfnCondition(stack, `${p}${pascal(slot)}Released`, {
            expression: Fn.conditionAnd(Fn.conditionNot(none(values[`${slot}-image`])), this.agentsReleased),
          }),
        ]),
      ) as Record<Slot, CfnCondition>;
      const weight = values['green-weight'];
      let jobConditions: { anyReleased: CfnCondition; greenLive: CfnCondition } | undefined;
      const jobConditionsOf = () => {
        jobConditions ??= {
          anyReleased: new CfnCondition(stack, `${p}Released`, {
            expression: Fn.conditionOr(released.blue, released.green),
          }),
          // As Azure's liveSlot: green when it runs something and has half the traffic, or blue runs nothing.
          greenLive: new CfnCondition(stack, `${p}GreenLive`, {
            expression: Fn.conditionAnd(
              Fn.conditionNot(none(values['green-image'])),
              Fn.conditionOr(
                Fn.conditionEquals(Fn.findInMap(weights.logicalId, weight, 'live'), 'green'),
                none(values['blue-image']),
              ),
            ),
          }),
        };
        return jobConditions;
      };
      this.models.set(model, {
        image: { blue: values['blue-image'], green: values['green-image'] },
        version: {
          blue: Fn.select(0, Fn.split('@', values['blue-image'])),
          green: Fn.select(0, Fn.split('@', values['green-image'])),
        },
        released,
        weight: {
          blue: Token.asNumber(Fn.findInMap(weights.logicalId, weight, 'blue')),
          green: Token.asNumber(Fn.findInMap(weights.logicalId, weight, 'green')),
        },
        candidateGreen: new CfnCondition(stack, `${p}CandidateGreen`, {
          expression: Fn.conditionEquals(values.candidate, 'green'),
        }),
        jobConditions: jobConditionsOf,
      });
    }
  }

  /** The deploy-time values of one model. */
  model(name: string): ModelReleaseValues {
    const values = this.models.get(name);
    if (!values) throw new Error(`no release parameters for model ${name}`);
    return values;
  }
}

/**
 * The green weights a release moves through after the smoke test: a canary's steps then 100, or
 * blue/green's single move to 100. Each step is baked; rolling back is the move to 0 (or to 100
 * when the candidate was blue, as the pipeline swaps slots).
 */
export function rolloutWeights(policy: RolloutPolicy): number[] {
  return policy.strategy === 'blue-green' ? [100] : [...policy.steps.map((step) => step.weightPercent), 100];
}
