/**
 * One process per data directory: a second opener is refused while the holder lives, and a lock
 * left behind by a killed process does not keep the node down.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStorage, LOCK_FILE, StorageLockedError } from '../src/index.js';
import { temporaryDirectory } from '../src/test-support/temporary-directory.js';
import { startStorageChild } from './support/child-process.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function directory(): string {
  const made = temporaryDirectory('lock');
  cleanups.push(made.remove);
  return made.path;
}

async function loadError(path: string): Promise<unknown> {
  const storage = createSqliteStorage({ directory: path });
  try {
    await storage.load();
    return 'loaded';
  } catch (error) {
    return error;
  } finally {
    await storage.close();
  }
}

describe('SqliteStorage data directory lock', () => {
  it('refuses a second storage on a directory open in this process, naming this pid, until the first closes', async () => {
    const path = directory();
    const first = createSqliteStorage({ directory: path });
    await first.append([{ index: 1, term: 1, type: 'normal', data: new Uint8Array([1]) }], {});
    const error = await loadError(path);
    expect(error).toBeInstanceOf(StorageLockedError);
    expect((error as StorageLockedError).pid).toBe(process.pid);
    expect(readFileSync(join(path, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    // The refused opener did not disturb the holder.
    expect((await first.load()).entries).toHaveLength(1);
    await first.close();
    const second = createSqliteStorage({ directory: path });
    expect((await second.load()).entries).toHaveLength(1);
    await second.close();
  });

  it('refuses a directory held by another live process with its pid, and takes over the lock once that process is SIGKILLed', async () => {
    const path = directory();
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    const holder = startStorageChild(['hold', path], (line) => line === 'ready' && ready());
    cleanups.push(() => void holder.process.kill('SIGKILL'));
    await isReady;
    const error = await loadError(path);
    expect(error).toBeInstanceOf(StorageLockedError);
    expect((error as StorageLockedError).pid).toBe(holder.process.pid);
    expect((error as Error).message).toContain(`in use by process ${holder.process.pid}`);
    holder.process.kill('SIGKILL');
    expect((await holder.exited).signal).toBe('SIGKILL');
    // The killed process could not remove its lock file.
    expect(readFileSync(join(path, LOCK_FILE), 'utf8')).toBe(`${holder.process.pid}\n`);
    const storage = createSqliteStorage({ directory: path });
    expect(await storage.load()).toEqual({ hardState: { term: 0, vote: null, commit: 0 }, entries: [] });
    expect(readFileSync(join(path, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    await storage.close();
  });

  it('takes over a lock file cut off before its pid was written, and removes the lock on close', async () => {
    const path = directory();
    writeFileSync(join(path, LOCK_FILE), '');
    const storage = createSqliteStorage({ directory: path });
    await storage.load();
    expect(readFileSync(join(path, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    await storage.close();
    expect(() => readFileSync(join(path, LOCK_FILE))).toThrow('ENOENT');
  });
});
