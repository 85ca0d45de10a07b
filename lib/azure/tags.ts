import { Aspects, type IAspect, TerraformResource } from 'cdktf';
import type { IConstruct } from 'constructs';

/** A generated azurerm resource that takes tags. */
interface Taggable {
  tags: Record<string, string>;
  readonly tagsInput?: Record<string, string>;
}

function isTaggable(node: IConstruct): node is TerraformResource & Taggable {
  return node instanceof TerraformResource && 'tagsInput' in node;
}

/**
 * Adds the platform's tags to every taggable azurerm resource below a scope, the way
 * `Tags.of(scope).add()` does on AWS, so that no resource can forget them. Tags a resource sets
 * itself are kept unless they use a platform key.
 */
export class PlatformTags implements IAspect {
  static applyTo(scope: IConstruct, tags: Readonly<Record<string, string>>): void {
    Aspects.of(scope).add(new PlatformTags(tags));
  }

  private constructor(private readonly tags: Readonly<Record<string, string>>) {}

  visit(node: IConstruct): void {
    if (!isTaggable(node)) return;
    const merged = { ...(node.tagsInput ?? {}), ...this.tags };
    node.tags = Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
  }
}
