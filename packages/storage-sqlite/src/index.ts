/**
 * `@raftkit/storage-sqlite`: a durable raftkit `Storage` on SQLite. See the README for options
 * and durability notes.
 */
export { createSqliteStorage, DATABASE_FILE, SqliteStorage, type SqliteStorageOptions, type SqliteStorageStatistics, type SqliteTransactionStatistics } from './sqlite-storage.js';
export { acquireDirectoryLock, LOCK_FILE, type DirectoryLock } from './directory-lock.js';
export {
  InvalidStorageOperationError,
  StorageCorruptionError,
  StorageLockedError,
  type InvalidOperationCode,
  type StorageCorruptionCode,
} from './errors.js';
