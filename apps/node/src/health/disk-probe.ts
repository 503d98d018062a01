/**
 * SQLite reports every failed write or fsync as `SQLITE_IOERR_*`, without the operating
 * system's error: a disk that failed (EIO) and one remounted read-only (EROFS) look the same.
 * After a storage failure the node asks the disk itself, by writing a small file into the data
 * directory, so the operator is told which it is.
 */
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** PROBE_FILE is the probe's name inside the data directory; removed when the write succeeds. */
const PROBE_FILE = '.disk-probe';

/** DISK_FAULT_CODES are the errors of the probe that name a disk fault. */
const DISK_FAULT_CODES = new Set(['EIO', 'EROFS', 'ENOSPC', 'EDQUOT']);

/**
 * probeDiskFault writes, syncs and removes a small file in `directory` and returns the disk fault
 * code it failed with (`EIO`, `EROFS`, `ENOSPC`, `EDQUOT`), or undefined when it succeeded, failed
 * otherwise, or took longer than `timeoutMs` (a failing disk may hang; the probe never blocks
 * the event loop and never throws).
 */
export async function probeDiskFault(directory: string, timeoutMs = 2000): Promise<string | undefined> {
  const file = join(directory, PROBE_FILE);
  const probe = (async (): Promise<string | undefined> => {
    try {
      const handle = await open(file, 'w');
      try {
        await handle.write('probe');
        await handle.datasync();
      } finally {
        await handle.close();
      }
      await rm(file, { force: true });
      return undefined;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return code !== undefined && DISK_FAULT_CODES.has(code) ? code : undefined;
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
