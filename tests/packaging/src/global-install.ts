import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { provideSqliteAddon } from './native-sqlite.js';
import type { PackedPackage } from './pack.js';
import { run } from './run.js';

/**
 * installGlobally runs `npm install -g` of the tarballs into `prefix` (a stand-in for the
 * system's global folder), as a user installs `@raftkit/node` to get the `raftkit` command.
 * Until the packages are on the registry, `@raftkit/node`'s `@raftkit/*` dependencies come from
 * their tarballs, installed in the same command. Resolves with the `raftkit` executable's path.
 */
export async function installGlobally(prefix: string, packed: readonly PackedPackage[]): Promise<string> {
  mkdirSync(prefix, { recursive: true });
  const tarballs = packed.map((entry) => entry.tarball);
  await run('npm', ['install', '--global', '--prefix', prefix, '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs], { cwd: prefix, timeoutMs: 600_000 });
  const modules = join(prefix, 'lib', 'node_modules');
  const nested = join(modules, '@raftkit', 'storage-sqlite', 'node_modules', 'better-sqlite3');
  const installed = existsSync(nested) ? nested : join(modules, 'better-sqlite3');
  await provideSqliteAddon(installed, () =>
    run('npm', ['rebuild', '--global', '--prefix', prefix, 'better-sqlite3', '--build-from-source'], { cwd: prefix, timeoutMs: 600_000 }),
  );
  return join(prefix, 'bin', 'raftkit');
}
