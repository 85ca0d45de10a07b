/**
 * test/release-apps.ts: what a finished test file leaves in the libraries' token maps.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Aws, CfnOutput, Intrinsic, Stack, Token } from 'aws-cdk-lib';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { cfnReferenceTable, keepTokens, releaseTokensSince, tokenMap, tokenMark, tokenNumber } from './release-apps';

/** Keys of aws-cdk-lib's string tokens numbered from `from` on. */
function keysSince(from: number): string[] {
  return [...(tokenMap('__cdkTokenMap')?.stringTokenMap.keys() ?? [])].filter((k) => (tokenNumber(k) ?? -1) >= from);
}

/** The apps that `CfnReference.referenceTable` holds references into. */
function referencedRoots(): Set<unknown> {
  return new Set([...cfnReferenceTable().keys()].map((target) => target.node.root));
}

/** A stack that registers tokens: a topic, its ARN in an output (a reference), a pseudo parameter. */
function buildApp(): Stack {
  const stack = new Stack(new App(), 'Probe', { env: { account: '111111111111', region: 'eu-west-1' } });
  const topic = new Topic(stack, 'Topic');
  new CfnOutput(stack, 'Arn', { value: topic.topicArn });
  new CfnOutput(stack, 'Account', { value: Aws.ACCOUNT_ID });
  new CfnOutput(stack, 'Name', { value: stack.resolve(topic.topicName) });
  stack.resolve(Token.asString(new Intrinsic({ Ref: 'AWS::Region' })));
  return stack;
}

describe('releasing a test file’s tokens', () => {
  it('drops the tokens registered since the mark, and the references into their app', () => {
    buildApp(); // loads the modules the build needs, whose tokens are kept by design
    const mark = tokenMark();
    const stack = buildApp();
    expect(keysSince(mark.__cdkTokenMap).length).toBeGreaterThan(0);
    expect(referencedRoots().has(stack.node.root)).toBe(true);
    releaseTokensSince(mark);
    expect(keysSince(mark.__cdkTokenMap)).toEqual([]);
    expect(referencedRoots().has(stack.node.root)).toBe(false);
  });

  it('keeps the tokens and references of a kept build, which still resolve', () => {
    const mark = tokenMark();
    const stack = keepTokens(buildApp, (s) => s);
    const keys = keysSince(mark.__cdkTokenMap);
    releaseTokensSince(mark);
    expect(keysSince(mark.__cdkTokenMap)).toEqual(keys);
    expect(referencedRoots().has(stack.node.root)).toBe(true);
    const topic = stack.node.findChild('Topic') as Topic;
    expect(stack.resolve(topic.topicArn)).toEqual({ Ref: 'TopicBFC7AF6E' });
  });

  it('keeps the tokens a module registered while it loaded', () => {
    // GIVEN a module, loaded for the first time after the mark, that registers a token on load
    const mark = tokenMark();
    const dir = mkdtempSync(join(tmpdir(), 'module-tokens-'));
    try {
      const file = join(dir, 'constants.cjs');
      writeFileSync(
        file,
        `const { Intrinsic, Token } = require(${JSON.stringify(require.resolve('aws-cdk-lib'))});
        exports.REGION = Token.asString(new Intrinsic({ Ref: 'AWS::Region' }));\n`,
      );
      const { REGION } = require(file) as { REGION: string };
      const keys = keysSince(mark.__cdkTokenMap);
      expect(keys.length).toBe(1);
      // WHEN the file's tokens are released
      releaseTokensSince(mark);
      // THEN the module's token stays in the map, as a library's module constants must
      expect(keysSince(mark.__cdkTokenMap)).toEqual(keys);
      expect(new Stack(new App(), 'Later').resolve(REGION)).toEqual({ Ref: 'AWS::Region' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('still resolves a released token that something else holds', () => {
    // GIVEN a token registered after the mark, and held by this test
    const mark = tokenMark();
    const held = new Intrinsic({ Ref: 'Held' });
    const text = Token.asString(held);
    // WHEN the file's tokens are released
    releaseTokensSince(mark);
    // THEN its key is gone from the map (the check that the release happened), and resolves
    // through the map's weak fallback while the token lives
    expect(keysSince(mark.__cdkTokenMap)).toEqual([]);
    expect(new Stack(new App(), 'Later').resolve(text)).toEqual({ Ref: 'Held' });
    expect(held).toBeDefined();
  });
});
