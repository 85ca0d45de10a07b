import { beforeAll, describe, expect, it } from 'vitest';
import { environments } from '../../environments';
import { delivery } from '../../environments/delivery';
import { awsZoneNames, type PlatformEnvironment, resolveGpuMachineType } from '../../lib/config';
import {
  buildReport,
  type EnvironmentReport,
  renderDiagramMarkdown,
  type SynthesizedOutput,
  toDot,
  toMermaid,
} from '../../lib/report';
import { shippedOutputs } from './synth';

/** What Mermaid needs to parse the chart: balanced subgraphs, unique ids, edges between declared ids. */
function checkMermaid(chart: string): void {
  const lines = chart.split('\n').map((l) => l.trim());
  expect(lines[0]).toBe('flowchart LR');
  const subgraphs = lines.filter((l) => l.startsWith('subgraph ')).map((l) => l.split(/[ [ ]/)[1]);
  expect(lines.filter((l) => l === 'end')).toHaveLength(subgraphs.length);
  const nodes = lines
    .filter((l) => /^[A-Za-z0-9_]+(\[|\(|\{\{|>)/.test(l))
    .map((l) => (/^[A-Za-z0-9_]+/.exec(l) as RegExpExecArray)[0]);
  const declared = [...subgraphs, ...nodes];
  expect(new Set(declared).size).toBe(declared.length);
  for (const edge of lines.filter((l) => / -(-|\.)->/.test(l))) {
    const [from, , ...rest] = edge.split(' ');
    const to = rest[rest.length - 1];
    expect(declared).toContain(from);
    expect(declared).toContain(to);
  }
  // Quotes inside labels would end them early.
  for (const label of chart.matchAll(/"([^"]*)"/g)) expect(label[1]).not.toContain('"');
}

function size(min: number, max: number): string {
  return min === max ? `${min}` : `${min}–${max}`;
}

describe.each(environments.map((env) => [env.name, env] as const))(
  'diagram of %s',
  (_name, env: PlatformEnvironment) => {
    let report: EnvironmentReport;
    let chart: string;
    /** The chart with wrapped label lines joined, for text that may wrap. */
    let flat: string;

    beforeAll(() => {
      const output = shippedOutputs().get(env.name);
      if (!output) throw new Error(`no output for ${env.name}`);
      report = buildReport(env, output);
      chart = toMermaid(report.diagram);
      flat = chart.replace(/<br\/>/g, ' ');
    });

    it('is a Mermaid flowchart that parses', () => {
      checkMermaid(chart);
    });

    it('shows every pool with its machine type and size', () => {
      const cloud = env.target.cloud;
      const system = env.kubernetes.systemPool;
      expect(chart).toContain(
        `system pool<br/>${system.machineType} × ${size(system.minNodes, system.maxNodes)} nodes`,
      );
      for (const pool of env.kubernetes.gpuPools) {
        const type = resolveGpuMachineType(cloud, pool);
        expect(chart).toContain(
          `GPU pool ${pool.name}<br/>${type} × ${size(pool.minNodes, pool.maxNodes)} nodes<br/>${pool.capacity}`,
        );
      }
    });

    it('shows every zone', () => {
      if (env.target.cloud === 'aws') {
        // Subnets per zone, with their CIDRs.
        for (const zone of awsZoneNames(env.target.region, env.network.availabilityZones)) {
          expect(chart).toMatch(new RegExp(`${zone} · \\d+\\.\\d+\\.\\d+\\.\\d+/\\d+`));
        }
      } else {
        // Azure subnets are regional; the pools name their zones.
        const shown = new Set([...chart.matchAll(/zones ([0-9, ]+)/g)].flatMap((m) => (m[1] as string).split(', ')));
        const expected = ['1', '2', '3'].slice(0, env.network.availabilityZones);
        for (const zone of expected) expect(shown).toContain(zone);
      }
    });

    it('shows every API route and every load balancer listener of the output', () => {
      const { routes, loadBalancers } = report.inventory;
      expect(routes.length).toBeGreaterThan(0);
      const markdown = renderDiagramMarkdown(report);
      for (const route of routes) {
        expect(chart).toContain(`${route.method} ${route.path}`);
        expect(markdown).toContain(`\`${route.method} ${route.path}\``);
      }
      for (const listener of loadBalancers.flatMap((lb) => lb.listeners)) {
        expect(chart).toContain(`${listener.protocol}:${listener.port} → ${listener.forwardsTo}`);
      }
    });

    it('shows the network, the cluster, storage zones, keys, registry, monitoring and the delivery path', () => {
      expect(chart).toContain(env.network.cidr);
      expect(chart).toContain(`Kubernetes ${env.kubernetes.version}`);
      for (const zone of env.storage.zones) expect(chart).toContain(zone);
      expect(chart).toMatch(env.target.cloud === 'aws' ? /KMS · \d+ keys/ : /Key Vault .* \(premium\)/);
      expect(chart).toContain(env.target.cloud === 'aws' ? 'ECR' : 'ACR ');
      expect(chart).toContain(`budget $${env.monitoring.monthlyBudgetUsd.toLocaleString('en-US')}/month`);
      expect(flat).toContain(`${env.delivery.repository} @ ${env.delivery.branch}`);
      // The path a change takes into the environment, as the output grants it.
      for (const part of report.inventory.delivery) expect(flat).toContain(part.label);
      if (env.target.cloud === 'azure') expect(flat).toMatch(/GitHub .*:environment:/);
      else if (delivery.promotionOrder.includes(env.name)) expect(flat).toMatch(/assumed from account \d{12}/);
    });

    it(env.hybrid ? 'shows the hybrid link to on-premises' : 'shows no hybrid link', () => {
      const hybrid = env.hybrid;
      if (!hybrid) {
        expect(chart).not.toContain('On-premises');
        expect(report.inventory.hybrid).toEqual([]);
        return;
      }
      expect(chart).toContain(`On-premises data centre · ${hybrid.onPremCidrs.join(' · ')}`);
      const link = { vpn: 'site-to-site VPN', 'direct-connect': 'Direct Connect', expressroute: 'ExpressRoute' }[
        hybrid.linkType
      ];
      expect(flat).toContain(link);
      if (hybrid.gatewayIp) expect(flat).toContain(hybrid.gatewayIp);
      for (const server of hybrid.dnsServers ?? []) expect(flat).toContain(server);
      expect(chart).toMatch(/Resolver (inbound|outbound)/);
    });

    it('renders as Graphviz DOT with every group as a cluster', () => {
      const dot = toDot(report.diagram);
      expect(dot.startsWith('digraph environment {')).toBe(true);
      const groups = (chart.match(/^\s*subgraph /gm) ?? []).length;
      expect((dot.match(/subgraph cluster_/g) ?? []).length).toBe(groups);
    });
  },
);

describe.each(environments.map((env) => [env.name, env] as const))(
  'estimate of %s',
  (_name, env: PlatformEnvironment) => {
    let report: EnvironmentReport;

    beforeAll(() => {
      report = buildReport(env, shippedOutputs().get(env.name) as SynthesizedOutput);
    });

    it('counts what the output holds', () => {
      const { lines } = report.estimate;
      const nat = lines.find((l) => l.key === 'nat');
      const natGateways =
        env.target.cloud === 'aws' ? Math.min(env.network.natGateways, env.network.availabilityZones) : 1;
      if (env.network.natGateways === 0) expect(nat).toBeUndefined();
      else expect(nat?.item).toBe(`${natGateways} NAT gateway${natGateways === 1 ? '' : 's'}`);
      for (const pool of env.kubernetes.gpuPools) {
        const line = lines.find((l) => l.key === `nodes/${pool.name}`);
        expect(line?.item).toBe(
          `GPU pool ${pool.name}: ${resolveGpuMachineType(env.target.cloud, pool)}, ${pool.capacity}`,
        );
        expect(line?.basis).toMatch(new RegExp(`^${pool.minNodes}–${pool.maxNodes} × `));
      }
      expect(report.estimate.floorUsd).toBeLessThanOrEqual(report.estimate.ceilingUsd);
    });

    it('prices every line from the table, or says why not', () => {
      // Only entries the table records as unavailable may be missing: nothing is absent by oversight.
      for (const warning of report.estimate.warnings.filter((w) => w.startsWith('no price'))) {
        expect(warning).not.toContain('in lib/report/prices.ts');
      }
      for (const line of report.estimate.lines) {
        for (const price of line.prices) expect(price.source).toMatch(/^https:\/\//);
      }
    });
  },
);
