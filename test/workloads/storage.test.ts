import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { folder, joinKey, MemoryStore, parseStorageUri, S3Store } from '../../workloads/model-agent/src/storage';

describe('storage URIs', () => {
  it('splits S3 and Blob URIs into bucket or container and prefix', () => {
    expect(parseStorageUri('s3://mlops-staging-raw/captures/')).toEqual({
      kind: 's3',
      bucket: 'mlops-staging-raw',
      prefix: 'captures',
    });
    expect(parseStorageUri('s3://bucket')).toEqual({ kind: 's3', bucket: 'bucket', prefix: '' });
    expect(parseStorageUri('https://mlopsstagingdata.blob.core.windows.net/raw/captures/churn')).toEqual({
      kind: 'blob',
      accountUrl: 'https://mlopsstagingdata.blob.core.windows.net',
      container: 'raw',
      prefix: 'captures/churn',
    });
  });

  it.each([
    'http://bucket/prefix',
    's3://Upper/prefix',
    'https://account.blob.core.windows.net',
    'https://example.com/container/prefix',
    'curated/churn',
  ])('throws when the URI is %s', (uri) => {
    expect(() => parseStorageUri(uri)).toThrow('is neither s3://');
  });

  it('joins keys with single slashes and lists folders with a trailing one', () => {
    expect(joinKey('a/', '/b/', '', 'c.json')).toBe('a/b/c.json');
    expect(joinKey('', 'x')).toBe('x');
    expect(folder('a/b')).toBe('a/b/');
    expect(folder('')).toBe('');
  });
});

describe('object stores', () => {
  it('memory: lists by prefix in key order, reads back, answers undefined for a missing key', async () => {
    const store = new MemoryStore();
    await store.put('a/2.jsonl', 'two', 'application/x-ndjson');
    await store.put('a/1.jsonl', 'one', 'application/x-ndjson');
    await store.put('ab/1.jsonl', 'other', 'application/x-ndjson');
    expect(await store.list('a/')).toEqual(['a/1.jsonl', 'a/2.jsonl']);
    expect(await store.get('a/1.jsonl')).toBe('one');
    expect(await store.get('missing')).toBeUndefined();
  });

  it('S3: follows continuation tokens, and reads a missing key as undefined', async () => {
    const commands: { name: string; input: Record<string, unknown> }[] = [];
    const client = {
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        commands.push({ name: command.constructor.name, input: command.input });
        if (command.constructor.name === 'ListObjectsV2Command') {
          return command.input.ContinuationToken
            ? { Contents: [{ Key: 'p/b' }], IsTruncated: false }
            : { Contents: [{ Key: 'p/c' }, { Key: 'p/a' }], IsTruncated: true, NextContinuationToken: 't1' };
        }
        if (command.constructor.name === 'GetObjectCommand') {
          throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
        }
        return {};
      },
    } as unknown as Pick<S3Client, 'send'>;
    const store = new S3Store(client, 'bucket');

    expect(await store.list('p/')).toEqual(['p/a', 'p/b', 'p/c']);
    expect(commands.map((command) => command.input.ContinuationToken)).toEqual([undefined, 't1']);
    expect(await store.get('p/x')).toBeUndefined();
    await store.put('p/y', 'body', 'application/json');
    expect(commands.at(-1)).toEqual({
      name: 'PutObjectCommand',
      input: { Bucket: 'bucket', Key: 'p/y', Body: 'body', ContentType: 'application/json' },
    });
    expect(store.uri('p/y')).toBe('s3://bucket/p/y');
  });
});
