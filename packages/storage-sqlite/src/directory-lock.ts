/**
 * The data directory's lock file: `LOCK`, holding the pid of the process that has the directory
 * open. Two processes appending to one log would interleave their writes and corrupt it, so a
 * second opener is refused while the holder lives. A lock left by a process that died (SIGKILL,
 * power loss) names a pid that no longer runs, and is taken over.
 *
 * The lock file is advisory and its take-over has a small race (two openers finding the same
 * stale lock at once). SQLite's exclusive file lock, held for as long as the database is open
 * and released by the kernel when its process dies, backs it up.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageLockedError } from './errors.js';

/** LOCK_FILE is the lock's name inside the data directory. */
export const LOCK_FILE = 'LOCK';

/** Directories this process holds: its own pid in a lock file cannot tell two instances apart. */
const heldByThisProcess = new Set<string>();

/** DirectoryLock is a held lock; `release` gives it back. */
export interface DirectoryLock {
  /** The directory's real path. */
  readonly directory: string;
  /** release gives the lock back (deletes `LOCK`); the directory may then be opened again. */
  release(): Promise<void>;
}

/**
 * acquireDirectoryLock creates `directory` if needed and locks it for this process. Throws
 * StorageLockedError if a live process (this one included, through another open storage) holds
 * it.
 */
export async function acquireDirectoryLock(directory: string): Promise<DirectoryLock> {
  await mkdir(directory, { recursive: true });
  const real = await realpath(directory);
  if (heldByThisProcess.has(real)) {
    throw new StorageLockedError(real, process.pid, `the data directory ${real} is already open in this process (pid ${process.pid})`);
  }
  const file = join(real, LOCK_FILE);
  // Reserve it in this process first: two opens racing here must not both proceed.
  heldByThisProcess.add(real);
  try {
    await takeLockFile(real, file);
  } catch (error) {
    heldByThisProcess.delete(real);
    throw error;
  }
  let released = false;
  return {
    directory: real,
    async release() {
      if (released) return;
      released = true;
      // Remove it only while it is still ours.
      if ((await readPid(file)) === process.pid) await rm(file, { force: true });
      heldByThisProcess.delete(real);
    },
  };
}

async function takeLockFile(directory: string, file: string): Promise<void> {
  const content = `${process.pid}\n`;
  try {
    await writeFile(file, content, { flag: 'wx' });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const holder = await readPid(file);
  // Our own pid, but not in heldByThisProcess: a lock from an earlier process that had our pid.
  if (holder !== undefined && holder !== process.pid && isAlive(holder)) {
    throw new StorageLockedError(directory, holder, `the data directory ${directory} is in use by process ${holder} (lock file ${file}); stop that process first`);
  }
  // A stale lock (its process is gone, or it was cut off before the pid was written). Replace it
  // atomically, then check the replacement is ours: a racing opener may have replaced it too.
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temporary, content);
  await rename(temporary, file);
  const now = await readPid(file);
  if (now !== process.pid) {
    throw new StorageLockedError(directory, now ?? 0, `the data directory ${directory} was locked by process ${now} while this one took over a stale lock`);
  }
}

async function readPid(file: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** isAlive tells whether process `pid` runs: signal 0 checks without sending anything. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
