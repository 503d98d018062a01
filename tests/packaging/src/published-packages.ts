import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** PUBLISHED_PACKAGES are the workspace folders of every package published to npm. */
export const PUBLISHED_PACKAGES: readonly string[] = [
  'packages/core',
  'packages/storage-sqlite',
  'packages/transport-ws',
  'packages/client',
  'packages/sim',
  'apps/node',
];
