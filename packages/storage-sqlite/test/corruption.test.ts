/**
 * A damaged data file MUST fail `load()` with a typed error that says what is wrong, and MUST
 * NOT hand back wrong data: a node that starts from a wrong vote or log can break Raft's safety.
 */
import type { Entry } from '@raftkit/core';
import Database from 'better-sqlite3';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStorage, DATABASE_FILE, StorageCorruptionError, type StorageCorruptionCode } from '../src/index.js';
import { temporaryDirectory } from '../src/test-support/temporary-directory.js';

const encoder = new TextEncoder();
const entry = (index: number): Entry => ({ index, term: 2, type: 'normal', data: encoder.encode(`payload-of-entry-${String(index).padStart(4, '0')}-end`) });

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** writeStore writes 20 entries, a hard state and a snapshot, closes, and returns the file. */
async function writeStore(): Promise<{ directory: string; file: string }> {
  const directory = temporaryDirectory('corruption');
  cleanups.push(directory.remove);
  const storage = createSqliteStorage({ directory: directory.path });
  await storage.append(
    Array.from({ length: 20 }, (_, position) => entry(position + 1)),
    { hardState: { term: 2, vote: 'node-q', commit: 20 } },
  );
  await storage.saveSnapshot(
    { index: 5, term: 2, config: { voters: ['a'], outgoingVoters: [], learners: [] } },
    (async function* () {
      yield encoder.encode('snapshot-chunk-zero-bytes');
    })(),
  );
  // close() checkpoints the WAL: every row is now in the main file.
  await storage.close();
  return { directory: directory.path, file: join(directory.path, DATABASE_FILE) };
}

/** loadError opens the directory and returns what load() rejected with (or 'loaded'). */
async function loadError(directory: string): Promise<unknown> {
  const storage = createSqliteStorage({ directory });
  try {
    await storage.load();
    return 'loaded';
  } catch (error) {
    return error;
  } finally {
    await storage.close();
  }
}

function expectCorruption(error: unknown, code: StorageCorruptionCode, mentions: string): void {
  expect(error).toBeInstanceOf(StorageCorruptionError);
  expect((error as StorageCorruptionError).code).toBe(code);
  expect((error as Error).message).toContain(mentions);
}

/** flip inverts one byte of the file at the first occurrence of `marker` (plus `offset`). */
function flip(file: string, marker: string, offset = 0): void {
  const bytes = readFileSync(file);
  const at = bytes.indexOf(Buffer.from(marker));
  expect(at).toBeGreaterThan(0);
  bytes[at + offset] = bytes[at + offset]! ^ 0xff;
  writeFileSync(file, bytes);
}

describe('SqliteStorage on a damaged file', () => {
  it('a flipped byte in a log entry data fails load with CHECKSUM_MISMATCH naming the entry', async () => {
    const { directory, file } = await writeStore();
    flip(file, 'payload-of-entry-0013-end', 20);
    expectCorruption(await loadError(directory), 'CHECKSUM_MISMATCH', 'log entry 13');
  });

  it('a flipped byte in the hard state (the vote) fails load with CHECKSUM_MISMATCH', async () => {
    const { directory, file } = await writeStore();
    flip(file, 'node-q', 5);
    expectCorruption(await loadError(directory), 'CHECKSUM_MISMATCH', 'hard state');
  });

  it('a flipped byte in a snapshot chunk fails the snapshot read with CHECKSUM_MISMATCH, never wrong bytes', async () => {
    const { directory, file } = await writeStore();
    flip(file, 'snapshot-chunk-zero-bytes', 3);
    const storage = createSqliteStorage({ directory });
    try {
      const stored = await storage.readSnapshot();
      const read = (async () => {
        for await (const chunk of stored!.chunks) return chunk;
      })();
      expectCorruption(await read.catch((error: unknown) => error), 'CHECKSUM_MISMATCH', 'snapshot chunk 0');
    } finally {
      await storage.close();
    }
  });

  it('a file cut to half its pages fails load with TRUNCATED', async () => {
    const { directory, file } = await writeStore();
    const size = readFileSync(file).length;
    truncateSync(file, Math.floor(size / 4096 / 2) * 4096);
    expectCorruption(await loadError(directory), 'TRUNCATED', 'its header says');
  });

  it('a file cut in the middle of a page, or inside the header, fails load with TRUNCATED', async () => {
    const { directory, file } = await writeStore();
    truncateSync(file, 4096 + 1000);
    expectCorruption(await loadError(directory), 'TRUNCATED', 'bytes');
    truncateSync(file, 60);
    expectCorruption(await loadError(directory), 'TRUNCATED', 'less than a SQLite header');
  });

  it('a file that is not SQLite at all fails load with NOT_A_DATABASE', async () => {
    const directory = temporaryDirectory('foreign');
    cleanups.push(directory.remove);
    writeFileSync(join(directory.path, DATABASE_FILE), 'name,age\nada,36\n'.repeat(500));
    expectCorruption(await loadError(directory.path), 'NOT_A_DATABASE', 'not a SQLite database');
  });

  it('a SQLite database of another application fails load with FOREIGN_SCHEMA and is left untouched', async () => {
    const directory = temporaryDirectory('other-schema');
    cleanups.push(directory.remove);
    const file = join(directory.path, DATABASE_FILE);
    const other = new Database(file);
    other.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada');");
    other.close();
    const before = readFileSync(file);
    expectCorruption(await loadError(directory.path), 'FOREIGN_SCHEMA', 'tables users');
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it("a damaged B-tree page fails load with MALFORMED_DATABASE from SQLite's own check", async () => {
    const { directory, file } = await writeStore();
    const raw = new Database(file, { readonly: true });
    const rootPage = raw.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'entries'").pluck().get() as number;
    raw.close();
    const bytes = readFileSync(file);
    // Byte 0 of a B-tree page is its type (2, 5, 10 or 13); 0x55 is none of them.
    bytes[(rootPage - 1) * 4096] = 0x55;
    writeFileSync(file, bytes);
    expectCorruption(await loadError(directory), 'MALFORMED_DATABASE', 'malformed');
  });
});
