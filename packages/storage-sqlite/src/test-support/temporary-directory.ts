import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** temporaryDirectory makes an empty directory under the OS temp directory; `remove` deletes it. */
export function temporaryDirectory(label: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `raftkit-sqlite-${label}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
