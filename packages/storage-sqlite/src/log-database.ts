/**
 * LogDatabase is the synchronous heart of SqliteStorage: one SQLite file holding a node's log,
 * hard state and snapshot, every row checksummed. It runs in the storage worker (better-sqlite3
 * blocks its thread for each fsync) but has no thread of its own, so tests and tools may use it
 * directly.
 *
 * Writes arrive in batches (`runBatch`): one transaction per batch, one savepoint per operation,
 * so a refused operation changes nothing while the others in its batch commit, and one fsync
 * makes the whole batch durable (group commit).
 */
import Database from 'better-sqlite3';
import { closeSync, fsyncSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HardState, MembershipConfig, SnapshotMeta } from '@raftkit/core';
import { crc32c } from './crc32c.js';
import { InvalidStorageOperationError, StorageCorruptionError } from './errors.js';
import { APPLICATION_ID, latestVersion, MIGRATIONS, TABLES, type Migration } from './schema.js';
import { packEntries } from './packed-entries.js';
import type { LoadResult, Operation, PackedEntries, StoredSnapshotInfo } from './worker-protocol.js';

/** Options for `LogDatabase.open`. */
export interface LogDatabaseOptions {
  /** SQLite's `synchronous` setting: `full` fsyncs the WAL at every commit. */
  readonly synchronous: 'full' | 'normal';
  /** How much of SQLite's structure to verify when opening. */
  readonly integrityCheck: 'quick' | 'full' | 'off';
  /** Test hook: sleep this long inside each transaction, before its commit (a slow fsync). */
  readonly simulatedSyncDelayMs?: number;
  /** The schema history; tests pass a longer one to exercise upgrades. */
  readonly migrations?: readonly Migration[];
}

/** The first 16 bytes of every SQLite 3 file. */
const SQLITE_MAGIC = 'SQLite format 3\0';
const SQLITE_HEADER_BYTES = 100;

const ENTRY_TYPES = ['normal', 'config'] as const;
/**
 * SQLite's page cache for the log, in KiB: SQLite's own default (better-sqlite3 builds with 16
 * MiB). The log is written at its tail and trimmed at its head; the pages between are read only to
 * load at startup or to catch up a follower, which the operating system's page cache serves. Under
 * 64 writers a node's RSS was 4-18 MiB lower with it, at the same writes/s (bench/README.md).
 */
const PAGE_CACHE_KIB = 2048;
/** Entries a snapshot covers that one transaction deletes (see trimCovered). */
const TRIM_ROWS_PER_TRANSACTION = 1000;
const EMPTY_HARD_STATE: HardState = { term: 0, vote: null, commit: 0 };

type Statement = Database.Statement<unknown[], unknown>;

/** LogDatabase is one open log file; every method runs synchronously on the calling thread. */
export class LogDatabase {
  readonly file: string;
  private readonly database: Database.Database;
  private readonly simulatedSyncDelayMs: number;
  /** Readers streaming each snapshot generation: its chunks stay until the count drops to 0. */
  private readonly readers = new Map<number, number>();
  /**
   * The snapshot row as verified by its first read in the current transaction (`undefined`: not
   * read yet, `null`: no snapshot). An append and the trim after it both need it; reading and
   * verifying it (checksum, JSON) once per transaction instead of twice. Kept only inside a
   * transaction: forgotten at its start and end, at a rollback, and when it writes the row.
   */
  private snapshotRow: StoredSnapshotInfo | null | undefined;
  private readonly statements: Record<
    | 'begin'
    | 'commit'
    | 'rollback'
    | 'savepoint'
    | 'release'
    | 'rollbackToSavepoint'
    | 'lastIndex'
    | 'termAt'
    | 'insertEntry'
    | 'deleteFrom'
    | 'deleteThrough'
    | 'deleteAllEntries'
    | 'firstIndex'
    | 'selectEntries'
    | 'selectHardState'
    | 'upsertHardState'
    | 'selectSnapshot'
    | 'upsertSnapshot'
    | 'insertChunk'
    | 'countChunks'
    | 'selectChunks'
    | 'deleteGeneration',
    Statement
  >;

  private constructor(file: string, database: Database.Database, options: LogDatabaseOptions) {
    this.file = file;
    this.database = database;
    this.simulatedSyncDelayMs = options.simulatedSyncDelayMs ?? 0;
    const prepare = (sql: string) => database.prepare(sql);
    this.statements = {
      begin: prepare('BEGIN IMMEDIATE'),
      commit: prepare('COMMIT'),
      rollback: prepare('ROLLBACK'),
      savepoint: prepare('SAVEPOINT operation'),
      release: prepare('RELEASE operation'),
      rollbackToSavepoint: prepare('ROLLBACK TO operation'),
      lastIndex: prepare('SELECT max(log_index) FROM entries').pluck(),
      firstIndex: prepare('SELECT min(log_index) FROM entries').pluck(),
      termAt: prepare('SELECT term FROM entries WHERE log_index = ?').pluck(),
      insertEntry: prepare('INSERT INTO entries (log_index, term, type, data, checksum) VALUES (?, ?, ?, ?, ?)'),
      deleteFrom: prepare('DELETE FROM entries WHERE log_index >= ?'),
      deleteThrough: prepare('DELETE FROM entries WHERE log_index <= ?'),
      deleteAllEntries: prepare('DELETE FROM entries'),
      selectEntries: prepare('SELECT log_index, term, type, data, checksum FROM entries WHERE log_index > ? ORDER BY log_index').raw(),
      selectHardState: prepare('SELECT term, vote, commit_index, checksum FROM hard_state WHERE id = 0').raw(),
      upsertHardState: prepare('INSERT OR REPLACE INTO hard_state (id, term, vote, commit_index, checksum) VALUES (0, ?, ?, ?, ?)'),
      selectSnapshot: prepare('SELECT generation, log_index, term, config, chunk_count, checksum FROM snapshot WHERE id = 0').raw(),
      upsertSnapshot: prepare('INSERT OR REPLACE INTO snapshot (id, generation, log_index, term, config, chunk_count, checksum) VALUES (0, ?, ?, ?, ?, ?, ?)'),
      insertChunk: prepare('INSERT OR REPLACE INTO snapshot_chunks (generation, sequence, data, checksum) VALUES (?, ?, ?, ?)'),
      countChunks: prepare('SELECT count(*) FROM snapshot_chunks WHERE generation = ?').pluck(),
      selectChunks: prepare('SELECT sequence, data, checksum FROM snapshot_chunks WHERE generation = ? AND sequence >= ? ORDER BY sequence').raw(),
      deleteGeneration: prepare('DELETE FROM snapshot_chunks WHERE generation = ?'),
    };
  }

  /**
   * open opens (creating it if missing) the log file, verifies it is a raftkit log of a version
   * this code reads, upgrades its schema, and deletes chunks no snapshot owns (a save cut short by
   * a crash). Throws StorageCorruptionError for a file it cannot trust.
   */
  static open(file: string, options: LogDatabaseOptions): LogDatabase {
    const migrations = options.migrations ?? MIGRATIONS;
    const created = checkFileHeader(file);
    let database: Database.Database | undefined;
    try {
      database = new Database(file, { timeout: 1000 });
      // EXCLUSIVE before WAL: SQLite then keeps the WAL index in heap memory (no -shm file) and
      // holds the file lock until close, a second line of defense behind the lock file.
      database.pragma('locking_mode = EXCLUSIVE');
      // Identify the file before anything writes to it (switching to WAL rewrites the header):
      // another application's database is refused untouched.
      const version = identifySchema(database, file, migrations);
      database.pragma('journal_mode = WAL');
      database.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      // F_FULLFSYNC on macOS, where fsync alone leaves data in the drive's cache; no-op elsewhere.
      database.pragma(`fullfsync = ${options.synchronous === 'full' ? 'ON' : 'OFF'}`);
      database.pragma(`checkpoint_fullfsync = ${options.synchronous === 'full' ? 'ON' : 'OFF'}`);
      // Bound the WAL file left behind after a checkpoint.
      database.pragma('journal_size_limit = 67108864');
      // A negative cache_size is in KiB.
      database.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
      migrate(database, file, version, migrations);
      if (options.integrityCheck !== 'off') checkIntegrity(database, file, options.integrityCheck);
      const opened = new LogDatabase(file, database, options);
      opened.deleteOrphanChunks();
      // A new file's directory entry MUST be durable too, or a crash could lose the whole file.
      if (created) syncDirectory(dirname(file));
      return opened;
    } catch (error) {
      database?.close();
      throw translateSqliteError(error, file);
    }
  }

  /**
   * durability reports the SQLite settings durability rests on, as SQLite itself reads them back
   * (synchronous: 2 = FULL, 1 = NORMAL), so a test or an operator can check them.
   */
  durability(): { journalMode: string; synchronous: number; lockingMode: string } {
    return {
      journalMode: this.database.pragma('journal_mode', { simple: true }) as string,
      synchronous: this.database.pragma('synchronous', { simple: true }) as number,
      lockingMode: this.database.pragma('locking_mode', { simple: true }) as string,
    };
  }

  /** pageCacheKiB is the size of SQLite's page cache for this file, as SQLite reads it back (set in KiB, so negative). */
  pageCacheKiB(): number {
    return -(this.database.pragma('cache_size', { simple: true }) as number);
  }

  /** nextGeneration is a snapshot generation no stored row uses. */
  nextGeneration(): number {
    const row = this.database.prepare('SELECT max(generation) FROM (SELECT generation FROM snapshot UNION ALL SELECT generation FROM snapshot_chunks)').pluck().get() as number | null;
    return (row ?? 0) + 1;
  }

  /**
   * runBatch runs `operations` in one transaction, each in its own savepoint, and commits. An
   * operation that throws is rolled back alone and answered with its error. If the commit fails,
   * nothing of the batch is written and runBatch throws.
   */
  runBatch(operations: readonly Operation[]): Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
    const { begin, commit, rollback, savepoint, release, rollbackToSavepoint } = this.statements;
    begin.run();
    this.snapshotRow = undefined;
    try {
      const results = operations.map((operation): { ok: true; value: unknown } | { ok: false; error: unknown } => {
        savepoint.run();
        try {
          const value = this.execute(operation);
          release.run();
          return { ok: true, value };
        } catch (error) {
          rollbackToSavepoint.run();
          release.run();
          this.snapshotRow = undefined;
          return { ok: false, error: translateSqliteError(error, this.file) };
        }
      });
      this.trimCovered();
      if (this.simulatedSyncDelayMs > 0) sleepSynchronously(this.simulatedSyncDelayMs);
      commit.run();
      return results;
    } catch (error) {
      if (this.database.inTransaction) rollback.run();
      throw translateSqliteError(error, this.file);
    } finally {
      this.snapshotRow = undefined;
    }
  }

  /** execute runs one operation inside the current transaction. */
  execute(operation: Operation): unknown {
    switch (operation.type) {
      case 'load':
        return this.load();
      case 'append':
        return this.append(operation.entries, operation.truncateFrom, operation.hardState);
      case 'stageSnapshotChunk':
        return this.stageSnapshotChunk(operation.generation, operation.sequence, operation.data);
      case 'commitSnapshot':
        return this.commitSnapshot(operation.generation, operation.meta, operation.chunkCount);
      case 'discardSnapshot':
        return this.dropGenerationUnlessUsed(operation.generation);
      case 'readSnapshot':
        return this.readSnapshot();
      case 'readSnapshotChunks':
        return this.readSnapshotChunks(operation.generation, operation.from, operation.maxBytes);
      case 'releaseSnapshot':
        return this.releaseSnapshot(operation.generation);
      case 'compact':
        return this.compact(operation.upTo);
    }
  }

  /**
   * load reads everything back, verifying every checksum and that the log continues the snapshot
   * with no hole. It returns nothing it could not verify.
   */
  load(): LoadResult {
    const hardState = this.readHardState();
    const snapshot = this.readSnapshotRow();
    const snapshotIndex = snapshot?.meta.index ?? 0;
    const rows: { index: number; term: number; type: number; data: Uint8Array }[] = [];
    let expected = snapshotIndex + 1;
    for (const row of this.statements.selectEntries.iterate(snapshotIndex) as IterableIterator<[number, number, number, Uint8Array, number]>) {
      const [index, term, type, data, checksum] = row;
      if (index !== expected) {
        throw new StorageCorruptionError('LOG_GAP', this.file, `the log jumps from index ${expected - 1} to ${index}${expected === snapshotIndex + 1 ? ` (snapshot at ${snapshotIndex})` : ''}`);
      }
      if (!(data instanceof Uint8Array) || entryChecksum(index, term, type, data) !== checksum) {
        throw new StorageCorruptionError('CHECKSUM_MISMATCH', this.file, `log entry ${index} does not match its checksum`);
      }
      if (ENTRY_TYPES[type] === undefined || !Number.isSafeInteger(term) || term < 0) {
        throw new StorageCorruptionError('INVALID_ROW', this.file, `log entry ${index} has type ${type} and term ${term}`);
      }
      rows.push({ index, term, type, data });
      expected++;
    }
    return {
      hardState,
      ...(snapshot !== undefined ? { snapshot: snapshot.meta } : {}),
      entries: packEntries(rows, (row) => row.type),
    };
  }

  private append(entries: PackedEntries, truncateFrom: number | undefined, hardState: HardState | undefined): void {
    const snapshotIndex = this.snapshotIndex();
    // Entries the snapshot covers may still be there (trimCovered), so the log ends at the later.
    const lastIndex = Math.max((this.statements.lastIndex.get() as number | null) ?? 0, snapshotIndex);
    let cut = lastIndex + 1;
    if (truncateFrom !== undefined) {
      if (truncateFrom <= snapshotIndex) {
        throw new InvalidStorageOperationError('TRUNCATE_BELOW_SNAPSHOT', `append: cannot truncate from ${truncateFrom}, at or below snapshot ${snapshotIndex}`);
      }
      cut = Math.min(cut, truncateFrom);
    }
    // Entries a snapshot already covers are dropped, as RaftLog does on load.
    let start = 0;
    const count = entries.indexes.length;
    while (start < count && entries.indexes[start]! <= snapshotIndex) start++;
    if (start < count) {
      const first = entries.indexes[start]!;
      // An entry at an index already held overwrites it and everything after it.
      if (first > cut) throw new InvalidStorageOperationError('LOG_HOLE', `append: entry ${first} would leave a hole after ${cut - 1}`);
      cut = first;
      for (let position = start; position < count; position++) {
        const index = entries.indexes[position]!;
        if (index !== first + (position - start)) throw new InvalidStorageOperationError('NOT_CONTIGUOUS', `append: entries are not contiguous at ${index}`);
      }
    }
    if (cut <= lastIndex) this.statements.deleteFrom.run(cut);
    const { insertEntry } = this.statements;
    for (let position = start; position < count; position++) {
      const index = entries.indexes[position]!;
      const term = entries.terms[position]!;
      const type = entries.types[position]!;
      const data = entries.data.subarray(entries.offsets[position]!, entries.offsets[position + 1]!);
      insertEntry.run(index, term, type, data, entryChecksum(index, term, type, data));
    }
    if (hardState !== undefined) this.writeHardState(hardState);
  }

  private stageSnapshotChunk(generation: number, sequence: number, data: Uint8Array): void {
    this.statements.insertChunk.run(generation, sequence, data, chunkChecksum(generation, sequence, data));
  }

  /**
   * commitSnapshot makes the staged chunks of `generation` the snapshot. It keeps the log after
   * the snapshot only if the log holds the snapshot's last entry (Log Matching: then the rest
   * continues it); otherwise the whole log is stale and goes. Commit is raised to the snapshot,
   * which holds only committed state.
   */
  private commitSnapshot(generation: number, meta: SnapshotMeta, chunkCount: number): void {
    const staged = this.statements.countChunks.get(generation) as number;
    if (staged !== chunkCount) throw new Error(`saveSnapshot: ${staged} of ${chunkCount} chunks of snapshot ${meta.index} reached the database`);
    const previous = this.readSnapshotRow();
    const matching = (this.statements.termAt.get(meta.index) as number | undefined) === meta.term;
    // Matching: the entries it covers go in steps (trimCovered), not all in this transaction.
    if (!matching) this.statements.deleteAllEntries.run();
    const config = JSON.stringify(meta.config);
    this.statements.upsertSnapshot.run(generation, meta.index, meta.term, config, chunkCount, snapshotChecksum(generation, meta.index, meta.term, config, chunkCount));
    this.snapshotRow = undefined;
    const hardState = this.readHardState();
    if (hardState.commit < meta.index) this.writeHardState({ ...hardState, commit: meta.index });
    if (previous !== undefined && previous.generation !== generation) this.dropGenerationUnlessUsed(previous.generation);
  }

  private readSnapshot(): StoredSnapshotInfo | undefined {
    const snapshot = this.readSnapshotRow();
    if (snapshot === undefined) return undefined;
    this.readers.set(snapshot.generation, (this.readers.get(snapshot.generation) ?? 0) + 1);
    return snapshot;
  }

  /** readSnapshotChunks returns chunks from `from` on, at least one, until `maxBytes` is reached. */
  private readSnapshotChunks(generation: number, from: number, maxBytes: number): Uint8Array[] {
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    let expected = from;
    for (const row of this.statements.selectChunks.iterate(generation, from) as IterableIterator<[number, Uint8Array, number]>) {
      const [sequence, data, checksum] = row;
      if (sequence !== expected) throw new StorageCorruptionError('LOG_GAP', this.file, `snapshot chunk ${expected} of generation ${generation} is missing`);
      if (chunkChecksum(generation, sequence, data) !== checksum) {
        throw new StorageCorruptionError('CHECKSUM_MISMATCH', this.file, `snapshot chunk ${sequence} of generation ${generation} does not match its checksum`);
      }
      // A copy that owns its buffer (Buffer#slice would share memory), so it can be transferred.
      chunks.push(new Uint8Array(data));
      bytes += data.length;
      expected++;
      if (bytes >= maxBytes) break;
    }
    if (chunks.length === 0) throw new Error(`snapshot generation ${generation} has no chunk ${from}`);
    return chunks;
  }

  private releaseSnapshot(generation: number): void {
    const count = (this.readers.get(generation) ?? 1) - 1;
    if (count > 0) this.readers.set(generation, count);
    else this.readers.delete(generation);
    this.dropGenerationUnlessUsed(generation);
  }

  /** compact checks that a snapshot covers `upTo`; trimCovered deletes those entries in steps. */
  private compact(upTo: number): void {
    const snapshotIndex = this.snapshotIndex();
    if (upTo > snapshotIndex) {
      throw new InvalidStorageOperationError('COMPACT_BEYOND_SNAPSHOT', `compact(${upTo}): only entries a snapshot covers (up to ${snapshotIndex}) may be deleted`);
    }
  }

  /**
   * trimCovered deletes up to TRIM_ROWS_PER_TRANSACTION of the entries the snapshot covers, in
   * every transaction until none is left. Deleting all of a snapshot's entries at once (10,000 by
   * default) made its transaction, and every append waiting behind it, tens of ms slower. The
   * rows left meanwhile are invisible: `load()` and the log start after the snapshot.
   */
  private trimCovered(): void {
    const first = this.statements.firstIndex.get() as number | null;
    if (first === null) return;
    const snapshotIndex = this.snapshotIndex();
    if (first > snapshotIndex) return;
    this.statements.deleteThrough.run(Math.min(snapshotIndex, first + TRIM_ROWS_PER_TRANSACTION - 1));
  }

  /** close checkpoints the WAL into the main file and closes it. */
  close(): void {
    this.database.close();
  }

  /** dropGenerationUnlessUsed deletes a generation's chunks unless it is current or being read. */
  private dropGenerationUnlessUsed(generation: number): void {
    if (this.readers.has(generation) || this.readSnapshotRow()?.generation === generation) return;
    this.statements.deleteGeneration.run(generation);
  }

  private deleteOrphanChunks(): void {
    this.database.prepare('DELETE FROM snapshot_chunks WHERE generation IS NOT (SELECT generation FROM snapshot WHERE id = 0)').run();
  }

  private snapshotIndex(): number {
    return this.readSnapshotRow()?.meta.index ?? 0;
  }

  private readHardState(): HardState {
    const row = this.statements.selectHardState.get() as [number, string | null, number, number] | undefined;
    if (row === undefined) return EMPTY_HARD_STATE;
    const [term, vote, commit, checksum] = row;
    if (hardStateChecksum(term, vote, commit) !== checksum) throw new StorageCorruptionError('CHECKSUM_MISMATCH', this.file, 'the hard state (term, vote, commit) does not match its checksum');
    return { term, vote, commit };
  }

  private writeHardState(hardState: HardState): void {
    const { term, vote, commit } = hardState;
    this.statements.upsertHardState.run(term, vote, commit, hardStateChecksum(term, vote, commit));
  }

  private readSnapshotRow(): StoredSnapshotInfo | undefined {
    if (!this.database.inTransaction) return this.verifiedSnapshotRow();
    if (this.snapshotRow === undefined) this.snapshotRow = this.verifiedSnapshotRow() ?? null;
    return this.snapshotRow ?? undefined;
  }

  private verifiedSnapshotRow(): StoredSnapshotInfo | undefined {
    const row = this.statements.selectSnapshot.get() as [number, number, number, string, number, number] | undefined;
    if (row === undefined) return undefined;
    const [generation, index, term, configText, chunkCount, checksum] = row;
    if (snapshotChecksum(generation, index, term, configText, chunkCount) !== checksum) {
      throw new StorageCorruptionError('CHECKSUM_MISMATCH', this.file, `the snapshot metadata (index ${index}) does not match its checksum`);
    }
    const config = parseConfig(configText);
    if (config === undefined) throw new StorageCorruptionError('INVALID_ROW', this.file, `the snapshot at index ${index} has an unreadable configuration`);
    return { meta: { index, term, config }, generation, chunkCount };
  }
}

// ---------------------------------------------------------------------------------------------
// Checksums. Each covers the row's key as well as its payload, so a row copied or moved to
// another key fails too.
// ---------------------------------------------------------------------------------------------

const header = new DataView(new ArrayBuffer(17));
const headerBytes = new Uint8Array(header.buffer);
const encoder = new TextEncoder();

/** entryChecksum is the CRC32C of an entry's index, term and type (17 bytes) then its data. */
export function entryChecksum(index: number, term: number, type: number, data: Uint8Array): number {
  header.setFloat64(0, index, true);
  header.setFloat64(8, term, true);
  header.setUint8(16, type);
  return crc32c(data, crc32c(headerBytes));
}

function chunkChecksum(generation: number, sequence: number, data: Uint8Array): number {
  header.setFloat64(0, generation, true);
  header.setFloat64(8, sequence, true);
  header.setUint8(16, 0xc4);
  return crc32c(data, crc32c(headerBytes));
}

function hardStateChecksum(term: number, vote: string | null, commit: number): number {
  return crc32c(encoder.encode(JSON.stringify(['hard-state', term, vote, commit])));
}

function snapshotChecksum(generation: number, index: number, term: number, config: string, chunkCount: number): number {
  return crc32c(encoder.encode(JSON.stringify(['snapshot', generation, index, term, config, chunkCount])));
}

// ---------------------------------------------------------------------------------------------
// Opening
// ---------------------------------------------------------------------------------------------

/**
 * checkFileHeader refuses, before SQLite sees it, a file that is not SQLite or is shorter than
 * its header says (SQLite itself would only notice when it reads a missing page, maybe never).
 * Returns true when there is no file yet (it is about to be created).
 */
/** A write-ahead log's header; frames follow it. */
const WAL_HEADER_BYTES = 32;

function checkFileHeader(file: string): boolean {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  if (size === 0) return true;
  const bytes = new Uint8Array(Math.min(size, SQLITE_HEADER_BYTES));
  const descriptor = openSync(file, 'r');
  try {
    readSync(descriptor, bytes, 0, bytes.length, 0);
  } finally {
    closeSync(descriptor);
  }
  const magic = new TextDecoder('latin1').decode(bytes.subarray(0, 16));
  if (size < SQLITE_HEADER_BYTES) {
    if (SQLITE_MAGIC.startsWith(magic.slice(0, Math.min(size, 16)))) throw new StorageCorruptionError('TRUNCATED', file, `the file has ${size} bytes, less than a SQLite header`);
    throw new StorageCorruptionError('NOT_A_DATABASE', file, 'the file is not a SQLite database');
  }
  if (magic !== SQLITE_MAGIC) throw new StorageCorruptionError('NOT_A_DATABASE', file, 'the file is not a SQLite database');
  const view = new DataView(bytes.buffer);
  const rawPageSize = view.getUint16(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pageCount = view.getUint32(28);
  // The header's page count is valid only when the change counter matches "version valid for".
  const pageCountValid = pageCount > 0 && view.getUint32(24) === view.getUint32(92);
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) throw new StorageCorruptionError('NOT_A_DATABASE', file, `the header's page size ${rawPageSize} is impossible`);
  // A checkpoint cut short (the disk filled up while it copied the write-ahead log's pages into
  // the file) leaves the file shorter than its new header says while the log still holds every
  // page: SQLite reads them from there and the next checkpoint completes the file. Only without
  // a write-ahead log is a short file a cut one.
  if (walHoldsPages(file)) return false;
  if (size % pageSize !== 0 || (pageCountValid && size < pageCount * pageSize)) {
    throw new StorageCorruptionError('TRUNCATED', file, `the file has ${size} bytes; its header says ${pageCountValid ? pageCount : '?'} pages of ${pageSize}`);
  }
  return false;
}

/** walHoldsPages: the file's write-ahead log exists and holds at least one frame past its header. */
function walHoldsPages(file: string): boolean {
  try {
    return statSync(`${file}-wal`).size > WAL_HEADER_BYTES;
  } catch {
    return false;
  }
}

/**
 * identifySchema returns the schema version of the file (0 for a new, empty one), or throws if
 * it is not a raftkit log this code can read. It only reads: a foreign file is left untouched.
 */
function identifySchema(database: Database.Database, file: string, migrations: readonly Migration[]): number {
  const applicationId = database.pragma('application_id', { simple: true }) as number;
  const tables = listTables(database);
  if (applicationId === 0 && tables.size === 0) return 0;
  if (applicationId !== APPLICATION_ID) {
    throw new StorageCorruptionError('FOREIGN_SCHEMA', file, `a SQLite database of another application (application id ${applicationId}, tables ${[...tables].join(', ') || 'none'})`);
  }
  if (!tables.has('schema_version')) throw new StorageCorruptionError('FOREIGN_SCHEMA', file, 'a raftkit application id but no schema_version table');
  const version = database.prepare('SELECT version FROM schema_version').pluck().get() as number | undefined;
  if (version === undefined) throw new StorageCorruptionError('FOREIGN_SCHEMA', file, 'the schema_version table is empty');
  const latest = latestVersion(migrations);
  if (version > latest) {
    throw new StorageCorruptionError('UNSUPPORTED_SCHEMA_VERSION', file, `schema version ${version} was written by a newer @raftkit/storage-sqlite; this one reads up to ${latest}`);
  }
  return version;
}

/** migrate brings the file from `version` to the latest, one migration per transaction. */
function migrate(database: Database.Database, file: string, version: number, migrations: readonly Migration[]): void {
  if (version === 0) database.transaction(() => database.pragma(`application_id = ${APPLICATION_ID}`)).immediate();
  for (const migration of migrations) {
    if (migration.version <= version) continue;
    database
      .transaction(() => {
        migration.up(database);
        database.prepare('UPDATE schema_version SET version = ?').run(migration.version);
      })
      .immediate();
  }
  const present = listTables(database);
  const missing = TABLES.filter((table) => !present.has(table));
  if (missing.length > 0) throw new StorageCorruptionError('FOREIGN_SCHEMA', file, `tables missing: ${missing.join(', ')}`);
}

function listTables(database: Database.Database): Set<string> {
  return new Set(database.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
}

function checkIntegrity(database: Database.Database, file: string, level: 'quick' | 'full'): void {
  const problems = database.prepare(level === 'quick' ? 'PRAGMA quick_check(5)' : 'PRAGMA integrity_check(5)').pluck().all() as string[];
  if (problems.length !== 1 || problems[0] !== 'ok') {
    throw new StorageCorruptionError('MALFORMED_DATABASE', file, `SQLite's ${level} check failed: ${problems.join('; ')}`);
  }
}

/** translateSqliteError names SQLite's own corruption reports in our terms. */
function translateSqliteError(error: unknown, file: string): unknown {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || error instanceof StorageCorruptionError) return error;
  if (code === 'SQLITE_NOTADB') return new StorageCorruptionError('NOT_A_DATABASE', file, (error as Error).message);
  if (code.startsWith('SQLITE_CORRUPT')) return new StorageCorruptionError('MALFORMED_DATABASE', file, (error as Error).message);
  return error;
}

function syncDirectory(directory: string): void {
  const descriptor = openSync(directory, 'r');
  try {
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}

/** sleepSynchronously blocks this thread, as a slow fsync would. */
function sleepSynchronously(milliseconds: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, milliseconds);
}

// ---------------------------------------------------------------------------------------------
// Reading rows back
// ---------------------------------------------------------------------------------------------

function parseConfig(text: string): MembershipConfig | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const isIdList = (list: unknown) => Array.isArray(list) && list.every((id) => typeof id === 'string');
  if (typeof value !== 'object' || value === null) return undefined;
  const config = value as Record<string, unknown>;
  if (!isIdList(config.voters) || !isIdList(config.outgoingVoters) || !isIdList(config.learners)) return undefined;
  if (config.addresses !== undefined && (typeof config.addresses !== 'object' || config.addresses === null)) return undefined;
  return config as unknown as MembershipConfig;
}
