/**
 * SimStorage: a Storage over a SimDisk whose writes land after a random virtual delay, in call
 * order, and which can crash. A crash lands a random prefix of the writes still queued and loses
 * the rest; their promises never settle, as a process killed mid-fsync never hears back.
 *
 * A restart is a new SimStorage over the same SimDisk.
 */
import { SnapshotSaveOrder, type AppendOptions, type Clock, type Entry, type LoadedState, type SnapshotMeta, type Storage } from '@raftkit/core';
import { describeEntries } from './describe.js';
import { SimDisk } from './sim-disk.js';
import type { SimRandom } from './random.js';

/** DiskFaults: how long writes take. Delays are whole virtual ms. */
export interface DiskFaults {
  /** Each write lands after a delay in [minDelayMs, maxDelayMs]. Default 1–8. */
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** With this probability a write stalls `stallMs` longer (a slow fsync). Default 0. */
  readonly stallChance: number;
  readonly stallMs: number;
  /**
   * A snapshot save reads each chunk of the state machine's stream this long after the last
   * (default `minDelayMs`); meanwhile the node goes on applying entries.
   */
  readonly snapshotReadDelayMs?: number;
}

/** DEFAULT_DISK_FAULTS: a fast disk with no stalls. */
export const DEFAULT_DISK_FAULTS: DiskFaults = { minDelayMs: 1, maxDelayMs: 8, stallChance: 0, stallMs: 0 };

/** SimStorageOptions wires a SimStorage into a simulation. */
export interface SimStorageOptions {
  readonly disk: SimDisk;
  readonly clock: Clock;
  readonly random: SimRandom;
  readonly faults?: DiskFaults;
  /** trace receives one line per write queued and landed. */
  readonly trace?: (text: string) => void;
  /**
   * entryWritten is called when an append is made (not when it lands), once per entry, with the
   * term of the entry before it: every entry that enters the node's log passes here.
   */
  readonly entryWritten?: (entry: Entry, previousTerm: number) => void;
}

/** CrashReport says how many queued writes a crash landed and how many it lost. */
export interface CrashReport {
  readonly landed: number;
  readonly lost: number;
}

interface QueuedOperation {
  readonly number: number;
  /** land applies a write to the disk; a no-op for reads. */
  readonly land: () => void;
  readonly write: boolean;
  /** finish settles the caller's promise; fail rejects it. */
  readonly finish: () => void;
  readonly fail: (error: unknown) => void;
  cancel: () => void;
}

/**
 * never returns a promise that never settles. A fresh one each time: a shared one would keep
 * every callback ever attached to it (and the crashed node behind each) alive forever.
 */
function never(): Promise<never> {
  return new Promise<never>(() => {});
}

/** SimStorage is one incarnation's Storage; see the module comment. */
export class SimStorage implements Storage {
  readonly disk: SimDisk;
  private readonly clock: Clock;
  private readonly random: SimRandom;
  private readonly faults: DiskFaults;
  private readonly trace: ((text: string) => void) | undefined;
  private readonly entryWritten: ((entry: Entry, previousTerm: number) => void) | undefined;
  /** The disk as it will be once every queued write has landed. */
  private readonly tail: SimDisk;
  private readonly queue: QueuedOperation[] = [];
  /** When the last queued operation lands; later ones never land before it. */
  private lastDue = 0;
  private operations = 0;
  private crashed = false;
  /** Snapshot saves read their chunks, then join the queue in call order among themselves. */
  private readonly saves = new SnapshotSaveOrder();

  constructor(options: SimStorageOptions) {
    this.disk = options.disk;
    this.clock = options.clock;
    this.random = options.random;
    this.faults = options.faults ?? DEFAULT_DISK_FAULTS;
    this.trace = options.trace;
    this.entryWritten = options.entryWritten;
    this.tail = options.disk.clone();
  }

  /** pendingWrites is how many writes are queued and not yet durable. */
  get pendingWrites(): number {
    return this.queue.filter((operation) => operation.write).length;
  }

  /** load returns what the simulated disk holds (`Storage.load`). */
  load(): Promise<LoadedState> {
    return this.read(() => this.disk.loaded());
  }

  /** append writes to the simulated disk, which makes it durable only when the write completes (`Storage.append`). */
  append(entries: readonly Entry[], options: AppendOptions): Promise<void> {
    if (this.crashed) return never();
    // Copied at call time: later mutation by the caller (a bug) must not change what was written.
    const copies = entries.map((entry) => ({ index: entry.index, term: entry.term, type: entry.type, data: entry.data.slice() }));
    const written: AppendOptions = {
      ...(options.truncateFrom !== undefined ? { truncateFrom: options.truncateFrom } : {}),
      ...(options.hardState !== undefined ? { hardState: { ...options.hardState } } : {}),
    };
    try {
      this.tail.checkAppend(copies, written);
    } catch (error) {
      return Promise.reject(error);
    }
    this.tail.append(copies, written);
    if (this.entryWritten !== undefined) {
      // Entries a snapshot already covers are dropped by the write; they enter no log.
      for (const entry of copies) if (entry.index > this.tail.snapshotIndex()) this.entryWritten(entry, this.tail.term(entry.index - 1)!);
    }
    return this.write(describeAppend(copies, written), () => this.disk.append(copies, written));
  }

  /**
   * saveSnapshot reads the chunks as a disk takes them, `snapshotReadDelayMs` before each, then
   * queues the write: as Storage allows, the save takes its place in the call order when its last
   * chunk was read (after any earlier save), so appends called meanwhile land before it. The
   * runtime keeps applying entries while the chunks are read, which catches a lazy `snapshot()`.
   */
  saveSnapshot(meta: SnapshotMeta, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    if (this.crashed) return never();
    return this.saves.save(
      () => this.readChunks(chunks),
      (bytes) => {
        if (this.crashed) return never();
        this.tail.saveSnapshot(meta, bytes);
        return this.write(`snapshot ${meta.index}@${meta.term}`, () => this.disk.saveSnapshot(meta, bytes));
      },
    );
  }

  /** readChunks reads a snapshot's stream, one chunk every `snapshotReadDelayMs` of virtual time. */
  private async readChunks(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
    const delay = this.faults.snapshotReadDelayMs ?? this.faults.minDelayMs;
    const bytes: Uint8Array[] = [];
    const iterator = chunks[Symbol.asyncIterator]();
    for (;;) {
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, delay));
      const next = await iterator.next();
      if (next.done === true) return bytes;
      bytes.push(next.value.slice());
    }
  }

  /** readSnapshot streams the simulated disk's snapshot (`Storage.readSnapshot`). */
  readSnapshot(): Promise<{ meta: SnapshotMeta; chunks: AsyncIterable<Uint8Array> } | undefined> {
    return this.read(() => {
      const snapshot = this.disk.snapshot;
      if (snapshot === undefined) return undefined;
      const copies = snapshot.chunks.map((chunk) => chunk.slice());
      return {
        meta: snapshot.meta,
        chunks: (async function* () {
          yield* copies;
        })(),
      };
    });
  }

  compact(upTo: number): Promise<void> {
    if (this.crashed) return never();
    try {
      this.tail.compact(upTo);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.write(`compact ${upTo}`, () => this.disk.compact(upTo));
  }

  /** close waits for every queued write; the disk stays for the next incarnation. */
  close(): Promise<void> {
    return this.read(() => undefined);
  }

  /**
   * crash lands a random prefix of the queued writes and loses the rest. Every promise still
   * pending, and every later call, never settles.
   */
  crash(): CrashReport {
    if (this.crashed) return { landed: 0, lost: 0 };
    this.crashed = true;
    const keep = this.random.int(0, this.queue.length);
    let landed = 0;
    let lost = 0;
    this.queue.forEach((operation, position) => {
      operation.cancel();
      if (!operation.write) return;
      if (position >= keep) {
        lost++;
        return;
      }
      operation.land();
      landed++;
    });
    this.queue.length = 0;
    return { landed, lost };
  }

  private read<T>(value: () => T): Promise<T> {
    if (this.crashed) return never();
    // Nothing queued: answer now. Otherwise answer after every earlier write (call order).
    if (this.queue.length === 0) return Promise.resolve(value());
    return new Promise<T>((resolve, reject) => this.enqueue(false, undefined, () => {}, () => resolve(value()), reject, 0));
  }

  private write(description: string, land: () => void): Promise<void> {
    let delay = this.random.int(this.faults.minDelayMs, this.faults.maxDelayMs);
    if (this.random.chance(this.faults.stallChance)) delay += this.faults.stallMs;
    return new Promise<void>((resolve, reject) => this.enqueue(true, description, land, resolve, reject, delay));
  }

  private enqueue(write: boolean, description: string | undefined, land: () => void, finish: () => void, fail: (error: unknown) => void, delay: number): void {
    const number = ++this.operations;
    const due = Math.max(this.clock.now() + delay, this.lastDue);
    this.lastDue = due;
    const operation: QueuedOperation = { number, land, write, finish, fail, cancel: () => {} };
    this.queue.push(operation);
    operation.cancel = this.clock.setTimeout(() => {
      // Due times never decrease and equal ones fire in order, so this is the oldest operation.
      const oldest = this.queue.shift();
      if (oldest !== operation) throw new Error(`SimStorage: operation ${number} landed out of order`);
      try {
        operation.land();
      } catch (error) {
        this.trace?.(`failed w${number}`);
        operation.fail(error);
        return;
      }
      if (write) this.trace?.(`durable w${number}`);
      operation.finish();
    }, due - this.clock.now());
    if (description !== undefined) this.trace?.(`write w${number} ${description} +${due - this.clock.now()}ms`);
  }
}

function describeAppend(entries: readonly Entry[], options: AppendOptions): string {
  const parts: string[] = [];
  if (options.truncateFrom !== undefined) parts.push(`trunc${options.truncateFrom}`);
  if (entries.length > 0) parts.push(`e${describeEntries(entries)}`);
  const hardState = options.hardState;
  if (hardState !== undefined) parts.push(`hs${hardState.term}/${hardState.vote ?? '-'}/${hardState.commit}`);
  return parts.join(' ');
}
