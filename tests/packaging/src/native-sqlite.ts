import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { REPOSITORY_ROOT } from './published-packages.js';
import { run } from './run.js';

const ADDON = join('build', 'Release', 'better_sqlite3.node');

/**
 * provideSqliteAddon gives an npm-installed better-sqlite3 (installed with `--ignore-scripts`)
 * its native addon. better-sqlite3 compiles it from source when no prebuilt binary can be
 * downloaded (about 100 s here). When the workspace holds a build of the very same version for
 * this Node, that addon is copied in, which is what a prebuilt download would provide.
 * Otherwise, or with RAFTKIT_PACKAGING_REBUILD=1, `rebuild` (an `npm rebuild`) compiles it.
 */
export async function provideSqliteAddon(installed: string, rebuild: () => Promise<unknown>): Promise<void> {
  const workspace = workspaceSqlite();
  if (process.env['RAFTKIT_PACKAGING_REBUILD'] !== '1' && versionOf(workspace) === versionOf(installed) && existsSync(join(workspace, ADDON))) {
    mkdirSync(join(installed, 'build', 'Release'), { recursive: true });
    copyFileSync(join(workspace, ADDON), join(installed, ADDON));
    return;
  }
  await rebuild();
}

/** workspaceSqliteVersion is the better-sqlite3 version the workspace tests with (its lockfile's). */
export function workspaceSqliteVersion(): string {
  return versionOf(workspaceSqlite());
}

/** workspaceSqlite is the folder of the better-sqlite3 that storage-sqlite uses in the workspace. */
function workspaceSqlite(): string {
  return dirname(createRequire(join(REPOSITORY_ROOT, 'packages/storage-sqlite/package.json')).resolve('better-sqlite3/package.json'));
}

function versionOf(packageDirectory: string): string {
  return (JSON.parse(readFileSync(join(packageDirectory, 'package.json'), 'utf8')) as { version: string }).version;
}
