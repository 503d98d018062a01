import type { Entry, HardState, SnapshotMeta } from '../raft/types.js';

/** LoadedState is everything a node needs to start: what `Storage.load()` returns. */
export interface LoadedState {
  readonly hardState: HardState;
  readonly snapshot?: SnapshotMeta;
  /** Entries after the snapshot, contiguous, oldest first. */
  readonly entries: Entry[];
}

/** AppendOptions: what else one `append` writes, atomically with its entries. */
export interface AppendOptions {
  /** Delete every entry at or after this index before writing (a conflicting tail). */
  readonly truncateFrom?: number;
  readonly hardState?: HardState;
}

/**
 * Storage is a node's durable state: log, hard state, snapshot.
 *
 * To ensure correctness an implementation MUST:
 * - complete calls in the order they were made (a later append never lands before an earlier one),
 *   with one exception a storage MAY use: a `saveSnapshot` takes its place in that order when its
 *   last chunk has been read (and never before an earlier `saveSnapshot`), not when it is called,
 *   so calls made while its chunks are still being read may complete before it (a node saves its
 *   own snapshot beside its appends: the snapshot is at or below the commit, which no append can
 *   truncate);
 * - make the write durable BEFORE the returned promise resolves (fsync, not a page-cache write);
 * - write an append's truncation, entries and hard state atomically: after a crash either all of
 *   it or none of it is there;
 * - keep the log contiguous: no holes between the snapshot and the last entry.
 */
export interface Storage {
  /** load reads everything back at start: hard state, snapshot metadata and the log after the snapshot. Called once, before any other call. */
  load(): Promise<LoadedState>;
  /** append writes entries (after truncating from `options.truncateFrom`) and the hard state, atomically and durably. */
  append(entries: readonly Entry[], options: AppendOptions): Promise<void>;
  /**
   * saveSnapshot stores a snapshot (replacing the previous one) and deletes every entry at or
   * before `meta.index`. Entries after it are kept only if the entry at `meta.index` matched
   * `meta.term` (the log continues the snapshot); otherwise the whole log is deleted. The core
   * keeps its trailing entries in memory; after a restart the log starts after the snapshot.
   * A call that must land after the snapshot (a compaction it covers) waits for this promise.
   */
  saveSnapshot(meta: SnapshotMeta, chunks: AsyncIterable<Uint8Array>): Promise<void>;
  /** readSnapshot returns the stored snapshot's metadata and a stream of its bytes, or undefined when there is none. */
  readSnapshot(): Promise<{ meta: SnapshotMeta; chunks: AsyncIterable<Uint8Array> } | undefined>;
  /** compact deletes entries up to and including `upTo` (they are in a snapshot). */
  compact(upTo: number): Promise<void>;
  /** close finishes the calls already made and releases the storage; later calls reject. */
  close(): Promise<void>;
}
