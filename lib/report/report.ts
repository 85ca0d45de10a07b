/**
 * One environment's report: its inventory, diagram, estimate and budget check, built from its
 * synthesized output; and the diagram as a Markdown document.
 */
import type { PlatformEnvironment } from '../config';
import { budgetWarning } from './budget';
import { buildDiagram, type Diagram, routeGroups } from './diagram';
import { type CostEstimate, type EstimateOptions, estimateCost, formatRange } from './estimate';
import { type Inventory, readInventory } from './inventory';
import type { SynthesizedOutput } from './output';
import { toMermaid } from './render';

export interface EnvironmentReport {
  readonly environment: PlatformEnvironment;
  readonly inventory: Inventory;
  readonly diagram: Diagram;
  readonly estimate: CostEstimate;
  /** Set when the estimated ceiling exceeds `monitoring.monthlyBudgetUsd`. */
  readonly budgetWarning?: string;
}

/** The report of one environment from its synthesized output. Pure: reads nothing, writes nothing. */
export function buildReport(
  env: PlatformEnvironment,
  output: SynthesizedOutput,
  options: EstimateOptions = {},
): EnvironmentReport {
  const inventory = readInventory(env, output);
  const estimate = estimateCost(env, inventory, options);
  return {
    environment: env,
    inventory,
    diagram: buildDiagram(env, inventory),
    estimate,
    budgetWarning: budgetWarning(env, estimate),
  };
}

/** The diagram as a Markdown document: the Mermaid flowchart, the serving endpoints and the cost range. */
export function renderDiagramMarkdown(report: EnvironmentReport): string {
  const { inventory: inv, estimate } = report;
  const out = [
    `# ${report.diagram.title}`,
    '',
    `Monthly estimate: **${formatRange(estimate)}** (floor: pools at their minimum, ceiling: at their maximum; see [estimate.md](estimate.md)).`,
    '',
    '```mermaid',
    toMermaid(report.diagram).trimEnd(),
    '```',
    '',
  ];
  if (inv.routes.length + inv.loadBalancers.length > 0) {
    out.push('Serving endpoints:', '');
    for (const gw of inv.gateways) {
      for (const [, routes] of routeGroups(inv.routes.filter((r) => r.gateway === gw.id))) {
        for (const r of routes) out.push(`- \`${r.method} ${r.path}\` on ${gw.name}`);
      }
    }
    for (const lb of inv.loadBalancers) {
      for (const l of lb.listeners)
        out.push(
          `- ${lb.origin === 'runtime' ? 'load balancer' : lb.name} \`${l.protocol}:${l.port}\` → ${l.forwardsTo}`,
        );
    }
    out.push('');
  }
  if (inv.warnings.length > 0) out.push('Not read from the output:', '', ...inv.warnings.map((w) => `- ${w}`), '');
  out.push('_Generated from the synthesized output by lib/report; do not edit._', '');
  return out.join('\n');
}
