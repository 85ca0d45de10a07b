/**
 * Prints the README's "What an environment looks like and costs" example: one shipped
 * environment's Mermaid diagram and estimate, from its synthesized output.
 *
 *   npx tsx test/report/readme-example.ts [environment]     (default: hybrid)
 */
import { environments } from '../../environments';
import { buildReport, renderEstimateMarkdown, toMermaid } from '../../lib/report';
import { shippedOutputs } from './synth';

const name = process.argv[2] ?? 'hybrid';
const env = environments.find((e) => e.name === name);
if (!env) throw new Error(`no environment ${name}; one of ${environments.map((e) => e.name).join(', ')}`);
const output = shippedOutputs().get(name);
if (!output) throw new Error(`no output for ${name}`);
const report = buildReport(env, output);
// The estimate's own heading and price list stay in estimate.md; the README shows the table.
const estimate = renderEstimateMarkdown(report.estimate, env.monitoring.monthlyBudgetUsd)
  .split('\n')
  .slice(2)
  .join('\n')
  .split('\nPrices used')[0];
process.stdout.write(
  ['```mermaid', toMermaid(report.diagram).trimEnd(), '```', '', estimate?.trimEnd(), ''].join('\n'),
);
