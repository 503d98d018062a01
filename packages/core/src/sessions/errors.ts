/** SessionSnapshotErrorCode names each way a session snapshot can be refused. */
export type SessionSnapshotErrorCode = 'CORRUPT_SNAPSHOT' | 'UNSUPPORTED_SNAPSHOT_VERSION';

/**
 * SessionSnapshotError rejects `restore()` of a snapshot that is not a well-formed session
 * snapshot (truncated, damaged, not ours) or was written by a newer format version. When it is
 * thrown, neither the session table nor the inner state machine has been changed.
 */
export class SessionSnapshotError extends Error {
  override readonly name = 'SessionSnapshotError';
  constructor(
    readonly code: SessionSnapshotErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}
