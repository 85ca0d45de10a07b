/**
 * CloudFormation Validate, the CDK's built-in template check, run in a child process that exits
 * when the check is done.
 *
 * The check is a WebAssembly engine whose memory only grows: once a process has validated one
 * stage it holds about 180 MB until it exits. The test files share a worker process
 * (`isolate: false` in vitest.config.mts), so the engine would stay in it for the whole run.
 * This plugin is the CDK's own `CloudFormationValidatePlugin`, added to the App as the CDK allows
 * (`Validations.of(app).addPlugins`; the CDK then leaves its default instance out); only
 * `validate` differs: it hands the stack templates to the same plugin class in a child process
 * and reads back its report. The CDK files that report as it files the built-in one (severities,
 * acknowledgements, `validation-report.json`), because it goes by the plugin's class and name.
 *
 * It fails closed: if the child does not return a report, the report holds one finding that says
 * why, so that test/util.ts `synthAws` fails whatever the validation flags in cdk.json say.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import {
  type App,
  CloudFormationValidatePlugin,
  type IPolicyValidationContext,
  type PolicyValidationPluginReport,
  Validations,
} from 'aws-cdk-lib';

/** Longest a validation may take before it counts as failed. */
const TIMEOUT_MS = 120_000;

/** The line of the child's output that carries its result. */
const RESULT = 'CFN-VALIDATE-RESULT ';

/**
 * Runs in the child: the plugin the CDK would have run in-process, on the same templates.
 * `--liftoff-only` compiles the engine with V8's baseline compiler only (160 MB less while it
 * runs) and `--single-threaded` without background threads: 1.2 s instead of 2.0 s for the
 * Staging stage on the 2-core runner, at 260 MB.
 */
const CHILD = `
const { awsCdkLib, context } = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const { CloudFormationValidatePlugin } = require(awsCdkLib);
const plugin = new CloudFormationValidatePlugin();
const report = plugin.validate(context);
process.stdout.write('\\n${RESULT}' + JSON.stringify({ report, version: plugin.version }) + '\\n');
`;

export class IsolatedCloudFormationValidate extends CloudFormationValidatePlugin {
  private lastVersion?: string;

  override validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const input = JSON.stringify({
      awsCdkLib: createRequire(__filename).resolve('aws-cdk-lib'),
      // The construct tree stays here; the plugin reads only the template files.
      context: {
        templatePaths: context.templatePaths,
        stackTemplates: context.stackTemplates,
        accountId: context.accountId,
        region: context.region,
      },
    });
    // The child needs 260 MB while it runs: collect this process's garbage first
    // (`--expose-gc` in vitest.config.mts), so that the two together peak lower.
    (globalThis as { gc?: () => void }).gc?.();
    const child = spawnSync(process.execPath, ['--liftoff-only', '--single-threaded', '-e', CHILD], {
      input,
      encoding: 'utf8',
      timeout: TIMEOUT_MS,
      maxBuffer: 256 * 1024 * 1024,
    });
    const line = child.stdout?.split('\n').find((l) => l.startsWith(RESULT));
    if (child.status === 0 && line) {
      const result = JSON.parse(line.slice(RESULT.length)) as { report: PolicyValidationPluginReport; version: string };
      this.lastVersion = result.version;
      return result.report;
    }
    const why = child.error?.message ?? `exit ${child.status ?? child.signal}: ${child.stderr?.trim().slice(-2000)}`;
    return {
      success: false,
      violations: [
        {
          ruleName: 'CloudFormationValidateDidNotRun',
          description: `CloudFormation Validate did not return a report (${why})`,
          severity: 'error',
          violatingResources: context.stackTemplates.map((s) => ({
            constructPath: s.stackConstructPath,
            templatePath: s.templatePath,
            locations: [],
          })),
        },
      ],
    };
  }

  // The base class asks the engine, which would load it into this process.
  override get version(): string | undefined {
    return this.lastVersion;
  }

  override get ruleIds(): string[] | undefined {
    return this.lastVersion === undefined ? undefined : [this.lastVersion];
  }
}

/** Turns CloudFormation Validate on for `app`, in a child process; returns the plugin. */
export function validateInChildProcess(app: App): IsolatedCloudFormationValidate {
  const plugin = new IsolatedCloudFormationValidate();
  Validations.of(app).addPlugins(plugin);
  return plugin;
}
