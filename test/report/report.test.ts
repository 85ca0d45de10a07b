import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type AwsOutput,
  type AzureOutput,
  buildReport,
  type CfnResource,
  type CfnTemplate,
  estimateJson,
  renderDiagramMarkdown,
  renderEstimateMarkdown,
  renderSvg,
  toDot,
  toMermaid,
  writeReports,
} from '../../lib/report';
import { vary } from '../util';
import { awsOutputFor, azureOutputFor, TEST_PRICES, TEST_VOLUMES, tf, tinyAws, tinyAzure } from './fixtures';

const options = { ...TEST_VOLUMES, prices: TEST_PRICES };

/**
 * The tiny AWS output with a second stack of the kinds serving adds: a route per model on the
 * platform stack's API, a listener per port on its load balancer, referenced through exports the
 * way CDK writes cross-stack references.
 */
function withServing(output: AwsOutput): AwsOutput {
  const platform = output.templates.Platform as CfnTemplate;
  const exported = (id: string, attribute?: string) => ({
    Value: attribute ? { 'Fn::GetAtt': [id, attribute] } : { Ref: id },
    Export: { Name: `Tiny-Platform:ExportsOutput${attribute ? `FnGetAtt${id}${attribute}` : `Ref${id}`}` },
  });
  const imported = (id: string, attribute?: string) => ({
    'Fn::ImportValue': `Tiny-Platform:ExportsOutput${attribute ? `FnGetAtt${id}${attribute}` : `Ref${id}`}`,
  });
  const serving: Record<string, CfnResource> = {
    Churn: {
      Type: 'AWS::ApiGateway::Resource',
      Properties: { RestApiId: imported('Api'), ParentId: imported('Models'), PathPart: 'churn' },
    },
    ChurnHealth: {
      Type: 'AWS::ApiGateway::Resource',
      Properties: { RestApiId: imported('Api'), ParentId: { Ref: 'Churn' }, PathPart: 'health' },
    },
    ChurnHealthGet: {
      Type: 'AWS::ApiGateway::Method',
      Properties: {
        RestApiId: imported('Api'),
        ResourceId: { Ref: 'ChurnHealth' },
        HttpMethod: 'GET',
        Integration: { Uri: { 'Fn::Join': ['', ['http://', imported('Nlb', 'DNSName'), ':9000/health']] } },
      },
    },
    Blue: { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup', Properties: { Port: 8000, TargetType: 'ip' } },
    Green: { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup', Properties: { Port: 8000, TargetType: 'ip' } },
    Live9000: {
      Type: 'AWS::ElasticLoadBalancingV2::Listener',
      Properties: {
        LoadBalancerArn: imported('Nlb'),
        Port: 9000,
        Protocol: 'TCP',
        DefaultActions: [
          {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: [{ TargetGroupArn: { Ref: 'Blue' } }, { TargetGroupArn: { Ref: 'Green' } }],
            },
          },
        ],
      },
    },
  };
  return {
    cloud: 'aws',
    templates: {
      Platform: {
        Resources: platform.Resources,
        Outputs: {
          ExportApi: exported('Api'),
          ExportModels: exported('Models'),
          ExportNlb: exported('Nlb'),
          ExportNlbDns: exported('Nlb', 'DNSName'),
        },
      },
      Serving: { Resources: serving },
    },
  };
}

describe('the diagram follows the output', () => {
  it('shows routes and listeners that another stack adds, without changes to the report', () => {
    const report = buildReport(tinyAws, withServing(awsOutputFor(tinyAws)), options);
    const chart = toMermaid(report.diagram);
    expect(report.inventory.routes.find((r) => r.path === '/models/churn/health')?.targets).toEqual(['Platform/Nlb']);
    expect(chart).toContain('GET /models/churn/health');
    expect(chart).toContain('TCP:9000 → ip:8000');
    // One node per model's routes, next to the generic route.
    expect(chart).toMatch(/routes_models_churn\["GET \/models\/churn\/health"\]/);
    expect(chart).toMatch(/routes_models_model_\["POST \/models\/\{model\}\/invoke"\]/);
    expect(renderDiagramMarkdown(report)).toContain('- `GET /models/churn/health` on model-api');
  });

  it('groups Azure API Management operations per model and draws the backend load balancer in its subnet', () => {
    const output = azureOutputFor(tinyAzure);
    const resources = output.terraform.resource as Record<string, Record<string, Record<string, unknown>>>;
    const operations = { ...resources.azurerm_api_management_api_operation };
    for (const [name, method, template] of [
      ['invoke', 'POST', '/churn/invoke'],
      ['health', 'GET', '/churn/health'],
    ] as const) {
      operations[name] = {
        api_management_name: tf('azurerm_api_management.apim', 'name'),
        api_name: tf('azurerm_api_management_api.models', 'name'),
        method,
        url_template: template,
      };
    }
    const report = buildReport(
      tinyAzure,
      {
        cloud: 'azure',
        terraform: { resource: { ...resources, azurerm_api_management_api_operation: operations } },
      } as AzureOutput,
      options,
    );
    const chart = toMermaid(report.diagram);
    expect(chart).toContain('routes_models_churn["GET /models/churn/health<br/>POST /models/churn/invoke"]');
    expect(chart).toMatch(
      /subgraph subnet_snet_system\["snet-system"\]\n.*\n\s+lb_internal_load_balancer_10_1_63_254\("internal load balancer 10\.1\.63\.254/,
    );
  });

  it('keeps labels inside their quotes', () => {
    const env = vary(tinyAws, (d) => {
      d.delivery.repository = 'org/"quoted" <repo>';
    });
    const chart = toMermaid(buildReport(env, awsOutputFor(env), options).diagram);
    expect(chart).toContain('org/#quot;quoted#quot; #lt;repo#gt; @ main');
    expect(toDot(buildReport(env, awsOutputFor(env), options).diagram)).toContain('org/\\"quoted\\" <repo> @ main');
  });
});

describe('rendering', () => {
  const report = buildReport(tinyAws, awsOutputFor(tinyAws), options);

  it('renders the DOT as SVG offline', async () => {
    const svg = await renderSvg(toDot(report.diagram));
    expect(svg).toContain('<svg');
    expect(svg).toContain('GPU pool infer');
    expect(svg).toContain('g6.xlarge × 0–4 nodes');
  });

  it('anchors edges to a group on the group border', () => {
    expect(toDot(report.diagram)).toMatch(/-> pool_system \[label="pods", lhead=cluster_cluster_mlops_tiny\]/);
  });

  it('renders the estimate as Markdown with totals, basis and the prices used with their source and date', () => {
    const markdown = renderEstimateMarkdown(report.estimate, tinyAws.monitoring.monthlyBudgetUsd);
    expect(markdown).toContain('**Floor $543.00 · ceiling $1,784.00 per month** (AWS eu-west-1; budget $2,000.00).');
    expect(markdown).toContain(
      '| nodes | GPU pool infer: g6.xlarge, spot | 0–4 × $1.00/hour × 730 h × 40% (spot) | $0.00 | $1,168.00 |',
    );
    expect(markdown).toContain('| **Total** | | | **$543.00** | **$1,784.00** |');
    expect(markdown).toContain('| g6.xlarge | $1.00/hour | https://example.com/pricing | 2026-01-01 |');
    expect(markdown).toContain('- 730 hours per month;');
  });

  it('renders the estimate as JSON for tools', () => {
    const json = JSON.parse(estimateJson(report.estimate));
    expect([json.environment, json.floorUsd, json.ceilingUsd, json.assumptions.hoursPerMonth]).toEqual([
      'tiny',
      543,
      1784,
      730,
    ]);
  });
});

describe('writeReports', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'report-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('writes the diagram and the estimate of every environment into its folder', async () => {
    const reports = [
      buildReport(tinyAws, awsOutputFor(tinyAws), options),
      buildReport(tinyAzure, azureOutputFor(tinyAzure), options),
    ];
    const written = await writeReports(outdir, reports);
    expect(written).toHaveLength(8);
    for (const name of ['tiny', 'az-tiny']) {
      expect(readdirSync(join(outdir, name)).sort()).toEqual([
        'diagram.md',
        'diagram.svg',
        'estimate.json',
        'estimate.md',
      ]);
    }
    const diagram = readFileSync(join(outdir, 'tiny', 'diagram.md'), 'utf8');
    expect(diagram).toContain('```mermaid\nflowchart LR');
    expect(diagram).toContain('Monthly estimate: **$543.00–$1,784.00/month**');
    expect(readFileSync(join(outdir, 'az-tiny', 'diagram.svg'), 'utf8')).toContain('Standard_NC4as_T4_v3');
    expect(JSON.parse(readFileSync(join(outdir, 'az-tiny', 'estimate.json'), 'utf8')).ceilingUsd).toBe(1889.93);
  });
});

describe('hybrid links other than VPN', () => {
  it('draws Direct Connect and says its port hours are billed outside the estimate', () => {
    const output = awsOutputFor(tinyAws);
    const { Vpn: _vpn, Cgw: _cgw, ...resources } = output.templates.Platform?.Resources ?? {};
    const report = buildReport(
      tinyAws,
      {
        cloud: 'aws',
        templates: {
          Platform: {
            Resources: {
              ...resources,
              Dxgw: { Type: 'AWS::DirectConnect::DirectConnectGateway', Properties: {} },
              Vif: {
                Type: 'AWS::DirectConnect::PrivateVirtualInterface',
                Properties: { ConnectionId: 'dxcon-abc123', Vlan: 101 },
              },
            },
          },
        },
      },
      options,
    );
    const chart = toMermaid(report.diagram);
    expect(chart).toContain('Direct Connect virtual interface · VLAN 101');
    expect(chart).toContain('connection dxcon-abc123');
    expect(chart).not.toContain('site-to-site VPN');
    expect(report.estimate.notes).toContain(
      'Direct Connect port hours and data transfer are billed on the connection ordered outside this project (connection dxcon-abc123); they are not in this estimate.',
    );
  });

  it('draws ExpressRoute and warns about a gateway SKU the table lacks', () => {
    const output = azureOutputFor(tinyAzure);
    const resources = output.terraform.resource as Record<string, Record<string, Record<string, unknown>>>;
    const report = buildReport(
      tinyAzure,
      {
        cloud: 'azure',
        terraform: {
          resource: {
            ...resources,
            azurerm_local_network_gateway: {},
            azurerm_virtual_network_gateway: {
              er: {
                type: 'ExpressRoute',
                sku: 'ErGw1AZ',
                ip_configuration: [{ subnet_id: tf('azurerm_subnet.GatewaySubnet', 'id') }],
              },
            },
            azurerm_virtual_network_gateway_connection: {
              er: { type: 'ExpressRoute', express_route_circuit_id: '/subscriptions/x/expressRouteCircuits/er-ams' },
            },
          },
        },
      },
      options,
    );
    const chart = toMermaid(report.diagram);
    expect(chart).toContain('ExpressRoute gateway · ErGw1AZ');
    expect(chart).toContain('circuit er-ams');
    expect(report.estimate.warnings).toContain(
      'no price for ExpressRoute gateway ErGw1AZ in westeurope in lib/report/prices.ts',
    );
    expect(report.estimate.notes.join('\n')).toContain(
      'The ExpressRoute circuit (circuit er-ams) and its provider are billed outside',
    );
  });
});

describe('buildReport', () => {
  it('throws when the output belongs to the other cloud', () => {
    expect(() => buildReport(tinyAws, azureOutputFor(tinyAzure), options)).toThrow(
      'tiny: the environment targets aws but the output is azure',
    );
  });
});
