import { describe, expect, it } from 'vitest';
import { agentEnvironment } from '../../lib/config/agent';
import { runAgent } from '../../workloads/model-agent/src/agent';
import { settingsProblems } from '../../workloads/model-agent/src/settings';
import { MODEL_AGENT_IMAGE, MODEL_AGENT_VERSION } from '../../workloads/model-agent/src/version';
import { recordingLogger, serveSettings } from './helpers';

describe('the agent program', () => {
  it('exits 2 when the settings are missing or malformed, saying why', async () => {
    const missing = recordingLogger();
    expect(await runAgent({ env: {}, stopSignal: new Promise(() => undefined), log: missing.log })).toBe(2);
    expect(missing.withMessage('invalid settings')[0]?.error).toBe('MLOPS_AGENT_SETTINGS is not set');

    const badMode = recordingLogger();
    const env = { MLOPS_AGENT_SETTINGS: JSON.stringify({ mode: 'train' }) };
    expect(await runAgent({ env, stopSignal: new Promise(() => undefined), log: badMode.log })).toBe(2);
    expect(badMode.withMessage('invalid settings')[0]?.error).toContain('must be serve, batch, drift or events');
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

describe('settings checks', () => {
  const drift = {
    mode: 'drift',
    environment: 'production',
    model: 'churn',
    version: '1.4.0',
    protocol: 'http',
    upstreamUrl: 'http://127.0.0.1:8080',
    readinessPath: '/ready',
    capture: 'https://acct.blob.core.windows.net/raw/captures',
    baselines: 'https://acct.blob.core.windows.net/models',
    windowHours: 24,
    psiThreshold: 0.2,
    ksThreshold: 0.1,
    outlierZScore: 3.5,
    outlierRatePercent: 5,
    metrics: { kind: 'azure-monitor', resourceId: '/subscriptions/0/x', region: 'westeurope', namespace: 'mlops' },
    events: { kind: 'eventgrid', endpoint: 'https://topic.westeurope-1.eventgrid.azure.net/api/events' },
  } as const;

  it('accepts complete settings of every mode', () => {
    expect(settingsProblems(serveSettings())).toEqual([]);
    expect(
      settingsProblems(
        serveSettings({
          flags: { kind: 'appconfig', url: 'http://localhost:2772/applications/a/environments/e/configurations/f' },
          capture: { uri: 's3://raw/captures', samplePercent: 10, dropFields: ['email'] },
        }),
      ),
    ).toEqual([]);
    expect(settingsProblems(drift)).toEqual([]);
  });

  it('names every missing or malformed field', () => {
    const broken = {
      ...serveSettings({ timeoutSeconds: 0, capture: { uri: 's3://raw', samplePercent: 120, dropFields: [] } }),
      peerUrl: undefined,
      flags: { kind: 'file' },
    } as unknown as Parameters<typeof settingsProblems>[0];
    expect(settingsProblems(broken)).toEqual([
      'MLOPS_AGENT_SETTINGS.timeoutSeconds is 0, must be a number > 0 and <= 3600',
      'MLOPS_AGENT_SETTINGS.flags.path is missing, must be a path starting with /',
      'MLOPS_AGENT_SETTINGS.peerUrl is missing, must be a URL',
      'MLOPS_AGENT_SETTINGS.capture.samplePercent is 120, must be a number >= 0 and <= 100',
    ]);
    expect(
      settingsProblems({ ...drift, events: undefined, ksThreshold: 2 } as unknown as Parameters<
        typeof settingsProblems
      >[0]),
    ).toEqual([
      'MLOPS_AGENT_SETTINGS.ksThreshold is 2, must be a number > 0 and <= 1',
      'MLOPS_AGENT_SETTINGS.events is missing, must be an object',
    ]);
  });

  it('exits 2 on settings the agent cannot run with, listing the problems', async () => {
    const { log, withMessage } = recordingLogger();
    const env = { MLOPS_AGENT_SETTINGS: JSON.stringify({ ...drift, windowHours: -1 }) };
    expect(await runAgent({ env, stopSignal: new Promise(() => undefined), log })).toBe(2);
    expect(withMessage('invalid settings')[0]?.problems).toEqual([
      'MLOPS_AGENT_SETTINGS.windowHours is -1, must be a number > 0 and <= 744',
    ]);
  });
});
