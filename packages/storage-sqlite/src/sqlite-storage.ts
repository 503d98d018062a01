/**
 * SqliteStorage is a durable `Storage` in one SQLite file, driven from a worker thread.
 *
 *   caller's thread                                   worker thread
 *   append / saveSnapshot / compact / load ──┐
 *        (queued in call order)              │  batch  ┌─────────────────────────────┐
 *                                            ├───────► │ BEGIN; op; op; op; COMMIT   │
 *   promises resolved in call order  ◄───────┘ results │ (one fsync for the batch)   │
 *                                                      └─────────────────────────────┘
 *
 * Group commit: one batch is in the worker at a time. Every call made while it runs waits in the
 * queue and goes, all together, into the next transaction, so a burst of appends costs one fsync,
 * not one each: the write rate is bounded by the disk's fsync rate, not by the call rate.
 *
 * Order: batches run one after another and the worker answers a batch's operations in the order
 * they were called, so calls complete in call order. A snapshot being saved streams its chunks
 * into the database beside that order, and its commit takes its place in the order once the last
 * chunk was read (as Storage allows): appends called meanwhile do not wait for the whole save.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SnapshotSaveOrder, type AppendOptions, type Entry, type LoadedState, type SnapshotMeta, type Storage } from '@raftkit/core';
import { acquireDirectoryLock, type DirectoryLock } from './directory-lock.js';
import { deserializeError, InvalidStorageOperationError } from './errors.js';
import { packedTransfers, packEntries } from './packed-entries.js';
import type { LoadResult, Operation, PackedEntries, StoredSnapshotInfo, WorkerOptions, WorkerReply } from './worker-protocol.js';

/** DATABASE_FILE is the SQLite file's name inside the data directory. */
export const DATABASE_FILE = 'raft.sqlite';

/** Options for `createSqliteStorage`. */
export interface SqliteStorageOptions {
  /** The data directory; created if missing. One node per directory. */
  readonly directory: string;
  /**
   * `full` (default): every commit fsyncs the WAL before the call resolves; a power loss loses
   * nothing that was acknowledged. `normal`: commits reach the OS but are fsynced only at
   * checkpoints; a process crash still loses nothing, but a power loss or kernel crash may lose
   * the last acknowledged writes, which a Raft node has already promised to its peers (votes,
   * appended entries). See the README before choosing it.
   */
  readonly synchronous?: 'full' | 'normal';
  /** SQLite's structure check when opening: `quick` (default), `full`, or `off`. */
  readonly integrityCheck?: 'quick' | 'full' | 'off';
  /** A transaction takes queued calls up to this many bytes of entry data (default 16 MiB). */
  readonly maxTransactionBytes?: number;
  /** Snapshot chunks are read from the worker in rounds of about this many bytes (default 4 MiB). */
  readonly snapshotReadBytes?: number;
  /** Test hook: the worker sleeps this long inside every transaction, as a slow fsync would. */
  readonly simulatedSyncDelayMs?: number;
  /**
   * Where the worker script is, as a `file:` URL or an absolute path. By default it is
   * `storage-worker.js` beside this module, which is right when the package is installed. A
   * bundle that inlines this package has no such file beside it: bundle the
   * `@raftkit/storage-sqlite/worker` entry point as a file of its own and pass its location here,
   * for example `new URL('./sqlite-worker.js', import.meta.url)`.
   */
  readonly workerUrl?: URL | string;
  /**
   * A lock on `directory` the caller already holds (acquireDirectoryLock), taken over by the
   * storage and released when it closes: a caller that writes files of its own into the
   * directory BEFORE opening the storage holds the directory from the first write on.
   */
  readonly lock?: DirectoryLock;
  /**
   * Called after every committed transaction (for metrics: this package measures, the host
   * exports). Must not throw; it runs on the storage's completion path.
   */
  readonly onTransaction?: (transaction: SqliteTransactionStatistics) => void;
}

/** SqliteTransactionStatistics describes one committed transaction. */
export interface SqliteTransactionStatistics {
  /** Milliseconds from handing the batch to the worker to its answer: the commit, fsync included. */
  readonly durationMs: number;
  /** Calls (appends, snapshot chunks, compactions...) the transaction carried. */
  readonly operations: number;
  /** Bytes of entry and snapshot data it wrote. */
  readonly bytes: number;
}

/** SqliteStorageStatistics counts the worker's work since the storage was created. */
export interface SqliteStorageStatistics {
  /** Transactions committed (each one fsync with `synchronous: 'full'`). */
  readonly transactions: number;
  /** Operations carried by those transactions. */
  readonly operations: number;
}

/** A snapshot save may stream this many bytes to the worker before waiting for them to land. */
const MAX_STAGING_BYTES = 8 * 1024 * 1024;

/**
 * A transaction carries snapshot chunks up to about this many bytes (at least one chunk), so
 * the appends that share it, or wait for it, are not held up by a whole snapshot's writing.
 */
const STAGING_BYTES_PER_TRANSACTION = 256 * 1024;

/** The storage worker's young generation, in MiB (see open()). */
const WORKER_YOUNG_GENERATION_MB = 6;

/** createSqliteStorage returns a SqliteStorage over `options.directory`; it opens in the background. */
export function createSqliteStorage(options: SqliteStorageOptions): SqliteStorage {
  return new SqliteStorage(options);
}

/** Queued is one call waiting for, or inside, a transaction. */
interface Queued {
  /** `send`: `operation` goes to the worker. `local`: answered here (the close barrier) at its turn. */
  state: 'send' | 'local';
  operation?: Operation;
  transfer: ArrayBuffer[];
  bytes: number;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * SqliteStorage keeps Storage's promises on disk: calls complete in call order, each durable
 * (fsynced) before its promise resolves, an append's truncation, entries and hard state in one
 * transaction, and every row checksummed and verified on `load()`.
 *
 * Errors: `load()` (and every call) rejects with StorageCorruptionError when the file cannot be
 * trusted, StorageLockedError when another live process has the directory open.
 */
export class SqliteStorage implements Storage {
  readonly directory: string;
  private readonly options: Required<Omit<SqliteStorageOptions, 'directory' | 'workerUrl' | 'lock' | 'onTransaction'>>;
  private readonly workerUrl: URL | string | undefined;
  private readonly onTransaction: ((transaction: SqliteTransactionStatistics) => void) | undefined;
  /** When the batch in the worker was sent, and its data bytes. */
  private inFlightSince = 0;
  private inFlightBytes = 0;
  /** Calls in call order, not yet sent. */
  private readonly ordered: Queued[] = [];
  /** Work whose order does not matter (staged snapshot chunks, chunk reads); sent first. */
  private readonly unordered: Queued[] = [];
  private inFlight: Queued[] | undefined;
  private worker: Worker | undefined;
  private lock: DirectoryLock | undefined;
  private ready = false;
  /** Set when opening failed or the worker died: every call rejects with it. */
  private failure: Error | undefined;
  /** close() was called: new calls are refused (work for earlier calls still goes on). */
  private closeRequested = false;
  /** The close message went to the worker: nothing more may be sent. */
  private workerClosing = false;
  /** Set before we stop the worker ourselves, so its exit is not taken for a crash. */
  private stoppingWorker = false;
  private closing: Promise<void> | undefined;
  private dispatchScheduled = false;
  private nextGeneration = 0;
  private nextBatchId = 0;
  private transactions = 0;
  private operations = 0;
  private readonly opened: Promise<void>;
  private openWaiter: { resolve(): void; reject(error: Error): void } | undefined;
  private closeWaiter: ((error: Error | undefined) => void) | undefined;
  /** Snapshot saves stage their chunks, then commit in call order among themselves; close() waits for them. */
  private readonly saves = new SnapshotSaveOrder();

  private readonly heldLock: DirectoryLock | undefined;

  constructor(options: SqliteStorageOptions) {
    this.directory = options.directory;
    this.onTransaction = options.onTransaction;
    this.heldLock = options.lock;
    this.options = {
      synchronous: options.synchronous ?? 'full',
      integrityCheck: options.integrityCheck ?? 'quick',
      maxTransactionBytes: options.maxTransactionBytes ?? 16 * 1024 * 1024,
      snapshotReadBytes: options.snapshotReadBytes ?? 4 * 1024 * 1024,
      simulatedSyncDelayMs: options.simulatedSyncDelayMs ?? 0,
    };
    this.workerUrl = options.workerUrl;
    this.opened = this.open().then(
      () => {
        this.ready = true;
        this.scheduleDispatch();
      },
      (error: unknown) => this.fail(error as Error),
    );
  }

  /** load reads the hard state, snapshot metadata and log, verifying every row's checksum (`Storage.load`). */
  load(): Promise<LoadedState> {
    return this.enqueue('ordered', { type: 'load' }).then((value) => unpackLoad(value as LoadResult));
  }

  /** append writes truncation, entries and hard state in one transaction, fsynced before it resolves (`Storage.append`). */
  append(entries: readonly Entry[], options: AppendOptions): Promise<void> {
    // Copied now: the caller may reuse its objects once the call returns.
    const packed = packEntries(entries, entryTypeCode);
    const operation: Operation = {
      type: 'append',
      entries: packed,
      ...(options.truncateFrom !== undefined ? { truncateFrom: options.truncateFrom } : {}),
      ...(options.hardState !== undefined ? { hardState: { term: options.hardState.term, vote: options.hardState.vote, commit: options.hardState.commit } } : {}),
    };
    return this.enqueue('ordered', operation, packedTransfers(packed), packed.data.length).then(() => undefined);
  }

  /**
   * saveSnapshot stages the chunks as they are read, then commits them (`Storage.saveSnapshot`).
   * The commit joins the call order when the last chunk was read, so calls made while the
   * chunks stream may complete first.
   */
  saveSnapshot(meta: SnapshotMeta, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const refused = this.refusal('ordered');
    if (refused !== undefined) return Promise.reject(refused);
    const copy = copyMeta(meta);
    return this.saves.save(
      () => this.stageSnapshot(chunks),
      ({ generation, chunkCount }) => this.enqueue('ordered', { type: 'commitSnapshot', generation, meta: copy, chunkCount }, [], 0, true).then(() => undefined),
    );
  }

  /** readSnapshot streams the stored snapshot from the database in rounds of `snapshotReadBytes` (`Storage.readSnapshot`). */
  readSnapshot(): Promise<{ meta: SnapshotMeta; chunks: AsyncIterable<Uint8Array> } | undefined> {
    return this.enqueue('ordered', { type: 'readSnapshot' }).then((value) => {
      const info = value as StoredSnapshotInfo | undefined;
      return info === undefined ? undefined : { meta: info.meta, chunks: this.streamChunks(info) };
    });
  }

  compact(upTo: number): Promise<void> {
    return this.enqueue('ordered', { type: 'compact', upTo }).then(() => undefined);
  }

  /**
   * close waits for every earlier call, closes the database (checkpointing its WAL into the main
   * file), stops the worker and releases the directory. Later calls reject.
   */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    const barrier = this.enqueue('ordered', undefined);
    this.closeRequested = true;
    this.closing = (async () => {
      await barrier.catch(() => undefined);
      // A save called before close() commits after the barrier; close waits for it too.
      await this.saves.idle();
      await this.opened;
      const worker = this.worker;
      let error: Error | undefined;
      if (worker !== undefined && this.failure === undefined) {
        worker.ref();
        // Anything still in flight (a snapshot reader's chunk read) is answered before `closed`.
        this.workerClosing = true;
        error = await new Promise<Error | undefined>((resolve) => {
          this.closeWaiter = resolve;
          worker.postMessage({ type: 'close' });
        });
      }
      this.failWith(new InvalidStorageOperationError('CLOSED', 'the storage is closed'));
      this.stoppingWorker = true;
      await worker?.terminate();
      await this.lock?.release();
      if (error !== undefined) throw error;
    })();
    return this.closing;
  }

  /** statistics counts transactions and operations so far (group commit shows as fewer transactions). */
  statistics(): SqliteStorageStatistics {
    return { transactions: this.transactions, operations: this.operations };
  }

  // ------------------------------------------------------------------------------------------
  // Opening and the worker
  // ------------------------------------------------------------------------------------------

  private async open(): Promise<void> {
    const entry = this.workerUrl ?? workerEntry();
    const missing = missingWorkerFile(entry);
    if (missing !== undefined) {
      throw new InvalidStorageOperationError(
        'WORKER_NOT_FOUND',
        `the storage worker ${missing} does not exist; a bundled program must bundle @raftkit/storage-sqlite/worker as a file of its own and pass its location as the workerUrl option`,
      );
    }
    this.lock = this.heldLock ?? (await acquireDirectoryLock(this.directory));
    const workerOptions: WorkerOptions = {
      file: join(this.lock.directory, DATABASE_FILE),
      synchronous: this.options.synchronous,
      integrityCheck: this.options.integrityCheck,
      simulatedSyncDelayMs: this.options.simulatedSyncDelayMs,
    };
    const opened = new Promise<void>((resolve, reject) => (this.openWaiter = { resolve, reject }));
    // The worker's objects live for one request (rows in, a reply out), so a small young
    // generation scavenges them just as well; V8's default (up to 48 MiB for each isolate) was
    // resident memory the node paid twice, once per thread.
    const worker = new Worker(entry, { workerData: workerOptions, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    this.worker = worker;
    worker.on('message', (reply: WorkerReply) => this.onReply(reply));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      if (this.stoppingWorker) return;
      this.fail(new Error(`the storage worker exited with code ${code}`));
    });
    try {
      await opened;
    } catch (error) {
      this.stoppingWorker = true;
      await worker.terminate();
      await this.lock.release();
      throw error;
    }
  }

  private onReply(reply: WorkerReply): void {
    switch (reply.type) {
      case 'opened':
        this.nextGeneration = reply.nextGeneration;
        this.worker?.unref();
        this.openWaiter?.resolve();
        return;
      case 'openFailed':
        this.openWaiter?.reject(deserializeError(reply.error));
        return;
      case 'closed':
        this.closeWaiter?.(reply.error === undefined ? undefined : deserializeError(reply.error));
        return;
      case 'batch':
        this.onBatchDone(reply.results, reply.error === undefined ? undefined : deserializeError(reply.error));
        return;
    }
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.openWaiter?.reject(error);
    this.closeWaiter?.(error);
    this.failWith(error);
  }

  /** failWith rejects everything queued or in flight, and every later call, with `error`. */
  private failWith(error: Error): void {
    this.failure ??= error;
    const pending = [...(this.inFlight ?? []), ...this.unordered.splice(0), ...this.ordered.splice(0)];
    this.inFlight = undefined;
    for (const queued of pending) queued.reject(error);
  }

  // ------------------------------------------------------------------------------------------
  // The queue and group commit
  // ------------------------------------------------------------------------------------------

  /**
   * enqueue queues one call; with no `operation` it is answered here at its turn (the close
   * barrier). `earlierCall`: the commit of a snapshot save called before close(), which close
   * waits for, so it is not refused as a new call would be.
   */
  private enqueue(queue: 'ordered' | 'unordered', operation: Operation | undefined, transfer: ArrayBuffer[] = [], bytes = 0, earlierCall = false): Promise<unknown> {
    const refused = this.refusal(queue, earlierCall);
    if (refused !== undefined) return Promise.reject(refused);
    return new Promise<unknown>((resolve, reject) => {
      const queued: Queued = { state: operation === undefined ? 'local' : 'send', transfer, bytes, resolve, reject, ...(operation !== undefined ? { operation } : {}) };
      (queue === 'ordered' ? this.ordered : this.unordered).push(queued);
      this.scheduleDispatch();
    });
  }

  /**
   * refusal says why a call may not be queued now, if it may not. After close(), new calls are
   * refused, but the work of earlier calls (a snapshot save's chunks and commit) goes on until
   * the worker closes: close waits for those calls.
   */
  private refusal(queue: 'ordered' | 'unordered', earlierCall = false): Error | undefined {
    if (queue === 'ordered' && !earlierCall ? this.closeRequested : this.workerClosing) return new InvalidStorageOperationError('CLOSED', 'the storage is closed');
    return this.failure;
  }

  /** scheduleDispatch sends at the end of this turn, so calls made together share a transaction. */
  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    queueMicrotask(() => {
      this.dispatchScheduled = false;
      this.dispatch();
    });
  }

  /** dispatch sends the next batch unless one is in the worker: everything queued that may go. */
  private dispatch(): void {
    if (!this.ready || this.inFlight !== undefined || this.failure !== undefined || this.workerClosing) return;
    const batch: Queued[] = [];
    let bytes = 0;
    while (this.unordered.length > 0 && (batch.length === 0 || bytes + this.unordered[0]!.bytes <= STAGING_BYTES_PER_TRANSACTION)) {
      const next = this.unordered.shift()!;
      batch.push(next);
      bytes += next.bytes;
    }
    while (this.ordered.length > 0) {
      const next = this.ordered[0]!;
      // A snapshot's commit waits for the transaction that carries its last staged chunk.
      if (next.operation?.type === 'commitSnapshot' && this.stagingUnsent(next.operation.generation)) break;
      if (batch.length > 0 && bytes + next.bytes > this.options.maxTransactionBytes) break;
      batch.push(this.ordered.shift()!);
      bytes += next.bytes;
    }
    if (batch.length === 0) return;
    const sent = batch.filter((queued) => queued.state === 'send');
    if (sent.length === 0) {
      // Only calls answered here: answer them in order, then look again.
      this.settle(batch, [], undefined);
      this.scheduleDispatch();
      return;
    }
    this.inFlight = batch;
    this.inFlightSince = performance.now();
    this.inFlightBytes = bytes;
    this.worker!.ref();
    this.worker!.postMessage(
      { type: 'batch', id: this.nextBatchId++, operations: sent.map((queued) => queued.operation!) },
      sent.flatMap((queued) => queued.transfer),
    );
  }

  /** stagingUnsent says whether chunks of snapshot `generation` still wait to be sent. */
  private stagingUnsent(generation: number): boolean {
    return this.unordered.some((queued) => queued.operation?.type === 'stageSnapshotChunk' && queued.operation.generation === generation);
  }

  private onBatchDone(results: readonly { ok: boolean; value?: unknown; error?: unknown }[], error: Error | undefined): void {
    const batch = this.inFlight;
    if (batch === undefined) return;
    this.inFlight = undefined;
    if (error === undefined) {
      this.transactions++;
      this.operations += results.length;
      try {
        this.onTransaction?.({ durationMs: performance.now() - this.inFlightSince, operations: results.length, bytes: this.inFlightBytes });
      } catch {
        // An observer's failure must not fail storage.
      }
    }
    this.settle(batch, results, error);
    if (this.ordered.length === 0 && this.unordered.length === 0) this.worker?.unref();
    this.dispatch();
  }

  /** settle answers a batch's calls in call order. */
  private settle(batch: readonly Queued[], results: readonly { ok: boolean; value?: unknown; error?: unknown }[], error: Error | undefined): void {
    let position = 0;
    for (const queued of batch) {
      if (queued.state !== 'send') {
        queued.resolve(undefined);
        continue;
      }
      const result = results[position++];
      if (error !== undefined || result === undefined) queued.reject(error ?? new Error('the storage worker sent no result'));
      else if (result.ok) queued.resolve(result.value);
      else queued.reject(deserializeError(result.error as Parameters<typeof deserializeError>[0]));
    }
  }

  // ------------------------------------------------------------------------------------------
  // Snapshots
  // ------------------------------------------------------------------------------------------

  /**
   * stageSnapshot streams a snapshot's chunks into the database (out of sight, under a new
   * generation) as they come; a `commitSnapshot` of that generation then makes them the snapshot.
   * A save cut short leaves only staged rows, which are discarded (or deleted by the next open).
   * Staged chunks are sent before (or with) the next ordered batch, so they land before the commit.
   */
  private async stageSnapshot(chunks: AsyncIterable<Uint8Array>): Promise<{ generation: number; chunkCount: number }> {
    await this.opened;
    if (this.failure !== undefined) throw this.failure;
    const generation = this.nextGeneration++;
    let sequence = 0;
    const staging: Array<{ landed: Promise<unknown>; bytes: number }> = [];
    let stagingBytes = 0;
    try {
      for await (const chunk of chunks) {
        // A copy with its own buffer (the caller keeps the chunk), transferred to the worker.
        const data = new Uint8Array(chunk);
        const landed = this.enqueue('unordered', { type: 'stageSnapshotChunk', generation, sequence: sequence++, data }, [data.buffer], data.length);
        // A lost chunk fails the commit (it counts them); nothing to do here.
        landed.catch(() => undefined);
        staging.push({ landed, bytes: data.length });
        stagingBytes += data.length;
        // Backpressure: a fast producer waits for the worker instead of filling memory.
        while (stagingBytes > MAX_STAGING_BYTES) {
          const oldest = staging.shift()!;
          await oldest.landed;
          stagingBytes -= oldest.bytes;
        }
      }
    } catch (error) {
      this.enqueue('unordered', { type: 'discardSnapshot', generation }).catch(() => undefined);
      throw error;
    }
    return { generation, chunkCount: sequence };
  }

  /**
   * streamChunks reads a stored snapshot's chunks a round at a time. The worker keeps that
   * generation's chunks until the stream ends (or is closed early with `return()`, as a
   * `for await` loop's `break` does), even if a newer snapshot is saved meanwhile.
   */
  private async *streamChunks(info: StoredSnapshotInfo): AsyncGenerator<Uint8Array> {
    let next = 0;
    try {
      while (next < info.chunkCount) {
        const operation: Operation = { type: 'readSnapshotChunks', generation: info.generation, from: next, maxBytes: this.options.snapshotReadBytes };
        const chunks = (await this.enqueue('unordered', operation)) as Uint8Array[];
        for (const chunk of chunks) {
          next++;
          yield chunk;
        }
      }
    } finally {
      this.enqueue('unordered', { type: 'releaseSnapshot', generation: info.generation }).catch(() => undefined);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/**
 * workerEntry locates the worker script. Built, it is the `.js` file beside this one. Run from
 * TypeScript source (tests, `@raftkit/source`), Node cannot load a `.ts` worker by itself, and in
 * Node 20 a worker does not inherit the parent's loader hooks: a small ESM bootstrap registers
 * tsx's loader inside the worker first, then imports the `.ts` worker.
 */
function workerEntry(): URL {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new URL('./storage-worker.js', here);
  const require = createRequire(here);
  const tsxPackage = require.resolve('tsx/package.json');
  const exports = (JSON.parse(readFileSync(tsxPackage, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports;
  const api = new URL(exports['./esm/api']!.import.default, pathToFileURL(tsxPackage)).href;
  const worker = new URL('./storage-worker.ts', here).href;
  const bootstrap = `import { register } from ${JSON.stringify(api)};\nregister();\nawait import(${JSON.stringify(worker)});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`);
}

/** missingWorkerFile names the worker's file when it is a file that does not exist (a `data:` URL is no file). */
function missingWorkerFile(entry: URL | string): string | undefined {
  const url = entry instanceof URL ? entry : entry.startsWith('file:') || entry.startsWith('data:') ? new URL(entry) : undefined;
  if (url !== undefined && url.protocol !== 'file:') return undefined;
  const path = url !== undefined ? fileURLToPath(url) : (entry as string);
  return existsSync(path) ? undefined : path;
}

const ENTRY_TYPE_CODES = { normal: 0, config: 1 } as const;
const entryTypeCode = (entry: Entry): number => ENTRY_TYPE_CODES[entry.type];

function unpackLoad(result: LoadResult): LoadedState {
  const { indexes, terms, types, offsets, data } = result.entries;
  const entries: Entry[] = [];
  for (let position = 0; position < indexes.length; position++) {
    entries.push({
      index: indexes[position]!,
      term: terms[position]!,
      type: types[position] === 1 ? 'config' : 'normal',
      data: data.subarray(offsets[position]!, offsets[position + 1]!),
    });
  }
  return { hardState: result.hardState, ...(result.snapshot !== undefined ? { snapshot: result.snapshot } : {}), entries };
}

function copyMeta(meta: SnapshotMeta): SnapshotMeta {
  const { voters, outgoingVoters, learners, addresses } = meta.config;
  return {
    index: meta.index,
    term: meta.term,
    config: { voters: [...voters], outgoingVoters: [...outgoingVoters], learners: [...learners], ...(addresses !== undefined ? { addresses: { ...addresses } } : {}) },
  };
}
