/** The environment's own tags, which both clouds must accept. */
import { PLATFORM_TAG_KEYS } from '../tags';
import type { PlatformEnvironment } from '../types';
import type { Checker } from './checker';

const TAG_KEY = /^[\p{L}\p{N} _.:=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{N} _.:/=+\-@]{0,256}$/u;
const RESERVED_TAG_PREFIXES = ['aws:', 'azure', 'microsoft', 'windows'];

export function checkTags(c: Checker, env: PlatformEnvironment): void {
  for (const [key, value] of Object.entries(env.tags ?? {})) {
    const path = `tags.${key}`;
    if ((PLATFORM_TAG_KEYS as readonly string[]).includes(key)) {
      c.error(path, value, 'is a tag the platform sets itself', 'remove it or use another key');
    } else if (!TAG_KEY.test(key) || RESERVED_TAG_PREFIXES.some((prefix) => key.toLowerCase().startsWith(prefix))) {
      c.error(
        path,
        value,
        'has a key both clouds do not accept (1-128 letters, digits, spaces and _ . : = + - @; no aws:, azure, microsoft or windows prefix)',
        'rename the tag key',
      );
    } else if (typeof value !== 'string' || !TAG_VALUE.test(value)) {
      c.error(
        path,
        value,
        'is not a tag value both clouds accept (up to 256 letters, digits, spaces and _ . : / = + - @)',
        'shorten or simplify the value',
      );
    }
  }
}
