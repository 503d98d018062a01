import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidStorageOperationError, StorageCorruptionError } from './errors.js';
import { LogDatabase, type LogDatabaseOptions } from './log-database.js';
import { APPLICATION_ID, MIGRATIONS, type Migration } from './schema.js';
import { temporaryDirectory } from './test-support/temporary-directory.js';
import type { Operation, PackedEntries } from './worker-protocol.js';

const OPTIONS: LogDatabaseOptions = { synchronous: 'full', integrityCheck: 'quick' };

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function databaseFile(): string {
  const directory = temporaryDirectory('database');
  cleanups.push(directory.remove);
  return join(directory.path, 'raft.sqlite');
}

/** pack builds the wire form of entries `from..to` of term 1 whose data is their index as text. */
function pack(from: number, to: number): PackedEntries {
  const texts = Array.from({ length: to - from + 1 }, (_, position) => new TextEncoder().encode(String(from + position)));
  const offsets = new Float64Array(texts.length + 1);
  texts.forEach((bytes, position) => (offsets[position + 1] = offsets[position]! + bytes.length));
  const data = new Uint8Array(offsets[texts.length]!);
  texts.forEach((bytes, position) => data.set(bytes, offsets[position]!));
  return { indexes: Float64Array.from(texts, (_, position) => from + position), terms: new Float64Array(texts.length).fill(1), types: new Uint8Array(texts.length), offsets, data };
}

const append = (from: number, to: number): Operation => ({ type: 'append', entries: pack(from, to), hardState: { term: 1, vote: 'a', commit: from } });

function loadedIndexes(database: LogDatabase): number[] {
  return Array.from(database.load().entries.indexes);
}

describe('LogDatabase schema versions', () => {
  it('creates a new file at the latest schema version with raftkit application id', () => {
    const file = databaseFile();
    LogDatabase.open(file, OPTIONS).close();
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(raw.prepare('SELECT version FROM schema_version').pluck().all()).toEqual([MIGRATIONS.at(-1)!.version]);
    raw.close();
  });

  it('upgrades a file written at an older version by running the newer migrations, keeping its data', () => {
    const file = databaseFile();
    const old = LogDatabase.open(file, OPTIONS);
    old.runBatch([append(1, 3)]);
    old.close();
    const next: Migration = {
      version: MIGRATIONS.at(-1)!.version + 1,
      description: 'a test table',
      up: (database) => database.exec('CREATE TABLE added_by_test (value INTEGER)'),
    };
    const upgraded = LogDatabase.open(file, { ...OPTIONS, migrations: [...MIGRATIONS, next] });
    expect(loadedIndexes(upgraded)).toEqual([1, 2, 3]);
    upgraded.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT version FROM schema_version').pluck().get()).toBe(next.version);
    expect(raw.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'added_by_test'").pluck().get()).toBe(1);
    raw.close();
  });

  it('refuses a file written by a newer version with UNSUPPORTED_SCHEMA_VERSION', () => {
    const file = databaseFile();
    LogDatabase.open(file, OPTIONS).close();
    const raw = new Database(file);
    raw.prepare('UPDATE schema_version SET version = 99').run();
    raw.close();
    let error: unknown;
    try {
      LogDatabase.open(file, OPTIONS);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StorageCorruptionError);
    expect((error as StorageCorruptionError).code).toBe('UNSUPPORTED_SCHEMA_VERSION');
    expect((error as Error).message).toContain('schema version 99');
  });
});

describe('LogDatabase batches', () => {
  it('rolls back only the refused operation of a batch; the others commit', () => {
    const file = databaseFile();
    const database = LogDatabase.open(file, OPTIONS);
    const results = database.runBatch([append(1, 2), append(5, 5), append(3, 4)]);
    expect(results.map((result) => result.ok)).toEqual([true, false, true]);
    const refused = results[1] as { ok: false; error: unknown };
    expect(refused.error).toBeInstanceOf(InvalidStorageOperationError);
    expect((refused.error as InvalidStorageOperationError).code).toBe('LOG_HOLE');
    expect(loadedIndexes(database)).toEqual([1, 2, 3, 4]);
    // The refused append's hard state (commit 5) was rolled back with it.
    expect(database.load().hardState).toEqual({ term: 1, vote: 'a', commit: 3 });
    database.close();
  });

  it('deletes on open the staged chunks of a snapshot save a crash cut short', () => {
    const file = databaseFile();
    const database = LogDatabase.open(file, OPTIONS);
    database.runBatch([append(1, 3), { type: 'stageSnapshotChunk', generation: 1, sequence: 0, data: new Uint8Array([1]) }, { type: 'commitSnapshot', generation: 1, meta: { index: 2, term: 1, config: { voters: ['a'], outgoingVoters: [], learners: [] } }, chunkCount: 1 }]);
    // The save of generation 2 never reaches its commit.
    database.runBatch([{ type: 'stageSnapshotChunk', generation: 2, sequence: 0, data: new Uint8Array([2]) }, { type: 'stageSnapshotChunk', generation: 2, sequence: 1, data: new Uint8Array([3]) }]);
    database.close();
    const reopened = LogDatabase.open(file, OPTIONS);
    expect(reopened.load().snapshot?.index).toBe(2);
    expect(reopened.nextGeneration()).toBe(2);
    reopened.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT generation, sequence FROM snapshot_chunks').raw().all()).toEqual([[1, 0]]);
    raw.close();
  });
});

describe('LogDatabase trimming', () => {
  const rowCount = (file: string): number => {
    const raw = new Database(file, { readonly: true });
    try {
      return raw.prepare('SELECT count(*) FROM entries').pluck().get() as number;
    } finally {
      raw.close();
    }
  };
  const snapshotAt = (index: number, generation: number): Operation[] => [
    { type: 'stageSnapshotChunk', generation, sequence: 0, data: new Uint8Array([1]) },
    { type: 'commitSnapshot', generation, meta: { index, term: 1, config: { voters: ['a'], outgoingVoters: [], learners: [] } }, chunkCount: 1 },
  ];

  it('deletes the entries a snapshot or compaction covers 1,000 per transaction; the log never shows them', () => {
    const file = databaseFile();
    let database = LogDatabase.open(file, OPTIONS);
    database.runBatch([append(1, 2500)]);
    database.runBatch(snapshotAt(2400, 1));
    expect(loadedIndexes(database)[0]).toBe(2401);
    database.close();
    // The snapshot's transaction deleted 1..1000.
    expect(rowCount(file)).toBe(1500);
    database = LogDatabase.open(file, OPTIONS);
    expect(database.runBatch([{ type: 'compact', upTo: 2400 }, append(2501, 2501)]).every((result) => result.ok)).toBe(true);
    database.close();
    // The next transaction deleted 1001..2000.
    expect(rowCount(file)).toBe(501);
    database = LogDatabase.open(file, OPTIONS);
    database.runBatch([append(2502, 2502)]);
    database.close();
    // And the one after it 2001..2400; the 102 after the snapshot stay.
    expect(rowCount(file)).toBe(102);
    database = LogDatabase.open(file, OPTIONS);
    expect(loadedIndexes(database)).toEqual(Array.from({ length: 102 }, (_, position) => 2401 + position));
    database.close();
  });
  it('an operation after a snapshot commit in the same transaction sees that snapshot', () => {
    const database = LogDatabase.open(databaseFile(), OPTIONS);
    // The first append reads the snapshot row (none yet); the commit replaces it; the truncation
    // below the new snapshot must then be refused, which it would not be with the first reading.
    const results = database.runBatch([append(1, 10), ...snapshotAt(8, 1), { type: 'append', entries: pack(5, 5), truncateFrom: 5 }]);
    expect(results.map((result) => result.ok)).toEqual([true, true, true, false]);
    expect((results[3] as { error: InvalidStorageOperationError }).error.code).toBe('TRUNCATE_BELOW_SNAPSHOT');
    expect(loadedIndexes(database)).toEqual([9, 10]);
    database.close();
  });
});

describe('LogDatabase durability settings', () => {
  it('runs in WAL mode with an exclusive lock, synchronous=FULL by default and NORMAL only when asked', () => {
    const full = LogDatabase.open(databaseFile(), OPTIONS);
    expect(full.durability()).toEqual({ journalMode: 'wal', synchronous: 2, lockingMode: 'exclusive' });
    full.close();
    const normal = LogDatabase.open(databaseFile(), { ...OPTIONS, synchronous: 'normal' });
    expect(normal.durability()).toEqual({ journalMode: 'wal', synchronous: 1, lockingMode: 'exclusive' });
    normal.close();
  });

  it("keeps a 2 MiB page cache (SQLite's default), not better-sqlite3's 16 MiB", () => {
    const database = LogDatabase.open(databaseFile(), OPTIONS);
    expect(database.pageCacheKiB()).toBe(2048);
    database.close();
  });
});
