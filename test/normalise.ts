/**
 * Turns a synthesized template (CloudFormation or Terraform JSON) into a snapshot that only
 * changes when the infrastructure does:
 *
 * - 64-hex asset hashes (S3 keys of Lambda code, container image tags) → `[ASSET_HASH]`
 * - short cdk-assets publishing ids (`<account>-<region>-<8 hex>`) → `[ASSET_ID]`
 * - CDK's `LatestNodeRuntimeMap` mapping, which lists the newest Node.js runtime per region and
 *   changes with every aws-cdk-lib release → `[LATEST_NODE_RUNTIME_MAP]`
 * - the azurerm provider version that cdktf embeds in `required_providers` → `[PROVIDER_VERSION]`
 */
const ASSET_HASH = /[A-Fa-f0-9]{64}/g;
const ASSET_ID = /\b(\d{12}-[a-z]{2}(?:-gov)?-[a-z]+-\d-)[0-9a-f]{8}\b/g;
const NORMALISED = new WeakSet<object>();

export function normaliseString(text: string): string {
  return text.replace(ASSET_HASH, '[ASSET_HASH]').replace(ASSET_ID, '$1[ASSET_ID]');
}

/** True for objects that `normaliseSnapshot` produced (so the serializer does not run twice). */
export function isNormalised(value: object): boolean {
  return NORMALISED.has(value);
}

export function normaliseSnapshot(value: unknown): unknown {
  if (typeof value === 'string') return normaliseString(value);
  if (value === null || typeof value !== 'object') return value;
  if (NORMALISED.has(value)) return value;
  let out: unknown;
  if (Array.isArray(value)) {
    out = value.map(normaliseSnapshot);
  } else {
    const record: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (key === 'LatestNodeRuntimeMap') {
        record[key] = '[LATEST_NODE_RUNTIME_MAP]';
      } else if (key === 'required_providers' && child && typeof child === 'object') {
        record[key] = normaliseSnapshot(
          Object.fromEntries(
            Object.entries(child).map(([name, spec]) => [name, { ...(spec as object), version: '[PROVIDER_VERSION]' }]),
          ),
        );
      } else {
        record[normaliseString(key)] = normaliseSnapshot(child);
      }
    }
    out = record;
  }
  NORMALISED.add(out as object);
  return out;
}
