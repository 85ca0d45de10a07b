/** Alarm recipients, log retention, budget and alarm thresholds. */
import type { PlatformEnvironment } from '../types';
import { type Checker, PATTERNS } from './checker';

/** CloudWatch Logs' allowed retention values, days (PutRetentionPolicy). */
export const CLOUDWATCH_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** Log Analytics workspace retention range on the PerGB2018 tier, days. */
export const LOG_ANALYTICS_RETENTION = { min: 30, max: 730 } as const;

export function checkMonitoring(c: Checker, env: PlatformEnvironment): void {
  const mon = env.monitoring;
  mon.alarmEmails.forEach((email, i) => {
    if (!PATTERNS.email.test(email)) {
      c.error(`monitoring.alarmEmails[${i}]`, email, 'is not an e-mail address', 'fix the address');
    }
  });
  if (mon.alarmEmails.length > 10) {
    // AWS Budgets and Azure action groups both cap e-mail receivers per notification at 10.
    c.error('monitoring.alarmEmails', mon.alarmEmails, 'lists more than 10 addresses', 'use a distribution list');
  }
  if (env.stage === 'production' && mon.alarmEmails.length === 0) {
    c.error(
      'monitoring.alarmEmails',
      mon.alarmEmails,
      'is empty in production, so alarms and budget alerts reach nobody',
      'add the on-call address',
    );
  }
  if (env.target.cloud === 'aws' && !CLOUDWATCH_RETENTION_DAYS.includes(mon.logRetentionDays)) {
    const nearest = CLOUDWATCH_RETENTION_DAYS.find((d) => d >= mon.logRetentionDays) ?? 3653;
    c.error(
      'monitoring.logRetentionDays',
      mon.logRetentionDays,
      'is not a retention CloudWatch Logs accepts',
      `use one of CloudWatch's values, for example ${nearest}`,
    );
  }
  if (env.target.cloud === 'azure') {
    const { min, max } = LOG_ANALYTICS_RETENTION;
    c.intInRange(
      'monitoring.logRetentionDays',
      mon.logRetentionDays,
      min,
      max,
      `use ${min}-${max} days (Log Analytics)`,
    );
  }
  if (typeof mon.monthlyBudgetUsd !== 'number' || !Number.isFinite(mon.monthlyBudgetUsd) || mon.monthlyBudgetUsd <= 0) {
    c.error(
      'monitoring.monthlyBudgetUsd',
      mon.monthlyBudgetUsd,
      'must be greater than 0',
      'set the monthly spend you expect, in USD',
    );
  }
  if (mon.budgetStartMonth !== undefined && !/^20\d\d-(0[1-9]|1[0-2])$/.test(mon.budgetStartMonth)) {
    c.error(
      'monitoring.budgetStartMonth',
      mon.budgetStartMonth,
      'is not a month as YYYY-MM',
      "use the coming month, for example '2026-12'",
    );
  }
  (mon.budgetThresholdsPercent ?? []).forEach((pct, i) => {
    c.intInRange(
      `monitoring.budgetThresholdsPercent[${i}]`,
      pct,
      1,
      1000,
      'use a percentage of the budget, such as 80 or 100',
    );
  });
  if (mon.apiErrorRatePercent !== undefined) {
    c.numberInRange(
      'monitoring.apiErrorRatePercent',
      mon.apiErrorRatePercent,
      0.1,
      100,
      'alarm at a share of 5xx answers such as 5 percent',
    );
  }
  if (mon.apiLatencyP99Ms !== undefined) {
    c.intInRange(
      'monitoring.apiLatencyP99Ms',
      mon.apiLatencyP99Ms,
      10,
      600_000,
      'alarm at a p99 latency such as 10000 ms',
    );
  }
}
