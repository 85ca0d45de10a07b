import { describe, expect, it } from 'vitest';
import { environments } from '../../environments';
import { type Cloud, GPU_CATALOG, MACHINES } from '../../lib/config';
import { isPrice, PRICES, type PriceEntry } from '../../lib/report/prices';

/** Every machine type the platform can ask for on a cloud: the GPU catalog and the spec table. */
function machineTypes(cloud: Cloud): string[] {
  const catalog = Object.values(GPU_CATALOG).flatMap((a) => Object.values(a[cloud]));
  const specs = Object.entries(MACHINES)
    .filter(([, spec]) => spec.cloud === cloud)
    .map(([type]) => type);
  return [...new Set([...catalog, ...specs])].sort();
}

const regions = [
  ...new Set(
    environments.map(
      (env) => `${env.target.cloud}/${env.target.cloud === 'aws' ? env.target.region : env.target.location}`,
    ),
  ),
].map((key) => key.split('/') as [Cloud, string]);

describe('the price table', () => {
  it.each(regions)('covers every machine type of %s in %s, with a price or the reason it has none', (cloud, region) => {
    const table = PRICES[cloud][region];
    expect(table, `no prices for ${cloud} ${region}: add the region to lib/report/prices.ts`).toBeDefined();
    const missing = machineTypes(cloud).filter((type) => table?.machines[type] === undefined);
    expect(missing).toEqual([]);
  });

  it('gives every region of a cloud the same services', () => {
    for (const cloud of ['aws', 'azure'] as const) {
      const keys = Object.values(PRICES[cloud]).map((r) => Object.keys(r.services).sort());
      for (const k of keys) expect(k).toEqual(keys[0]);
    }
  });

  it('names the pricing page and the date of every entry', () => {
    const entries: Array<[string, PriceEntry]> = Object.entries(PRICES).flatMap(([cloud, regionsOf]) =>
      Object.entries(regionsOf).flatMap(([region, r]) =>
        [...Object.entries(r.machines), ...Object.entries(r.services)].map(
          ([key, entry]) => [`${cloud} ${region} ${key}`, entry] as [string, PriceEntry],
        ),
      ),
    );
    expect(entries.length).toBeGreaterThan(100);
    for (const [where, entry] of entries) {
      expect(entry.source, where).toMatch(/^https:\/\/(aws\.amazon\.com|azure\.microsoft\.com)\//);
      expect(entry.asOf, where).toMatch(/^20\d\d-\d\d-\d\d$/);
      if (isPrice(entry)) {
        expect(entry.usd, where).toBeGreaterThan(0);
        if (entry.approximate !== undefined) expect(entry.approximate.length, where).toBeGreaterThan(10);
      } else {
        expect(entry.unavailable.length, where).toBeGreaterThan(10);
      }
    }
  });
});
