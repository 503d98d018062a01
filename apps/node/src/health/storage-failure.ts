/**
 * Disk faults: a storage write that fails stops the Raft node (it can no longer keep its
 * promises). This names the cause an operator can act on, from the error's `cause` chain:
 * `ENOSPC` (disk full), `EIO` (the disk failed), `EROFS` (remounted read-only), or SQLite's
 * `SQLITE_FULL` / `SQLITE_IOERR*` / `SQLITE_READONLY*`.
 */

/** DISK_ERROR_CODES are the error codes that mean the data directory's disk failed. */
const DISK_ERROR_CODES = /^(ENOSPC|EIO|EROFS|EDQUOT|SQLITE_FULL|SQLITE_IOERR\w*|SQLITE_READONLY\w*|SQLITE_CANTOPEN)$/;

/** describeStorageFailure returns `CODE: message` for a disk fault in `error`'s cause chain, else undefined. */
export function describeStorageFailure(error: unknown): string | undefined {
  const messages: string[] = [];
  for (let current: unknown = error, depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    const code = (current as { code?: unknown }).code;
    const message = current instanceof Error ? current.message : String(current);
    messages.push(message);
    if (typeof code === 'string' && DISK_ERROR_CODES.test(code)) return `${code}: ${messages.join(': ')}`;
    const match = /\b(ENOSPC|EIO|EROFS|SQLITE_FULL|SQLITE_IOERR\w*|SQLITE_READONLY\w*)\b/.exec(message);
    if (match !== null) return `${match[1]}: ${messages.join(': ')}`;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
