/**
 * MemoryStorage keeps a node's durable state in memory: for tests, examples and simulation. It
 * keeps Storage's promises (call order, atomic appends, a contiguous log) so a runtime tested
 * against it behaves the same on a real disk, and it can delay each write to exercise a runtime's
 * ack ordering. Like a disk storage, a snapshot save takes its place in the call order once its
 * chunks are read, so a simulation also runs appends that overtake a save.
 */
import type { Entry, HardState, MembershipConfig, SnapshotMeta } from '../raft/types.js';
import type { Clock } from '../runtime/interfaces.js';
import type { AppendOptions, LoadedState, Storage } from './storage.js';
import { copyBytes } from './copy-bytes.js';
import { SnapshotSaveOrder } from './snapshot-save-order.js';

/** Options for `createMemoryStorage`. */
export interface MemoryStorageOptions {
  /**
   * delay is awaited before each write (append, saveSnapshot, compact) lands. Writes still
   * complete strictly in call order (a snapshot's from when its chunks were read): a fast write
   * waits for a slow one before it.
   */
  readonly delay?: () => Promise<void>;
  /** With `persistDelayMs`: wait that long on this clock before each write lands. */
  readonly clock?: Clock;
  readonly persistDelayMs?: number;
}

/** StoredSnapshot is a snapshot's meta and bytes. */
interface StoredSnapshot {
  readonly meta: SnapshotMeta;
  readonly chunks: readonly Uint8Array[];
}

/** createMemoryStorage returns an empty MemoryStorage. */
export function createMemoryStorage(options: MemoryStorageOptions = {}): MemoryStorage {
  return new MemoryStorage(options);
}

/**
 * MemoryStorage is a Storage in memory. Its data outlives `close()`, as a disk outlives a
 * process: a new node can `load()` it again, which is how tests restart a node.
 */
export class MemoryStorage implements Storage {
  private hardState: HardState = { term: 0, vote: null, commit: 0 };
  /** Entries after the snapshot, contiguous, oldest first. */
  private entries: Entry[] = [];
  private snapshot: StoredSnapshot | undefined;
  /** Every operation chains on this, so operations complete in call order. */
  private tail: Promise<void> = Promise.resolve();
  private readonly delay: (() => Promise<void>) | undefined;
  /** Snapshot saves read their chunks first, then join the chain in call order among themselves. */
  private readonly saves = new SnapshotSaveOrder();

  constructor(options: MemoryStorageOptions = {}) {
    const { clock, persistDelayMs } = options;
    if (options.delay !== undefined) this.delay = options.delay;
    else if (clock !== undefined && persistDelayMs !== undefined && persistDelayMs > 0) {
      this.delay = () => new Promise<void>((resolve) => clock.setTimeout(resolve, persistDelayMs));
    }
  }

  load(): Promise<LoadedState> {
    return this.enqueue(false, () => this.durable());
  }

  append(entries: readonly Entry[], options: AppendOptions): Promise<void> {
    // Copied at call time: the caller may keep using (and the core keeps sharing) its objects.
    const incoming = entries.map(copyEntry);
    const hardState = options.hardState === undefined ? undefined : { ...options.hardState };
    const truncateFrom = options.truncateFrom;
    return this.enqueue(true, () => {
      const snapshotIndex = this.snapshot?.meta.index ?? 0;
      // Entries a snapshot already covers are dropped, as RaftLog does on load.
      const fresh = incoming.filter((entry) => entry.index > snapshotIndex);
      // Validate everything before changing anything: the append is atomic.
      let cut = this.lastIndex() + 1;
      if (truncateFrom !== undefined) {
        if (truncateFrom <= snapshotIndex) throw new Error(`append: cannot truncate from ${truncateFrom}, at or below snapshot ${snapshotIndex}`);
        cut = Math.min(cut, truncateFrom);
      }
      const first = fresh[0];
      // An entry at an index already held overwrites it and everything after it.
      if (first !== undefined) {
        if (first.index > cut) throw new Error(`append: entry ${first.index} would leave a hole after ${cut - 1}`);
        cut = first.index;
      }
      fresh.forEach((entry, position) => {
        if (entry.index !== cut + position) throw new Error(`append: entries are not contiguous at ${entry.index}`);
      });
      this.entries = [...this.entries.filter((entry) => entry.index < cut), ...fresh];
      if (hardState !== undefined) this.hardState = hardState;
    });
  }

  saveSnapshot(meta: SnapshotMeta, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const copy = copyMeta(meta);
    return this.saves.save(
      () => this.readAll(chunks),
      (bytes) => this.commitSnapshot(copy, bytes),
    );
  }

  private async readAll(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
    const bytes: Uint8Array[] = [];
    for await (const chunk of chunks) bytes.push(copyBytes(chunk));
    return bytes;
  }

  private commitSnapshot(meta: SnapshotMeta, bytes: Uint8Array[]): Promise<void> {
    return this.enqueue(true, () => {
      // Keep the log after the snapshot only if it continues the snapshot (Log Matching).
      const matching = this.entries.find((entry) => entry.index === meta.index)?.term === meta.term;
      this.entries = matching ? this.entries.filter((entry) => entry.index > meta.index) : [];
      this.snapshot = { meta, chunks: bytes };
      // A snapshot holds only committed state.
      if (this.hardState.commit < meta.index) this.hardState = { ...this.hardState, commit: meta.index };
    });
  }

  readSnapshot(): Promise<{ meta: SnapshotMeta; chunks: AsyncIterable<Uint8Array> } | undefined> {
    return this.enqueue(false, () => {
      const snapshot = this.snapshot;
      if (snapshot === undefined) return undefined;
      const copies = snapshot.chunks.map((chunk) => copyBytes(chunk));
      return {
        meta: copyMeta(snapshot.meta),
        chunks: (async function* () {
          yield* copies;
        })(),
      };
    });
  }

  compact(upTo: number): Promise<void> {
    return this.enqueue(true, () => {
      const snapshotIndex = this.snapshot?.meta.index ?? 0;
      if (upTo > snapshotIndex) throw new Error(`compact(${upTo}): only entries a snapshot covers (up to ${snapshotIndex}) may be deleted`);
      this.entries = this.entries.filter((entry) => entry.index > upTo);
    });
  }

  /** close waits for every earlier operation (snapshot saves included); the data stays for a later `load()`. */
  async close(): Promise<void> {
    await this.saves.idle();
    return this.enqueue(false, () => {});
  }

  /**
   * durable returns, synchronously, a copy of what is durable now: what a crash at this instant
   * would leave. Writes still in progress are not in it.
   */
  durable(): LoadedState {
    return {
      hardState: { ...this.hardState },
      ...(this.snapshot !== undefined ? { snapshot: copyMeta(this.snapshot.meta) } : {}),
      entries: this.entries.map(copyEntry),
    };
  }

  private lastIndex(): number {
    return this.entries.at(-1)?.index ?? this.snapshot?.meta.index ?? 0;
  }

  /** enqueue runs `operation` after every earlier one (and after the write delay if `write`). */
  private enqueue<T>(write: boolean, operation: () => T | Promise<T>): Promise<T> {
    const delay = write ? this.delay : undefined;
    const result = this.tail.then(async () => {
      if (delay !== undefined) await delay();
      return operation();
    });
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

function copyEntry(entry: Entry): Entry {
  return { index: entry.index, term: entry.term, type: entry.type, data: copyBytes(entry.data) };
}

function copyConfig(config: MembershipConfig): MembershipConfig {
  return {
    voters: [...config.voters],
    outgoingVoters: [...config.outgoingVoters],
    learners: [...config.learners],
    ...(config.addresses !== undefined ? { addresses: { ...config.addresses } } : {}),
  };
}

function copyMeta(meta: SnapshotMeta): SnapshotMeta {
  return { index: meta.index, term: meta.term, config: copyConfig(meta.config) };
}
