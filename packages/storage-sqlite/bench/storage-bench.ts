/**
 * SqliteStorage throughput with fsync on (`synchronous: 'full'`), beside what the disk and
 * SQLite can do alone, measured in the same run on the same directory:
 *
 * - raw fsync: write 100 bytes + `fs.fsyncSync` in a loop: the ceiling for durable commits;
 * - raw SQLite: better-sqlite3 on this thread, same pragmas, one transaction per batch of
 *   inserts (no checksums, no worker, no copies): the ceiling for this schema;
 * - SqliteStorage, sequential: `await append(batch)` one after another, as RaftNode persists;
 * - SqliteStorage, pipelined: 32 appends in flight, which group commit merges into few fsyncs.
 *
 * Batch sizes 1, 16, 256 entries; entry sizes 100 B and 4 KiB. Target: sequential within 2× of
 * raw SQLite at each batch size. Each figure is the best of REPEATS runs. Prints a table, writes
 * bench/results/storage-sqlite.json.
 */
import type { Entry } from '@raftkit/core';
import Database from 'better-sqlite3';
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSqliteStorage } from '../src/index.js';

const BATCH_SIZES = [1, 16, 256];
const ENTRY_BYTES = [100, 4096];
/** Each measurement runs this long (after a short warm-up)... */
const MEASURE_MS = 500;
/** ...and is repeated, alternating with the others, keeping the best: a shared machine's noise only slows runs down. */
const REPEATS = 2;
const PIPELINE_DEPTH = 32;

const workDirectory = mkdtempSync(join(os.tmpdir(), 'raftkit-storage-bench-'));
let nextDirectory = 0;
const freshDirectory = () => {
  const path = join(workDirectory, `run-${nextDirectory++}`);
  mkdirSync(path);
  return path;
};

/** rate runs `step` (which does `units` of work) until MEASURE_MS passed; returns steps per second. */
async function rate(step: () => unknown): Promise<number> {
  for (let warm = 0; warm < 3; warm++) await step();
  let count = 0;
  const started = performance.now();
  let elapsed = 0;
  while ((elapsed = performance.now() - started) < MEASURE_MS) {
    await step();
    count++;
  }
  return (count * 1000) / elapsed;
}

function rawFsyncRate(): Promise<number> {
  const file = join(freshDirectory(), 'fsync-probe');
  const descriptor = openSync(file, 'w');
  const bytes = Buffer.alloc(100, 1);
  return rate(() => {
    writeSync(descriptor, bytes);
    fsyncSync(descriptor);
  }).finally(() => closeSync(descriptor));
}

function makeBatch(from: number, size: number, bytes: number): Entry[] {
  const data = new Uint8Array(bytes).fill(0x61);
  return Array.from({ length: size }, (_, position) => ({ index: from + position, term: 1, type: 'normal', data }));
}

async function rawSqliteRate(batchSize: number, entryBytes: number): Promise<number> {
  const database = new Database(join(freshDirectory(), 'raw.sqlite'));
  database.pragma('locking_mode = EXCLUSIVE');
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.exec('CREATE TABLE entries (log_index INTEGER PRIMARY KEY, term INTEGER NOT NULL, type INTEGER NOT NULL, data BLOB NOT NULL)');
  const insert = database.prepare('INSERT INTO entries (log_index, term, type, data) VALUES (?, ?, ?, ?)');
  const data = new Uint8Array(entryBytes).fill(0x61);
  let next = 1;
  const appendBatch = database.transaction(() => {
    for (let position = 0; position < batchSize; position++) insert.run(next++, 1, 0, data);
  });
  try {
    return await rate(() => appendBatch.immediate());
  } finally {
    database.close();
  }
}

/** storageRates measures one fresh SqliteStorage: awaited appends one at a time, then pipelined. */
async function storageRates(batchSize: number, entryBytes: number): Promise<{ sequential: number; pipelined: number }> {
  const storage = createSqliteStorage({ directory: freshDirectory() });
  await storage.load();
  let next = 1;
  const appendBatch = () => {
    const batch = makeBatch(next, batchSize, entryBytes);
    next += batchSize;
    return storage.append(batch, { hardState: { term: 1, vote: 'n1', commit: next - 1 } });
  };
  try {
    const sequential = await rate(appendBatch);
    // Keep PIPELINE_DEPTH appends in flight: each step waits for the oldest and issues a new one.
    const inFlight: Array<Promise<void>> = [];
    for (let position = 0; position < PIPELINE_DEPTH; position++) inFlight.push(appendBatch());
    const pipelined = await rate(async () => {
      await inFlight.shift();
      inFlight.push(appendBatch());
    });
    await Promise.all(inFlight);
    return { sequential, pipelined };
  } finally {
    await storage.close();
  }
}

const round = (value: number) => Math.round(value);

async function main(): Promise<void> {
  const fsyncPerSecond = Math.max(await rawFsyncRate(), await rawFsyncRate());
  const rows: Array<Record<string, string | number>> = [];
  for (const entryBytes of ENTRY_BYTES) {
    for (const batchSize of BATCH_SIZES) {
      let raw = 0;
      let sequential = 0;
      let pipelined = 0;
      for (let repeat = 0; repeat < REPEATS; repeat++) {
        raw = Math.max(raw, await rawSqliteRate(batchSize, entryBytes));
        const rates = await storageRates(batchSize, entryBytes);
        sequential = Math.max(sequential, rates.sequential);
        pipelined = Math.max(pipelined, rates.pipelined);
      }
      rows.push({
        'entry bytes': entryBytes,
        batch: batchSize,
        'raw sqlite batches/s': round(raw),
        'storage appends/s': round(sequential),
        'storage entries/s': round(sequential * batchSize),
        'storage / raw': Number((sequential / raw).toFixed(2)),
        [`pipelined (${PIPELINE_DEPTH}) appends/s`]: round(pipelined),
        'pipelined entries/s': round(pipelined * batchSize),
      });
    }
  }
  const title = `SqliteStorage with fsync (synchronous=FULL); raw fsync on the same disk: ${round(fsyncPerSecond)}/s`;
  console.log(`\n${title}`);
  console.table(rows);
  const resultsDirectory = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bench', 'results');
  mkdirSync(resultsDirectory, { recursive: true });
  const file = join(resultsDirectory, 'storage-sqlite.json');
  const cpus = os.cpus();
  writeFileSync(
    file,
    JSON.stringify({ name: 'storage-sqlite', title, date: new Date().toISOString(), node: process.version, cpus: cpus.length, cpu: cpus[0]?.model, fsyncPerSecond: round(fsyncPerSecond), rows }, null, 2) + '\n',
  );
  console.log(`wrote ${file}`);
}

main()
  .finally(() => rmSync(workDirectory, { recursive: true, force: true }))
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
