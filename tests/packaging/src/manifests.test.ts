/**
 * pnpm publishes `publishConfig.exports` in place of `exports`, so the two must name the same
 * entry points: an entry point added to `exports` alone would vanish from the published package.
 * They differ only in the workspace's `@raftkit/source` condition, which is never published.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PUBLISHED_PACKAGES, REPOSITORY_ROOT } from './published-packages.js';

type Exports = Record<string, string | Record<string, string>>;

describe('package manifests', () => {
  it.each(PUBLISHED_PACKAGES)('%s: publishConfig.exports is exports without the source condition', (folder) => {
    const manifest = JSON.parse(readFileSync(join(REPOSITORY_ROOT, folder, 'package.json'), 'utf8')) as { exports: Exports; publishConfig?: { exports?: Exports } };
    const published = Object.fromEntries(
      Object.entries(manifest.exports).map(([path, target]) => [
        path,
        typeof target === 'string' ? target : Object.fromEntries(Object.entries(target).filter(([condition]) => condition !== '@raftkit/source')),
      ]),
    );
    expect(manifest.publishConfig?.exports).toEqual(published);
  });
});
