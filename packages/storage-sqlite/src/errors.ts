/**
 * The typed errors SqliteStorage rejects with. They cross the worker boundary as plain objects
 * (`SerializedStorageError`) and are rebuilt on the caller's thread, so `instanceof` and `code`
 * work as usual.
 */

/** What is wrong with a data file that `load()` refuses. */
export type StorageCorruptionCode =
  /** The file does not start with SQLite's header: another program's file. */
  | 'NOT_A_DATABASE'
  /** The file is shorter than its header says: it was cut off. */
  | 'TRUNCATED'
  /** A SQLite database, but not one this package wrote (another application id or schema). */
  | 'FOREIGN_SCHEMA'
  /** Written by a newer version of this package, with a schema this one cannot read. */
  | 'UNSUPPORTED_SCHEMA_VERSION'
  /** SQLite's own structure checks failed (a damaged page or index). */
  | 'MALFORMED_DATABASE'
  /** A row's bytes do not match the checksum stored with them. */
  | 'CHECKSUM_MISMATCH'
  /** The log has a hole, or does not start right after the snapshot. */
  | 'LOG_GAP'
  /** A row holds a value no version of this package writes (an unknown entry type, bad JSON). */
  | 'INVALID_ROW';

/**
 * StorageCorruptionError: the data directory holds something this package cannot trust. Nothing
 * from such a file is returned: a node MUST NOT start from state it cannot verify, since acting on
 * a wrong vote or log could break Raft's safety for the whole cluster.
 */
export class StorageCorruptionError extends Error {
  override readonly name = 'StorageCorruptionError';
  readonly code: StorageCorruptionCode;
  /** The file the problem was found in. */
  readonly file: string;

  constructor(code: StorageCorruptionCode, file: string, message: string) {
    super(`${message} (${code}, ${file})`);
    this.code = code;
    this.file = file;
  }
}

/**
 * StorageLockedError: the data directory is in use by another live process (or by another open
 * SqliteStorage in this process). Two nodes writing one log would corrupt it.
 */
export class StorageLockedError extends Error {
  override readonly name = 'StorageLockedError';
  readonly code = 'LOCKED';
  readonly directory: string;
  /** The process that holds the lock. */
  readonly pid: number;

  constructor(directory: string, pid: number, message: string) {
    super(message);
    this.directory = directory;
    this.pid = pid;
  }
}

/** Why an operation was refused without changing anything. */
export type InvalidOperationCode =
  /** An append whose first entry is past the last index + 1. */
  | 'LOG_HOLE'
  /** An append whose entries do not have consecutive indexes. */
  | 'NOT_CONTIGUOUS'
  /** A truncation at or below the snapshot: those entries are part of the snapshot. */
  | 'TRUNCATE_BELOW_SNAPSHOT'
  /** A compaction past the snapshot: those entries are not in any snapshot yet. */
  | 'COMPACT_BEYOND_SNAPSHOT'
  /** The storage was closed, or failed to open. */
  | 'CLOSED'
  /** The worker script is not where the storage looked: a bundle needs the `workerUrl` option. */
  | 'WORKER_NOT_FOUND';

/** InvalidStorageOperationError: a call the store refused; the stored state is unchanged. */
export class InvalidStorageOperationError extends Error {
  override readonly name = 'InvalidStorageOperationError';
  readonly code: InvalidOperationCode;

  constructor(code: InvalidOperationCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** SerializedStorageError is an error as it crosses from the worker to the caller's thread. */
export type SerializedStorageError =
  | { readonly kind: 'corruption'; readonly code: StorageCorruptionCode; readonly file: string; readonly message: string }
  | { readonly kind: 'invalid'; readonly code: InvalidOperationCode; readonly message: string }
  | { readonly kind: 'other'; readonly name: string; readonly code?: string; readonly message: string; readonly stack?: string };

/** serializeError turns anything thrown in the worker into a structured-clone-safe object. */
export function serializeError(error: unknown): SerializedStorageError {
  if (error instanceof StorageCorruptionError) {
    // The constructor appended the code and file to the message; send the original text.
    const suffix = ` (${error.code}, ${error.file})`;
    const message = error.message.endsWith(suffix) ? error.message.slice(0, -suffix.length) : error.message;
    return { kind: 'corruption', code: error.code, file: error.file, message };
  }
  if (error instanceof InvalidStorageOperationError) return { kind: 'invalid', code: error.code, message: error.message };
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { kind: 'other', name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}), ...(error.stack !== undefined ? { stack: error.stack } : {}) };
  }
  return { kind: 'other', name: 'Error', message: String(error) };
}

/** deserializeError rebuilds on the caller's thread the error `serializeError` sent. */
export function deserializeError(serialized: SerializedStorageError): Error {
  switch (serialized.kind) {
    case 'corruption':
      return new StorageCorruptionError(serialized.code, serialized.file, serialized.message);
    case 'invalid':
      return new InvalidStorageOperationError(serialized.code, serialized.message);
    case 'other': {
      const error = new Error(serialized.message) as Error & { code?: string };
      error.name = serialized.name;
      if (serialized.code !== undefined) error.code = serialized.code;
      if (serialized.stack !== undefined) error.stack = serialized.stack;
      return error;
    }
  }
}
