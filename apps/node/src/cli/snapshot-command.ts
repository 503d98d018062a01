/**
 * `raftkit snapshot save FILE` and `raftkit snapshot restore FILE` (see backup.ts).
 */
import type { Output } from './admin.js';
import { NodeConfigError } from './errors.js';

/** runSnapshot runs `snapshot save|restore`. */
export async function runSnapshot(argv: readonly string[], _env: Readonly<Record<string, string | undefined>>, _output: Output, _cwd: string): Promise<number> {
  throw new NodeConfigError('UNKNOWN_COMMAND', `snapshot ${argv[0] ?? ''}: not built yet`);
}
