/**
 * The messages between SqliteStorage (the caller's thread) and its worker. Their typed arrays are
 * transferred instead of copied: PackedEntries are views of one buffer (packed-entries.ts), a
 * snapshot chunk owns its whole buffer.
 */
import type { HardState, SnapshotMeta } from '@raftkit/core';
import type { SerializedStorageError } from './errors.js';

/**
 * PackedEntries is a list of entries in five flat arrays: entry `i` is `indexes[i]`, `terms[i]`,
 * `types[i]` (0 normal, 1 config) and `data[offsets[i] .. offsets[i + 1])`. One copy at call time
 * and a transfer, instead of a structured clone of one object per entry. Made by
 * `allocatePackedEntries`, the five arrays share one buffer.
 */
export interface PackedEntries {
  readonly indexes: Float64Array;
  readonly terms: Float64Array;
  readonly types: Uint8Array;
  /** `count + 1` offsets into `data`. */
  readonly offsets: Float64Array;
  readonly data: Uint8Array;
}

/** StoredSnapshotInfo describes the stored snapshot for a reader. */
export interface StoredSnapshotInfo {
  readonly meta: SnapshotMeta;
  /** Which stored copy; its chunks stay readable until released, even if a newer one is saved. */
  readonly generation: number;
  readonly chunkCount: number;
}

/** Operation is one call, as the worker runs it inside a transaction. */
export type Operation =
  | { readonly type: 'load' }
  | { readonly type: 'append'; readonly entries: PackedEntries; readonly truncateFrom?: number; readonly hardState?: HardState }
  /** Stages a chunk of a snapshot being saved; invisible until `commitSnapshot`. */
  | { readonly type: 'stageSnapshotChunk'; readonly generation: number; readonly sequence: number; readonly data: Uint8Array }
  | { readonly type: 'commitSnapshot'; readonly generation: number; readonly meta: SnapshotMeta; readonly chunkCount: number }
  /** Deletes the staged chunks of a snapshot whose save failed. */
  | { readonly type: 'discardSnapshot'; readonly generation: number }
  | { readonly type: 'readSnapshot' }
  | { readonly type: 'readSnapshotChunks'; readonly generation: number; readonly from: number; readonly maxBytes: number }
  | { readonly type: 'releaseSnapshot'; readonly generation: number }
  | { readonly type: 'compact'; readonly upTo: number };

/** LoadResult is what a `load` operation answers. */
export interface LoadResult {
  readonly hardState: HardState;
  readonly snapshot?: SnapshotMeta;
  readonly entries: PackedEntries;
}

/** OperationResult is one operation's outcome, in the order the operations were sent. */
export type OperationResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: SerializedStorageError };

/** WorkerOptions reach the worker as `workerData`. */
export interface WorkerOptions {
  readonly file: string;
  readonly synchronous: 'full' | 'normal';
  readonly integrityCheck: 'quick' | 'full' | 'off';
  /** Test hook: the worker sleeps this long inside each write transaction, before its commit. */
  readonly simulatedSyncDelayMs: number;
}

/** Requests from the caller's thread. */
export type WorkerRequest = { readonly type: 'batch'; readonly id: number; readonly operations: readonly Operation[] } | { readonly type: 'close' };

/** Replies from the worker. */
export type WorkerReply =
  | { readonly type: 'opened'; readonly nextGeneration: number }
  | { readonly type: 'openFailed'; readonly error: SerializedStorageError }
  /** `error` set: the transaction failed as a whole (its commit failed) and nothing in it was written. */
  | { readonly type: 'batch'; readonly id: number; readonly results: readonly OperationResult[]; readonly error?: SerializedStorageError }
  | { readonly type: 'closed'; readonly error?: SerializedStorageError };
