/**
 * CloudFormation Validate, the CDK's built-in template check, run in a worker thread that exits
 * when the check is done.
 *
 * The check is a WebAssembly engine whose memory only grows: once a process has validated one
 * stage it holds about 180 MB until it exits. The test files share one worker process
 * (`isolate: false` in vitest.config.mts), so the engine would stay in it for the whole run.
 * This plugin is the CDK's own `CloudFormationValidatePlugin`, added to the App as the CDK allows
 * (`Validations.of(app).addPlugins`); only `validate` differs: it hands the stack templates to the
 * same plugin class in a short-lived thread and waits for the report. The CDK then treats the
 * report exactly as it treats the built-in one (severities, acknowledgements,
 * `validation-report.json`), because the plugin is still a `CloudFormationValidatePlugin`.
 */
import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import {
  type App,
  CloudFormationValidatePlugin,
  type IPolicyValidationContext,
  type PolicyValidationPluginReport,
  Validations,
} from 'aws-cdk-lib';

/** Longest a validation may take before the test fails instead of waiting forever. */
const TIMEOUT_MS = 120_000;

interface ThreadResult {
  readonly report?: PolicyValidationPluginReport;
  readonly version?: string;
  readonly error?: string;
}

/** Runs in the thread: the plugin the CDK would have run in-process, on the same templates. */
const THREAD = `
const { workerData } = require('node:worker_threads');
const { awsCdkLib, port, done, context } = workerData;
try {
  const { CloudFormationValidatePlugin } = require(awsCdkLib);
  const plugin = new CloudFormationValidatePlugin();
  const report = plugin.validate(context);
  port.postMessage({ report, version: plugin.version });
  plugin._dispose();
} catch (error) {
  port.postMessage({ error: String(error && error.stack || error) });
} finally {
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
}
`;

export class IsolatedCloudFormationValidate extends CloudFormationValidatePlugin {
  private lastVersion?: string;

  override validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const { port1, port2 } = new MessageChannel();
    const done = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(THREAD, {
      eval: true,
      workerData: {
        awsCdkLib: createRequire(__filename).resolve('aws-cdk-lib'),
        port: port2,
        done,
        // The construct tree cannot cross threads; the plugin reads only the template files.
        context: {
          templatePaths: context.templatePaths,
          stackTemplates: context.stackTemplates,
          accountId: context.accountId,
          region: context.region,
        },
      },
      transferList: [port2],
    });
    try {
      // The CDK calls plugins synchronously, so this thread waits for the other one.
      if (Atomics.wait(done, 0, 0, TIMEOUT_MS) === 'timed-out') {
        throw new Error(`CloudFormation Validate did not finish within ${TIMEOUT_MS / 1000} s`);
      }
      const result = receiveMessageOnPort(port1)?.message as ThreadResult | undefined;
      if (!result?.report)
        throw new Error(`CloudFormation Validate failed in its thread: ${result?.error ?? 'no report'}`);
      this.lastVersion = result.version;
      return result.report;
    } finally {
      port1.close();
      void worker.terminate();
    }
  }

  // The base class asks the engine, which would load it into this process.
  override get version(): string | undefined {
    return this.lastVersion;
  }

  override get ruleIds(): string[] | undefined {
    return this.lastVersion === undefined ? undefined : [this.lastVersion];
  }
}

/**
 * Turns CloudFormation Validate on for `app`, in a thread; build the app with
 * `builtinCloudFormationValidation: false` so that the CDK does not also run it in-process.
 */
export function validateInThread(app: App): void {
  Validations.of(app).addPlugins(new IsolatedCloudFormationValidate());
}
