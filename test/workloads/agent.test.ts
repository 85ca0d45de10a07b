import { describe, expect, it } from 'vitest';
import { agentEnvironment } from '../../lib/config/agent';
import { runAgent } from '../../workloads/model-agent/src/agent';
import { MODEL_AGENT_IMAGE, MODEL_AGENT_VERSION } from '../../workloads/model-agent/src/version';
import { recordingLogger } from './helpers';

describe('the agent program', () => {
  it('exits 2 when the settings are missing or malformed, saying why', async () => {
    const missing = recordingLogger();
    expect(await runAgent({ env: {}, stopSignal: new Promise(() => undefined), log: missing.log })).toBe(2);
    expect(missing.withMessage('invalid settings')[0]?.error).toBe('MLOPS_AGENT_SETTINGS is not set');

    const badMode = recordingLogger();
    const env = { MLOPS_AGENT_SETTINGS: JSON.stringify({ mode: 'train' }) };
    expect(await runAgent({ env, stopSignal: new Promise(() => undefined), log: badMode.log })).toBe(2);
    expect(badMode.withMessage('invalid settings')[0]?.error).toContain('must be serve, batch or drift');
  });

  it('exits 1 when a mode cannot start, naming the problem', async () => {
    const { log, withMessage } = recordingLogger();
    const env = agentEnvironment({
      mode: 'batch',
      environment: 'staging',
      model: 'churn',
      version: '1.4.0',
      protocol: 'http',
      upstreamUrl: 'http://127.0.0.1:1',
      readinessPath: '/ready',
      job: 'nightly',
      input: 'curated/churn',
      output: 's3://artifacts/out',
      metrics: { kind: 'cloudwatch', namespace: 'MLOps', region: 'eu-west-1' },
    });
    expect(await runAgent({ env, stopSignal: new Promise(() => undefined), log })).toBe(1);
    expect(withMessage('agent failed')[0]?.error).toContain('"curated/churn" is neither s3://');
  });

  it('names its image by the version constant', () => {
    expect(MODEL_AGENT_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(MODEL_AGENT_IMAGE).toBe(`mlops/model-agent:${MODEL_AGENT_VERSION}`);
  });
});
