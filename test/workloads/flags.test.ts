import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_FLAGS,
  FlagWatcher,
  parseAppConfigFlags,
  parseAppConfigurationFlags,
} from '../../workloads/model-agent/src/serve/flags';
import { closeServers, recordingLogger, startServer } from './helpers';

/** An App Configuration provider document (ConfigMap data type json) with these flags. */
function appConfiguration(flags: readonly Record<string, unknown>[]): unknown {
  return { 'some.setting': 'x', feature_management: { feature_flags: flags } };
}

const percentageFilter = (value: unknown) => ({
  client_filters: [{ name: 'Microsoft.Percentage', parameters: { Value: value } }],
});

describe('flags: AWS AppConfig feature flag profile', () => {
  it('reads enabled, capture and the shadow percent attribute', () => {
    expect(
      parseAppConfigFlags('churn', {
        churn_enabled: { enabled: false },
        churn_capture: { enabled: true },
        churn_shadow: { enabled: true, percent: 15 },
        other_enabled: { enabled: true },
      }),
    ).toEqual({ enabled: false, capture: true, shadowPercent: 15 });
  });

  it('takes 0 percent for a shadow flag that is off, 100 for one that is on without a percent', () => {
    expect(parseAppConfigFlags('churn', { churn_shadow: { enabled: false, percent: 40 } }).shadowPercent).toBe(0);
    expect(parseAppConfigFlags('churn', { churn_shadow: { enabled: true } }).shadowPercent).toBe(100);
  });

  it('takes the defaults for flags the profile does not have', () => {
    expect(parseAppConfigFlags('churn', { other_enabled: { enabled: false } })).toEqual(DEFAULT_FLAGS);
  });

  it.each([
    ['the profile is not an object', [1, 2]],
    ['a flag has no boolean enabled', { churn_enabled: { enabled: 'yes' } }],
    ['the percent is over 100', { churn_shadow: { enabled: true, percent: 150 } }],
    ['the percent is not a number', { churn_shadow: { enabled: true, percent: 'half' } }],
  ])('throws when %s', (_case, profile) => {
    expect(() => parseAppConfigFlags('churn', profile)).toThrow();
  });
});

describe('flags: Azure App Configuration provider file', () => {
  it('reads enabled, capture and the Microsoft.Percentage filter of the shadow flag', () => {
    expect(
      parseAppConfigurationFlags(
        'churn',
        appConfiguration([
          { id: 'churn_enabled', enabled: true },
          { id: 'churn_capture', enabled: true },
          { id: 'churn_shadow', enabled: true, conditions: percentageFilter(25) },
          { id: 'fraud_enabled', enabled: false },
        ]),
      ),
    ).toEqual({ enabled: true, capture: true, shadowPercent: 25 });
  });

  it('reads a percentage written as a string, and the last of duplicate ids', () => {
    const flags = parseAppConfigurationFlags(
      'churn',
      appConfiguration([
        { id: 'churn_enabled', enabled: true },
        { id: 'churn_enabled', enabled: false },
        { id: 'churn_shadow', enabled: true, conditions: percentageFilter('7.5') },
      ]),
    );
    expect(flags).toEqual({ enabled: false, capture: false, shadowPercent: 7.5 });
  });

  it('takes 100 percent for a shadow flag on without filters, 0 for one that is off', () => {
    expect(
      parseAppConfigurationFlags('churn', appConfiguration([{ id: 'churn_shadow', enabled: true }])).shadowPercent,
    ).toBe(100);
    expect(
      parseAppConfigurationFlags(
        'churn',
        appConfiguration([{ id: 'churn_shadow', enabled: false, conditions: percentageFilter(50) }]),
      ).shadowPercent,
    ).toBe(0);
  });

  it('takes the defaults for flags the file does not have', () => {
    expect(parseAppConfigurationFlags('churn', appConfiguration([]))).toEqual(DEFAULT_FLAGS);
  });

  it.each([
    ['the file has no feature_management section', { 'some.setting': 'x' }],
    ['a flag has no boolean enabled', appConfiguration([{ id: 'churn_enabled' }])],
    [
      'the percentage filter has no Value',
      appConfiguration([{ id: 'churn_shadow', enabled: true, conditions: percentageFilter(undefined) }]),
    ],
    [
      'the percentage is negative',
      appConfiguration([{ id: 'churn_shadow', enabled: true, conditions: percentageFilter(-1) }]),
    ],
  ])('throws when %s', (_case, document) => {
    expect(() => parseAppConfigurationFlags('churn', document)).toThrow();
  });
});

describe('flags: the watcher', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'flags-'));
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await closeServers();
  });

  it('serves the defaults until it has read anything', async () => {
    const { log, withMessage } = recordingLogger();
    const watcher = new FlagWatcher({ kind: 'file', path: join(dir, 'missing.json') }, 'churn', { log });
    expect(await watcher.refresh()).toBe(false);
    expect(watcher.current()).toEqual({ enabled: true, capture: false, shadowPercent: 0 });
    expect(withMessage('cannot read flags, keeping the last good ones')).toHaveLength(1);
  });

  it('re-reads the file and keeps the last good flags when it turns unreadable, logging once', async () => {
    const path = join(dir, 'flags.json');
    const { log, withMessage } = recordingLogger();
    const watcher = new FlagWatcher({ kind: 'file', path }, 'churn', { log });

    writeFileSync(path, JSON.stringify(appConfiguration([{ id: 'churn_enabled', enabled: false }])));
    await watcher.refresh();
    expect(watcher.current().enabled).toBe(false);

    writeFileSync(path, '{ not json');
    expect(await watcher.refresh()).toBe(false);
    expect(await watcher.refresh()).toBe(false);
    expect(watcher.current().enabled).toBe(false);
    expect(withMessage('cannot read flags, keeping the last good ones')).toHaveLength(1);

    writeFileSync(path, JSON.stringify(appConfiguration([{ id: 'churn_capture', enabled: true }])));
    expect(await watcher.refresh()).toBe(true);
    expect(watcher.current()).toEqual({ enabled: true, capture: true, shadowPercent: 0 });
    expect(withMessage('flags readable again')).toHaveLength(1);
  });

  it('polls the AppConfig agent and keeps the last good flags when it answers an error', async () => {
    let answer: { status: number; body: string } = {
      status: 200,
      body: JSON.stringify({ churn_shadow: { enabled: true, percent: 20 } }),
    };
    const appConfigAgent = await startServer((_req, res) => {
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
    const { log } = recordingLogger();
    const url = `${appConfigAgent.url}/applications/mlops-staging/environments/staging/configurations/flags`;
    const watcher = new FlagWatcher({ kind: 'appconfig', url }, 'churn', { log });

    expect(await watcher.refresh()).toBe(true);
    expect(watcher.current().shadowPercent).toBe(20);

    answer = { status: 500, body: 'oops' };
    expect(await watcher.refresh()).toBe(false);
    expect(watcher.current().shadowPercent).toBe(20);
  });

  it('polls on its own once started, until stopped', async () => {
    const path = join(dir, 'flags.json');
    writeFileSync(path, JSON.stringify(appConfiguration([])));
    const { log } = recordingLogger();
    const watcher = new FlagWatcher({ kind: 'file', path }, 'churn', { log, intervalMs: 10 });
    watcher.start();
    writeFileSync(path, JSON.stringify(appConfiguration([{ id: 'churn_enabled', enabled: false }])));
    const deadline = Date.now() + 2_000;
    while (watcher.current().enabled && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    watcher.stop();
    expect(watcher.current().enabled).toBe(false);
  });
});
