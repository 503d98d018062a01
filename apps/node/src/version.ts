/**
 * The version of `raftkit` (`raftkit --version`, the `raftkit_build_info` metric): the version
 * field of @raftkit/node's package.json, found from this file whether it runs from `src/` or
 * from `dist/`.
 */
import { readFileSync } from 'node:fs';

/** VERSION is @raftkit/node's version. */
export const VERSION: string = readVersion();

function readVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const parsed = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (parsed.name === '@raftkit/node' && typeof parsed.version === 'string') return parsed.version;
    } catch {
      // Not here: try the next place.
    }
  }
  return 'unknown';
}
