import { describe, expect, it } from 'vitest';
import { budgetWarning, buildReport, type CostEstimate, estimateCost, readInventory } from '../../lib/report';
import { vary } from '../util';
import { awsOutputFor, azureOutputFor, firstPool, TEST_PRICES, TEST_VOLUMES, tinyAws, tinyAzure } from './fixtures';

const options = { ...TEST_VOLUMES, prices: TEST_PRICES };

function line(estimate: CostEstimate, key: string) {
  const found = estimate.lines.find((l) => l.key === key);
  if (!found) throw new Error(`no line ${key} in ${estimate.lines.map((l) => l.key).join(', ')}`);
  return found;
}

describe('estimateCost on AWS', () => {
  // GIVEN the tiny AWS environment: 2 zones, 1 NAT gateway, a system pool of 2-3 m7i.large, a spot
  // GPU pool of 0-4 g6.xlarge, a VPN with an inbound resolver; round prices, 730 h, 60% spot discount.
  const estimate = estimateCost(tinyAws, readInventory(tinyAws, awsOutputFor(tinyAws)), options);

  it('prices every line by hand', () => {
    const amounts = Object.fromEntries(estimate.lines.map((l) => [l.key, [l.floorUsd, l.ceilingUsd]]));
    expect(amounts).toEqual({
      'control-plane/mlops-tiny': [73, 73], //                 1 × $0.10 × 730 h
      'nodes/system': [146, 219], //                            2-3 × $0.10 × 730 h
      'nodes/infer': [0, 1168], //                              0-4 × $1.00 × 730 h × 40%
      nat: [36.5, 36.5], //                                     1 × $0.05 × 730 h
      'public-ips': [3.65, 3.65], //                            1 × $0.005 × 730 h
      endpoints: [29.2, 29.2], //                               2 endpoints × 2 zones × $0.01 × 730 h
      'api-requests/model-api': [7, 7], //                      2 million × $3.50
      'lb/Nlb': [18.25, 18.25], //                              1 × $0.025 × 730 h
      'hybrid/vpn-connection/Platform/Vpn': [36.5, 36.5], //    1 × $0.05 × 730 h
      'hybrid/resolver-inbound/Platform/Inbound': [182.5, 182.5], // 2 interfaces × $0.125 × 730 h
      'keys/kms': [2, 2], //                                    2 × $1
      secrets: [0.4, 0.4], //                                   1 × $0.40
      logs: [5, 5], //                                          10 GB × $0.50
      'storage/S3': [2, 2], //                                  100 GB × $0.02
      registry: [1, 1], //                                      10 GB × $0.10
    });
    // Floor: 73 + 146 + 36.5 + 3.65 + 29.2 + 7 + 18.25 + 36.5 + 182.5 + 2 + 0.4 + 5 + 2 + 1 = 543.
    expect(estimate.floorUsd).toBe(543);
    // Ceiling: the floor + 1 more system node (73) + 4 spot GPU nodes (1,168) = 1,784.
    expect(estimate.ceilingUsd).toBe(1784);
    expect(estimate.warnings).toEqual([]);
  });

  it('says how each line was computed and which prices it used', () => {
    expect(line(estimate, 'nodes/infer').basis).toBe('0–4 × $1.00/hour × 730 h × 40% (spot)');
    expect(line(estimate, 'nodes/infer').prices).toEqual([
      { key: 'g6.xlarge', usd: 1, per: 'hour', source: 'https://example.com/pricing', asOf: '2026-01-01' },
    ]);
    expect(line(estimate, 'api-requests/model-api').basis).toBe('2 million requests × $3.50/million');
  });

  it('prices a production web ACL: the ACL, its rules and the requests', () => {
    const production = vary(tinyAws, (d) => {
      d.stage = 'production';
    });
    const result = estimateCost(production, readInventory(production, awsOutputFor(production)), options);
    // $5 + 2 rules × $1 + 2 million requests × $0.60 = $8.20.
    expect(line(result, 'waf/model-api').ceilingUsd).toBe(8.2);
    expect(result.ceilingUsd).toBe(1784 + 8.2);
  });

  it('applies the stated spot discount to spot pools only', () => {
    const deeper = estimateCost(tinyAws, readInventory(tinyAws, awsOutputFor(tinyAws)), {
      ...options,
      spotDiscountPercent: 70,
    });
    // 4 × $1.00 × 730 h × 30% = $876; the on-demand system pool is unchanged.
    expect(line(deeper, 'nodes/infer').ceilingUsd).toBe(876);
    expect(line(deeper, 'nodes/system').ceilingUsd).toBe(219);
    expect(deeper.notes).toContain(
      'Spot pools at 70% below the On-Demand price (spot prices move with demand and capacity).',
    );
  });

  it('warns about a machine type the table lacks and leaves it out of the totals, never as a silent zero', () => {
    const env = vary(tinyAws, (d) => {
      firstPool(d).machineType = 'g5.xlarge';
    });
    const result = estimateCost(env, readInventory(env, awsOutputFor(env)), options);
    const infer = line(result, 'nodes/infer');
    expect(infer.missingPrice).toBe(true);
    expect(infer.basis).toBe('0–4 × price missing');
    expect(result.warnings).toEqual([
      'no price for g5.xlarge in eu-west-1 in lib/report/prices.ts',
      'the totals leave out 1 line without a price (GPU pool infer: g5.xlarge, spot): they are lower than the real cost',
    ]);
    expect(result.ceilingUsd).toBe(1784 - 1168);
  });

  it('gives the reason when the table records a type as unavailable in the region', () => {
    const env = vary(tinyAws, (d) => {
      firstPool(d).accelerator = 'nvidia-l40s';
      firstPool(d).gpusPerNode = 4;
    });
    const result = estimateCost(env, readInventory(env, awsOutputFor(env)), options);
    expect(result.warnings[0]).toBe('no price for g6e.12xlarge in eu-west-1: not sold here');
  });

  it('warns when the region has no prices at all', () => {
    const env = vary(tinyAws, (d) => {
      d.target.region = 'ap-south-2';
    });
    const result = estimateCost(env, readInventory(env, awsOutputFor(env)), options);
    expect(result.warnings[0]).toBe('no prices for aws region ap-south-2 in lib/report/prices.ts: add the region');
    expect(result.lines.every((l) => l.missingPrice)).toBe(true);
  });

  it('states its assumptions', () => {
    expect(estimate.assumptions).toEqual(TEST_VOLUMES);
    expect(estimate.notes[0]).toMatch(/^730 hours per month/);
    expect(estimate.notes.join('\n')).toContain('2 million API requests per month per gateway, 10 GB of logs');
  });
});

describe('estimateCost on Azure', () => {
  // GIVEN the tiny Azure production environment: Standard-tier AKS, a system pool of 2-4
  // D4ds_v5, a spot pool of 0-2 NC4as_T4_v3, APIM Developer_1, a VPN gateway and DNS resolver.
  const estimate = estimateCost(tinyAzure, readInventory(tinyAzure, azureOutputFor(tinyAzure)), options);

  it('prices every line by hand', () => {
    const amounts = Object.fromEntries(estimate.lines.map((l) => [l.key, [l.floorUsd, l.ceilingUsd]]));
    expect(amounts).toEqual({
      'control-plane/aks-az-tiny': [73, 73], //        Standard tier: 1 × $0.10 × 730 h
      'nodes/system': [292, 584], //                   2-4 × $0.20 × 730 h
      'nodes/infer': [0, 292], //                      0-2 × $0.50 × 730 h × 40%
      nat: [36.5, 36.5], //                            1 × $0.05 × 730 h
      'public-ips': [3.65, 3.65], //                   1 × $0.005 × 730 h
      endpoints: [21.9, 21.9], //                      3 private endpoints × $0.01 × 730 h
      'apim/apim': [50, 50], //                        Developer × 1 unit × $50
      'lb/internal load balancer 10.1.63.254': [18.25, 18.25], // the backend's load balancer: $0.025 × 730 h
      'hybrid/vpn-gateway/azurerm_virtual_network_gateway.vpn': [365, 365], // VpnGw2AZ: $0.50 × 730 h
      'hybrid/resolver-inbound/azurerm_private_dns_resolver_inbound_endpoint.in': [180, 180],
      'hybrid/resolver-outbound/azurerm_private_dns_resolver_outbound_endpoint.out': [180, 180],
      'hybrid/dns-forwarding/azurerm_private_dns_resolver_forwarding_rule.corp': [2.5, 2.5], // 1 ruleset
      'keys/rsa-hsm-3072': [10, 10], //                2 × $5
      logs: [25, 25], //                               10 GB × $2.50
      'storage/st': [2.5, 2.5], //                     100 GB × $0.025
      'registry/cr': [45.63, 45.63], //                $1.50 a day × 730 / 24 days = 45.625
    });
    // 73 + 292 + 36.5 + 3.65 + 21.9 + 50 + 18.25 + 365 + 360 + 2.5 + 10 + 25 + 2.5 + 45.63 = 1,305.93
    expect(estimate.floorUsd).toBe(1305.93);
    // + 2 more system nodes (292) + 2 spot GPU nodes (292) = 1,889.93
    expect(estimate.ceilingUsd).toBe(1889.93);
    expect(estimate.warnings).toEqual([]);
  });

  it('charges nothing for a Free-tier control plane and says so', () => {
    const staging = vary(tinyAzure, (d) => {
      d.stage = 'staging';
    });
    const result = estimateCost(staging, readInventory(staging, azureOutputFor(staging)), options);
    const control = line(result, 'control-plane/aks-az-tiny');
    expect([control.floorUsd, control.missingPrice, control.basis]).toEqual([
      0,
      false,
      'Free tier: no charge (no uptime SLA)',
    ]);
  });
});

describe('budgetWarning', () => {
  it('is silent while the ceiling stays within monitoring.monthlyBudgetUsd', () => {
    // The ceiling of $1,784 is below the $2,000 budget.
    const report = buildReport(tinyAws, awsOutputFor(tinyAws), options);
    expect(report.budgetWarning).toBeUndefined();
    expect(budgetWarning(tinyAws, report.estimate)).toBeUndefined();
  });

  it('warns when the ceiling exceeds monitoring.monthlyBudgetUsd, with the amounts and the largest lines', () => {
    const bigger = vary(tinyAws, (d) => {
      firstPool(d).maxNodes = 8;
    });
    const estimate = estimateCost(bigger, readInventory(bigger, awsOutputFor(bigger)), options);
    // 8 × $1.00 × 730 h × 40% = $2,336 for the GPU pool; ceiling 1,784 + 1,168 = $2,952.
    expect(budgetWarning(bigger, estimate)).toBe(
      'tiny: the estimated ceiling of $2,952.00/month exceeds monitoring.monthlyBudgetUsd ($2,000.00) by $952.00; ' +
        'the floor is $543.00. Largest above the floor: GPU pool infer: g6.xlarge, spot ($2,336.00 at its maximum), ' +
        "system pool: m7i.large, on-demand ($219.00 at its maximum). Lower the pools' maxNodes or raise the budget.",
    );
  });

  it('says so when even the floor exceeds the budget and prices are missing', () => {
    const tight = vary(tinyAws, (d) => {
      d.monitoring.monthlyBudgetUsd = 100;
      d.kubernetes.systemPool.machineType = 'm7i.xlarge';
    });
    const warning = budgetWarning(tight, estimateCost(tight, readInventory(tight, awsOutputFor(tight)), options));
    expect(warning).toContain('even the floor ($397.00) exceeds it');
    expect(warning).toContain('The estimate misses some prices, so the real ceiling is higher.');
  });
});
