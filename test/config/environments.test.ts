import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { environments } from '../../environments';
import { ROOT } from '../util';

describe('environments/', () => {
  it('lists every environment file in the index, and names each environment after its file', () => {
    const files = readdirSync(join(ROOT, 'environments'))
      // delivery.ts describes the tooling account, not a platform environment (lib/config/delivery.ts).
      .filter((f) => f.endsWith('.ts') && f !== 'index.ts' && f !== 'delivery.ts')
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(environments.map((env) => env.name).sort()).toEqual(files);
  });

  it('ships staging and production on both clouds and a hybrid example', () => {
    const summary = environments.map((env) => `${env.target.cloud}:${env.stage}${env.hybrid ? ':hybrid' : ''}`);
    expect(summary).toEqual(
      expect.arrayContaining(['aws:staging', 'aws:production', 'azure:staging', 'azure:production']),
    );
    expect(summary.some((s) => s.endsWith(':hybrid'))).toBe(true);
  });
});
