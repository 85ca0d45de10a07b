/** The model API: throttling, authentication, and the API Management tier on Azure. */
import type { PlatformEnvironment } from '../types';
import { type Checker, PATTERNS } from './checker';

export function checkApi(c: Checker, env: PlatformEnvironment): void {
  const api = env.api;
  const rateOk = c.intInRange(
    'api.rateLimitPerSecond',
    api.rateLimitPerSecond,
    1,
    10000,
    'use 1-10000 requests per second',
  );
  if (rateOk) {
    c.intInRange(
      'api.burst',
      api.burst,
      api.rateLimitPerSecond,
      5000 + api.rateLimitPerSecond,
      `use a burst >= the steady rate (${api.rateLimitPerSecond})`,
    );
  }
  if (api.authMode !== 'iam' && api.authMode !== 'api-key') {
    c.error('api.authMode', api.authMode, "must be 'iam' or 'api-key'", 'pick how callers authenticate');
  }
  if (api.dailyQuota !== undefined) {
    c.intInRange('api.dailyQuota', api.dailyQuota, 1, 1_000_000_000, 'use a positive number of requests per day');
  }
  if (env.target.cloud !== 'azure') return;
  if (api.apimSku === undefined || !PATTERNS.apimSku.test(api.apimSku)) {
    c.error(
      'api.apimSku',
      api.apimSku,
      'must be Developer_<n> or Premium_<n>, the API Management tiers that join a virtual network',
      "use 'Developer_1' for staging and 'Premium_1' (or more units) for production",
    );
  } else if (env.stage === 'production' && api.apimSku.startsWith('Developer')) {
    c.warn('api.apimSku', api.apimSku, 'has no SLA and no zone redundancy', "use 'Premium_<n>' in production");
  }
  if (!api.publisher?.name || !PATTERNS.email.test(api.publisher.email)) {
    c.error(
      'api.publisher',
      api.publisher,
      'must give a name and a valid e-mail for API Management',
      "set { name: 'ML Platform', email: 'mlops@example.com' }",
    );
  }
}
