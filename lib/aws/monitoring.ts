import { CfnBudget } from 'aws-cdk-lib/aws-budgets';
import { Construct } from 'constructs';
import type { AwsEnvironment, PlatformNames } from '../config';

export interface EnvironmentBudgetProps {
  readonly environment: AwsEnvironment;
  readonly names: PlatformNames;
}

/** Budget thresholds when the environment sets none, percent. */
export const DEFAULT_BUDGET_THRESHOLDS: readonly number[] = [80, 100];

/**
 * The environment's monthly cost budget: for every threshold, one notification on actual spend
 * and one on forecast spend, e-mailed to the alarm recipients. The budget covers the whole
 * account, so it assumes one account per environment (the AWS multi-account baseline).
 *
 * https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-managing-costs.html
 */
export class EnvironmentBudget extends Construct {
  public readonly resource: CfnBudget;

  constructor(scope: Construct, id: string, props: EnvironmentBudgetProps) {
    super(scope, id);
    const monitoring = props.environment.monitoring;
    const subscribers = monitoring.alarmEmails.map((address) => ({ subscriptionType: 'EMAIL', address }));
    const thresholds = monitoring.budgetThresholdsPercent ?? DEFAULT_BUDGET_THRESHOLDS;
    this.resource = new CfnBudget(this, 'Resource', {
      budget: {
        budgetName: props.names.resource('monthly'),
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: monitoring.monthlyBudgetUsd, unit: 'USD' },
      },
      notificationsWithSubscribers:
        subscribers.length === 0
          ? undefined
          : thresholds.flatMap((threshold) =>
              (['ACTUAL', 'FORECASTED'] as const).map((notificationType) => ({
                notification: {
                  notificationType,
                  comparisonOperator: 'GREATER_THAN',
                  threshold,
                  thresholdType: 'PERCENTAGE',
                },
                subscribers,
              })),
            ),
    });
  }
}
