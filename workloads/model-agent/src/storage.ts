/**
 * The data zones, seen as flat key-value object stores: an S3 bucket on AWS, a blob container on
 * Azure. Capture, batch and drift read and write through `ObjectStore`, so every mode runs the
 * same against `MemoryStore` in tests.
 *
 * Locations arrive as `StorageUri`s (lib/config/agent.ts): `s3://<bucket>/<prefix>` or
 * `https://<account>.blob.core.windows.net/<container>/<prefix>`.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { TokenCredential } from '@azure/identity';
import { ContainerClient } from '@azure/storage-blob';
import type { StorageUri } from '../../../lib/config/agent';

export interface ObjectStore {
  /** Every key that starts with `prefix`, in lexicographic order, across all pages. */
  list(prefix: string): Promise<string[]>;
  /** The object's body as UTF-8 text, or `undefined` when there is no such object. */
  get(key: string): Promise<string | undefined>;
  put(key: string, body: string, contentType: string): Promise<void>;
  /** The URI of a key, for logs and manifests. */
  uri(key: string): string;
}

/** A store and the prefix inside it that a `StorageUri` names (no leading or trailing slash). */
export interface Location {
  readonly store: ObjectStore;
  readonly prefix: string;
}

export type ParsedStorageUri =
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string }
  | { readonly kind: 'blob'; readonly accountUrl: string; readonly container: string; readonly prefix: string };

const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;
const BLOB_URI = /^(https:\/\/[a-z0-9]{3,24}\.blob\.[a-z0-9.]+)\/([a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])?)(?:\/(.*))?$/;

/** Splits a `StorageUri`; throws naming the accepted forms. */
export function parseStorageUri(uri: StorageUri): ParsedStorageUri {
  const s3 = S3_URI.exec(uri);
  if (s3) return { kind: 's3', bucket: s3[1] as string, prefix: trimSlashes(s3[2] ?? '') };
  const blob = BLOB_URI.exec(uri);
  if (blob) {
    return {
      kind: 'blob',
      accountUrl: blob[1] as string,
      container: blob[2] as string,
      prefix: trimSlashes(blob[3] ?? ''),
    };
  }
  throw new Error(
    `storage URI ${JSON.stringify(uri)} is neither s3://<bucket>/<prefix> nor https://<account>.blob.core.windows.net/<container>/<prefix>`,
  );
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

/** Joins key segments with single slashes, skipping empty ones. */
export function joinKey(...segments: readonly string[]): string {
  return segments.map(trimSlashes).filter(Boolean).join('/');
}

/** The prefix that lists the "folder" `path` (a trailing slash, so `a/b` does not match `a/bc`). */
export function folder(path: string): string {
  const trimmed = trimSlashes(path);
  return trimmed ? `${trimmed}/` : '';
}

export interface CloudClients {
  /** AWS region of S3 calls. @default - the SDK's chain (`AWS_REGION`, which EKS Pod Identity sets) */
  readonly awsRegion?: string;
  /** Entra credential of blob calls (workload identity on AKS). */
  readonly azureCredential?: () => TokenCredential;
}

/** Opens the store a `StorageUri` names. */
export function openLocation(uri: StorageUri, clients: CloudClients): Location {
  const parsed = parseStorageUri(uri);
  if (parsed.kind === 's3') {
    const client = new S3Client(clients.awsRegion ? { region: clients.awsRegion } : {});
    return { store: new S3Store(client, parsed.bucket), prefix: parsed.prefix };
  }
  if (!clients.azureCredential) throw new Error(`no Azure credential to open ${uri}`);
  const container = new ContainerClient(`${parsed.accountUrl}/${parsed.container}`, clients.azureCredential());
  return { store: new BlobStore(container), prefix: parsed.prefix };
}

/**
 * An S3 bucket. Objects are written without encryption parameters: the data-zone buckets encrypt
 * by default with their customer-managed KMS key (SSE-KMS) and deny unencrypted transport.
 */
export class S3Store implements ObjectStore {
  constructor(
    private readonly client: Pick<S3Client, 'send'>,
    private readonly bucket: string,
  ) {}

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async get(key: string): Promise<string | undefined> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await object.Body?.transformToString('utf-8')) ?? '';
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async put(key: string, body: string, contentType: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }

  uri(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }
}

/** A blob container, reached with the pod's Entra identity (no account keys). */
export class BlobStore implements ObjectStore {
  constructor(private readonly container: ContainerClient) {}

  async list(prefix: string): Promise<string[]> {
    const names: string[] = [];
    for await (const blob of this.container.listBlobsFlat({ prefix })) names.push(blob.name);
    return names.sort();
  }

  async get(key: string): Promise<string | undefined> {
    try {
      const buffer = await this.container.getBlobClient(key).downloadToBuffer();
      return buffer.toString('utf-8');
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  async put(key: string, body: string, contentType: string): Promise<void> {
    await this.container
      .getBlockBlobClient(key)
      .upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: contentType } });
  }

  uri(key: string): string {
    return `${this.container.url}/${key}`;
  }
}

/** An in-memory store: the tests' stand-in for a bucket or container. */
export class MemoryStore implements ObjectStore {
  readonly objects = new Map<string, { readonly body: string; readonly contentType: string }>();

  constructor(private readonly name = 'memory') {}

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  async get(key: string): Promise<string | undefined> {
    return this.objects.get(key)?.body;
  }

  async put(key: string, body: string, contentType: string): Promise<void> {
    this.objects.set(key, { body, contentType });
  }

  uri(key: string): string {
    return `${this.name}://${key}`;
  }
}
