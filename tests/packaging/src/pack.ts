import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PUBLISHED_PACKAGES, REPOSITORY_ROOT } from './published-packages.js';
import { run } from './run.js';

/** PackedPackage is one package's tarball, as `pnpm pack` made it. */
export interface PackedPackage {
  /** The workspace folder, e.g. `packages/core`. */
  readonly folder: string;
  /** The tarball's absolute path. */
  readonly tarball: string;
}

/**
 * packAll runs `pnpm pack` in every published package, one after another, into `destination`.
 * pnpm runs each package's `prepack` (the build) and applies its `publishConfig`, exactly as
 * `pnpm publish` (and so `changeset publish`) does.
 */
export async function packAll(destination: string): Promise<PackedPackage[]> {
  const packed: PackedPackage[] = [];
  for (const folder of PUBLISHED_PACKAGES) {
    const before = new Set(readdirSync(destination));
    await run('pnpm', ['pack', '--pack-destination', destination], { cwd: join(REPOSITORY_ROOT, folder), timeoutMs: 300_000 });
    const made = readdirSync(destination).filter((name) => name.endsWith('.tgz') && !before.has(name));
    if (made.length !== 1) throw new Error(`pnpm pack in ${folder} made ${made.length} tarballs: ${made.join(', ')}`);
    packed.push({ folder, tarball: join(destination, made[0]!) });
  }
  return packed;
}
