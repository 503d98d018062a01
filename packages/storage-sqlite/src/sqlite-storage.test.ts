import type { Entry, SnapshotMeta } from '@raftkit/core';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidStorageOperationError } from './errors.js';
import { createSqliteStorage, DATABASE_FILE, type SqliteStorage, type SqliteStorageOptions, type SqliteTransactionStatistics } from './sqlite-storage.js';
import { temporaryDirectory } from './test-support/temporary-directory.js';

const entry = (index: number, term = 1): Entry => ({ index, term, type: 'normal', data: new TextEncoder().encode(`entry ${index}`) });
const positions = (entries: readonly Entry[]) => entries.map((e) => `${e.index}@${e.term}`);
const CONFIG = { voters: ['a'], outgoingVoters: [], learners: [] };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function open(options: Omit<SqliteStorageOptions, 'directory'> = {}): { storage: SqliteStorage; directory: string } {
  const directory = temporaryDirectory('storage');
  const storage = createSqliteStorage({ directory: directory.path, ...options });
  cleanups.push(directory.remove, () => storage.close().catch(() => undefined));
  return { storage, directory: directory.path };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function* text(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield new TextEncoder().encode(part);
}

async function readText(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  let result = '';
  for await (const chunk of chunks) result += new TextDecoder().decode(chunk);
  return result;
}

describe('SqliteStorage group commit', () => {
  it('appends arriving while a transaction is in its (slow) fsync all go into the next transaction', async () => {
    const { storage } = open({ simulatedSyncDelayMs: 800 });
    await storage.load();
    const before = storage.statistics();
    const completed: number[] = [];
    const writes = [storage.append([entry(1)], { hardState: { term: 1, vote: 'a', commit: 0 } }).then(() => completed.push(1))];
    // One append per event-loop turn, all while the first transaction sleeps in its commit.
    for (let index = 2; index <= 100; index++) {
      await nextTurn();
      writes.push(storage.append([entry(index)], { hardState: { term: 1, vote: 'a', commit: index - 1 } }).then(() => completed.push(index)));
    }
    expect(completed).toEqual([]);
    await Promise.all(writes);
    expect(completed).toEqual(Array.from({ length: 100 }, (_, position) => position + 1));
    // Two transactions (two fsyncs) for 100 appends: the first alone, the 99 others together.
    expect(storage.statistics()).toEqual({ transactions: before.transactions + 2, operations: before.operations + 100 });
    const loaded = await storage.load();
    expect(loaded.entries).toHaveLength(100);
    expect(loaded.hardState).toEqual({ term: 1, vote: 'a', commit: 99 });
  });

  it('reports every committed transaction to onTransaction: its duration, calls and bytes', async () => {
    const seen: SqliteTransactionStatistics[] = [];
    const { storage } = open({ simulatedSyncDelayMs: 50, onTransaction: (transaction) => seen.push(transaction) });
    await storage.load();
    const before = seen.length;
    await Promise.all([storage.append([entry(1)], { hardState: { term: 1, vote: 'a', commit: 0 } }), storage.append([entry(2)], { hardState: { term: 1, vote: 'a', commit: 1 } })]);
    const appends = seen.slice(before);
    expect(appends.reduce((sum, transaction) => sum + transaction.operations, 0)).toBe(2);
    expect(appends.reduce((sum, transaction) => sum + transaction.bytes, 0)).toBeGreaterThanOrEqual(2 * 'entry 1'.length);
    // The simulated fsync sleeps 50 ms inside each transaction.
    for (const transaction of appends) expect(transaction.durationMs).toBeGreaterThanOrEqual(45);
  });

  it('keeps the event loop ticking while the worker sits in a 600 ms fsync', async () => {
    const { storage } = open({ simulatedSyncDelayMs: 600 });
    // Opening runs no transaction of ours; load does, so it is slow too: measure an append.
    await storage.load();
    let ticks = 0;
    let longestGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
      ticks++;
    }, 5);
    const started = performance.now();
    await storage.append([entry(1)], { hardState: { term: 1, vote: null, commit: 0 } });
    const took = performance.now() - started;
    clearInterval(timer);
    expect(took).toBeGreaterThanOrEqual(600);
    // A blocked loop would show one gap of 600 ms and no ticks; allow for a busy machine's jitter.
    expect(longestGap).toBeLessThan(300);
    expect(ticks).toBeGreaterThan(20);
  });
});

describe('SqliteStorage snapshots', () => {
  it('a snapshot still streaming its chunks does not hold appends back: it lands when its last chunk was read', async () => {
    const { storage } = open();
    await storage.append([entry(1), entry(2), entry(3)], { hardState: { term: 1, vote: null, commit: 2 } });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* slowChunks(): AsyncIterable<Uint8Array> {
      yield new TextEncoder().encode('first half, ');
      await gate;
      yield new TextEncoder().encode('second half');
    }
    const order: string[] = [];
    const before = storage.append([entry(4)], {}).then(() => order.push('append 4'));
    const saved = storage.saveSnapshot({ index: 2, term: 1, config: CONFIG }, slowChunks()).then(() => order.push('snapshot 2'));
    const after = storage.append([entry(5)], {}).then(() => order.push('append 5'));
    await Promise.all([before, after]);
    // Called while the snapshot's chunks were still being read, append 5 landed first.
    expect(order).toEqual(['append 4', 'append 5']);
    expect((await storage.load()).snapshot).toBeUndefined();
    release();
    await saved;
    await storage.append([entry(6)], {}).then(() => order.push('append 6'));
    expect(order).toEqual(['append 4', 'append 5', 'snapshot 2', 'append 6']);
    const loaded = await storage.load();
    expect(loaded.snapshot).toEqual({ index: 2, term: 1, config: CONFIG });
    // The snapshot kept the log after it, including the appends that overtook it.
    expect(positions(loaded.entries)).toEqual(['3@1', '4@1', '5@1', '6@1']);
    expect(await readText((await storage.readSnapshot())!.chunks)).toBe('first half, second half');
  });

  it('snapshot saves land in the order they were called, even when the later one streams faster', async () => {
    const { storage } = open();
    await storage.append([entry(1), entry(2), entry(3), entry(4)], { hardState: { term: 1, vote: null, commit: 4 } });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* slowChunks(): AsyncIterable<Uint8Array> {
      await gate;
      yield new TextEncoder().encode('older');
    }
    const order: string[] = [];
    const older = storage.saveSnapshot({ index: 2, term: 1, config: CONFIG }, slowChunks()).then(() => order.push('snapshot 2'));
    const newer = storage.saveSnapshot({ index: 4, term: 1, config: CONFIG }, text('newer')).then(() => order.push('snapshot 4'));
    for (let turn = 0; turn < 20; turn++) await nextTurn();
    expect(order).toEqual([]);
    release();
    await Promise.all([older, newer]);
    expect(order).toEqual(['snapshot 2', 'snapshot 4']);
    expect((await storage.load()).snapshot).toEqual({ index: 4, term: 1, config: CONFIG });
    expect(await readText((await storage.readSnapshot())!.chunks)).toBe('newer');
  });

  it('a large snapshot is written a chunk per transaction, not in one, and its commit comes after its last chunk', async () => {
    const seen: SqliteTransactionStatistics[] = [];
    const { storage } = open({ onTransaction: (transaction) => seen.push(transaction) });
    await storage.append([entry(1), entry(2)], { hardState: { term: 1, vote: null, commit: 2 } });
    seen.length = 0;
    const chunk = new Uint8Array(300 * 1024).fill(7);
    async function* fourChunks(): AsyncIterable<Uint8Array> {
      for (let sequence = 0; sequence < 4; sequence++) yield chunk;
    }
    await storage.saveSnapshot({ index: 2, term: 1, config: CONFIG }, fourChunks());
    // One chunk in each of four transactions, the commit alone or with the last one.
    expect(seen.filter((transaction) => transaction.bytes > 0).map((transaction) => transaction.bytes)).toEqual([chunk.length, chunk.length, chunk.length, chunk.length]);
    expect(seen.reduce((sum, transaction) => sum + transaction.operations, 0)).toBe(5);
    let total = 0;
    for await (const read of (await storage.readSnapshot())!.chunks) total += read.length;
    expect(total).toBe(4 * chunk.length);
  });

  it('the entries a snapshot covers are deleted a thousand per transaction, never visible after it', async () => {
    const { storage, directory } = open();
    const many = Array.from({ length: 2500 }, (_, position) => entry(position + 1));
    await storage.append(many, { hardState: { term: 1, vote: null, commit: 2500 } });
    const rows = () => {
      const raw = new Database(join(directory, DATABASE_FILE), { readonly: true, fileMustExist: true });
      try {
        return raw.prepare('SELECT count(*) FROM entries').pluck().get() as number;
      } catch {
        return -1;
      } finally {
        raw.close();
      }
    };
    // The storage holds the file's lock (EXCLUSIVE), so count through load(): the visible log,
    // and through the statistics: each transaction trims at most 1,000 rows.
    await storage.saveSnapshot({ index: 2400, term: 1, config: CONFIG }, text('s'));
    expect(positions((await storage.load()).entries)).toEqual(Array.from({ length: 100 }, (_, position) => `${2401 + position}@1`));
    await storage.append([entry(2501)], {});
    await storage.append([entry(2502)], {});
    await storage.close();
    expect(rows()).toBe(102);
  });

  it('close() called while a snapshot is still streaming its chunks lets that save finish first', async () => {
    const { storage, directory } = open();
    await storage.append([entry(1), entry(2)], {});
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* slowChunks(): AsyncIterable<Uint8Array> {
      yield new TextEncoder().encode('before close, ');
      await gate;
      yield new TextEncoder().encode('after close');
    }
    const saved = storage.saveSnapshot({ index: 2, term: 1, config: CONFIG }, slowChunks());
    const closed = storage.close();
    await nextTurn();
    release();
    await saved;
    await closed;
    const reopened = createSqliteStorage({ directory });
    try {
      expect((await reopened.load()).snapshot).toEqual({ index: 2, term: 1, config: CONFIG });
      expect(await readText((await reopened.readSnapshot())!.chunks)).toBe('before close, after close');
    } finally {
      await reopened.close();
    }
  });

  it('a reader keeps streaming its snapshot after a newer one is saved; the old chunks go once it finishes', async () => {
    const { storage, directory } = open();
    await storage.append([entry(1), entry(2), entry(3)], {});
    await storage.saveSnapshot({ index: 1, term: 1, config: CONFIG } satisfies SnapshotMeta, text('old-', 'snapshot-', 'bytes'));
    const reading = await storage.readSnapshot();
    const iterator = reading!.chunks[Symbol.asyncIterator]();
    expect(new TextDecoder().decode((await iterator.next()).value)).toBe('old-');
    await storage.saveSnapshot({ index: 2, term: 1, config: CONFIG }, text('new'));
    expect(await readText((await storage.readSnapshot())!.chunks)).toBe('new');
    // The first reader still gets the rest of the snapshot it started.
    expect(new TextDecoder().decode((await iterator.next()).value)).toBe('snapshot-');
    expect(new TextDecoder().decode((await iterator.next()).value)).toBe('bytes');
    expect((await iterator.next()).done).toBe(true);
    await storage.close();
    // Only the current snapshot's chunk is left in the file.
    const database = new Database(join(directory, DATABASE_FILE), { readonly: true });
    expect(database.prepare('SELECT count(*) FROM snapshot_chunks').pluck().get()).toBe(1);
    database.close();
  });
});

describe('SqliteStorage errors', () => {
  it('refuses an append that would leave a hole with InvalidStorageOperationError LOG_HOLE', async () => {
    const { storage } = open();
    await storage.append([entry(1)], {});
    const error = await storage.append([entry(3)], {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidStorageOperationError);
    expect((error as InvalidStorageOperationError).code).toBe('LOG_HOLE');
    expect((error as Error).message).toBe('append: entry 3 would leave a hole after 1');
  });

  it('refuses every call after close with InvalidStorageOperationError CLOSED, and close twice is fine', async () => {
    const { storage } = open();
    await storage.append([entry(1)], {});
    await storage.close();
    await storage.close();
    const error = await storage.load().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidStorageOperationError);
    expect((error as InvalidStorageOperationError).code).toBe('CLOSED');
  });
});
