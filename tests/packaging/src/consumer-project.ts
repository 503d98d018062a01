import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { provideSqliteAddon, workspaceSqliteVersion } from './native-sqlite.js';
import type { PackedPackage } from './pack.js';
import { REPOSITORY_ROOT } from './published-packages.js';
import { run } from './run.js';

const CONSUMER_SOURCES = new URL('../consumer/', import.meta.url);

/**
 * createConsumerProject makes a project of its own in `directory` (outside the workspace, so no
 * workspace package or pnpm link can be picked up), depending on the tarballs, and installs it
 * with npm, as a user would: every third-party dependency comes from the registry. Only the
 * native SQLite addon may be reused (see `provideSqliteAddon`).
 */
export async function createConsumerProject(directory: string, packed: readonly PackedPackage[]): Promise<void> {
  mkdirSync(directory, { recursive: true });
  const dependencies: Record<string, string> = {};
  for (const { folder, tarball } of packed) dependencies[packageName(folder)] = `file:${tarball}`;
  const manifest = {
    name: 'raftkit-consumer',
    version: '1.0.0',
    private: true,
    type: 'module',
    dependencies,
    devDependencies: { '@types/node': '^20.19.0' },
    // The packages depend on each other by version (pnpm pack replaced `workspace:*`): those
    // versions are these tarballs, not the registry. better-sqlite3 is the workspace's version,
    // as a user's lockfile pins one.
    overrides: { ...dependencies, 'better-sqlite3': workspaceSqliteVersion() },
  };
  writeFileSync(join(directory, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  cpSync(CONSUMER_SOURCES, directory, { recursive: true });
  await run('npm', ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: directory, timeoutMs: 600_000 });
  await provideSqliteAddon(join(directory, 'node_modules', 'better-sqlite3'), () =>
    run('npm', ['rebuild', 'better-sqlite3', '--build-from-source'], { cwd: directory, timeoutMs: 600_000 }),
  );
}

/** packageName is the npm name of the package in a workspace folder. */
export function packageName(folder: string): string {
  return (JSON.parse(readFileSync(join(REPOSITORY_ROOT, folder, 'package.json'), 'utf8')) as { name: string }).name;
}
