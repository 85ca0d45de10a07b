/**
 * What an environment will look like and cost, before it is deployed: its diagram and its monthly
 * estimate, both derived from its synthesized output, so they follow the infrastructure.
 *
 *   const report = buildReport(env, { cloud: 'aws', templates });   // or { cloud: 'azure', terraform }
 *   formatRange(report.estimate);                                    // '$1,234.56–$5,678.90/month'
 *   report.budgetWarning;                                            // text, or undefined
 *   await writeReports('reports', [report]);                         // diagram.md/.svg, estimate.md/.json
 *   costChanges(baseReports, headReports).map((c) => c.text);        // 'staging ceiling +$1,840/month: ...'
 */
export { budgetWarning } from './budget';
export {
  type ConfigChange,
  type CostChange,
  configChanges,
  costChange,
  costChanges,
  type EstimatedEnvironment,
  type LineChange,
} from './change';
export { buildDiagram, type Diagram, type DiagramEdge, type DiagramGroup, type DiagramNode } from './diagram';
export {
  type Assumptions,
  type CostEstimate,
  type CostLine,
  DEFAULT_ASSUMPTIONS,
  type EstimateOptions,
  estimateCost,
  estimateJson,
  formatRange,
  renderEstimateMarkdown,
  usd,
} from './estimate';
export { type Inventory, readInventory } from './inventory';
export type { AwsOutput, AzureOutput, CfnResource, CfnTemplate, SynthesizedOutput, TerraformJson } from './output';
export { PRICES, type Price, type PriceTable } from './prices';
export { renderSvg, toDot, toMermaid } from './render';
export { buildReport, type EnvironmentReport, renderDiagramMarkdown } from './report';
export { writeReports } from './write';
