/**
 * The budget check: an environment whose estimated ceiling exceeds `monitoring.monthlyBudgetUsd`
 * would, at full scale, trip its own budget alarms. The synth script prints the warning.
 */
import type { PlatformEnvironment } from '../config';
import { type CostEstimate, usd } from './estimate';

/** The warning text when the estimate's ceiling exceeds the environment's monthly budget, else undefined. */
export function budgetWarning(env: PlatformEnvironment, estimate: CostEstimate): string | undefined {
  const budget = env.monitoring.monthlyBudgetUsd;
  if (estimate.ceilingUsd <= budget) return undefined;
  const floor =
    estimate.floorUsd > budget
      ? `even the floor (${usd(estimate.floorUsd)}) exceeds it`
      : `the floor is ${usd(estimate.floorUsd)}`;
  const largest = [...estimate.lines]
    .filter((l) => l.ceilingUsd > l.floorUsd)
    .sort((a, b) => b.ceilingUsd - b.floorUsd - (a.ceilingUsd - a.floorUsd))
    .slice(0, 2)
    .map((l) => `${l.item} (${usd(l.ceilingUsd)} at its maximum)`);
  const incomplete = estimate.lines.some((l) => l.missingPrice)
    ? ' The estimate misses some prices, so the real ceiling is higher.'
    : '';
  return (
    `${env.name}: the estimated ceiling of ${usd(estimate.ceilingUsd)}/month exceeds monitoring.monthlyBudgetUsd ` +
    `(${usd(budget)}) by ${usd(estimate.ceilingUsd - budget)}; ${floor}.` +
    (largest.length > 0 ? ` Largest above the floor: ${largest.join(', ')}.` : '') +
    ` Lower the pools' maxNodes or raise the budget.${incomplete}`
  );
}
