import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { PackedPackage } from './pack.js';
import { REPOSITORY_ROOT } from './published-packages.js';
import { run } from './run.js';

const CONSUMER_SOURCES = new URL('../consumer/', import.meta.url);

/**
 * createConsumerProject makes a project of its own in `directory` (outside the workspace, so no
 * workspace package or pnpm link can be picked up), depending on the tarballs, and installs it
 * with npm, as a user would: every third-party dependency comes from the registry.
 *
 * One step is shortened: better-sqlite3 compiles its native addon from source when no prebuilt
 * binary can be downloaded (about 100 s here). When the workspace holds a build of the very same
 * better-sqlite3 version for this Node, its addon is copied in instead, which is what a prebuilt
 * download would provide. Otherwise, or with RAFTKIT_PACKAGING_REBUILD=1, npm builds it.
 */
export async function createConsumerProject(directory: string, packed: readonly PackedPackage[]): Promise<void> {
  mkdirSync(directory, { recursive: true });
  const dependencies: Record<string, string> = {};
  for (const { folder, tarball } of packed) dependencies[packageName(folder)] = `file:${tarball}`;
  // The better-sqlite3 the workspace tests with (its lockfile's), as a user's lockfile pins it.
  const sqliteVersion = versionOf(workspaceSqlite());
  const manifest = {
    name: 'raftkit-consumer',
    version: '1.0.0',
    private: true,
    type: 'module',
    dependencies,
    devDependencies: { '@types/node': '^20.19.0' },
    // The packages depend on each other by version (pnpm pack replaced `workspace:*`): those
    // versions are these tarballs, not the registry.
    overrides: { ...dependencies, 'better-sqlite3': sqliteVersion },
  };
  writeFileSync(join(directory, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  cpSync(CONSUMER_SOURCES, directory, { recursive: true });
  await run('npm', ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: directory, timeoutMs: 600_000 });
  await installNativeSqlite(directory);
}

function packageName(folder: string): string {
  return (JSON.parse(readFileSync(join(REPOSITORY_ROOT, folder, 'package.json'), 'utf8')) as { name: string }).name;
}

async function installNativeSqlite(directory: string): Promise<void> {
  const installed = join(directory, 'node_modules', 'better-sqlite3');
  const installedVersion = versionOf(installed);
  const workspace = workspaceSqlite();
  const addon = join('build', 'Release', 'better_sqlite3.node');
  if (process.env['RAFTKIT_PACKAGING_REBUILD'] !== '1' && versionOf(workspace) === installedVersion && existsSync(join(workspace, addon))) {
    mkdirSync(join(installed, 'build', 'Release'), { recursive: true });
    copyFileSync(join(workspace, addon), join(installed, addon));
    return;
  }
  await run('npm', ['rebuild', 'better-sqlite3', '--build-from-source'], { cwd: directory, timeoutMs: 600_000 });
}

/** workspaceSqlite is the folder of the better-sqlite3 that storage-sqlite uses in the workspace. */
function workspaceSqlite(): string {
  return dirname(createRequire(join(REPOSITORY_ROOT, 'packages/storage-sqlite/package.json')).resolve('better-sqlite3/package.json'));
}

function versionOf(packageDirectory: string): string {
  return (JSON.parse(readFileSync(join(packageDirectory, 'package.json'), 'utf8')) as { version: string }).version;
}
