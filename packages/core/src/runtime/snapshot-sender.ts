/**
 * SnapshotSender streams a stored snapshot to a follower as InstallSnapshot chunks, with flow
 * control: at most `windowBytes` unacknowledged bytes in flight, the follower acknowledging each
 * chunk by the offset it has received. A transfer that stalls for `timeoutMs` (a lost chunk, a
 * follower restart, a partition) is abandoned and reported as failed, and the core retries from
 * scratch after its next heartbeat answer (hashicorp/raft#212 and #697 are what happens
 * otherwise: a transfer that never finishes, or one that restarts forever without backoff).
 */
import type { InstallSnapshotMessage, InstallSnapshotResponseMessage, NodeId, SnapshotMeta } from '../raft/types.js';
import type { Clock } from './interfaces.js';
import { copyBytes } from '../storage/copy-bytes.js';

/** SnapshotSenderOptions tune the stream. */
export interface SnapshotSenderOptions {
  /** Bytes per InstallSnapshot message. Default 256 KiB. */
  readonly chunkBytes?: number;
  /** Unacknowledged bytes in flight. Default 4 chunks. */
  readonly windowBytes?: number;
  /** A transfer with no acknowledgement for this long fails. Default 10 s. */
  readonly timeoutMs?: number;
}

interface Transfer {
  readonly to: NodeId;
  readonly meta: SnapshotMeta;
  readonly term: number;
  acked: number;
  /** Wakes the stream when an acknowledgement arrives. */
  wake: (() => void) | undefined;
  cancelTimer: (() => void) | undefined;
  finished: boolean;
}

/** rechunk splits a stream of arbitrary chunks into pieces of at most `size` bytes. */
export async function* rechunk(chunks: AsyncIterable<Uint8Array>, size: number): AsyncIterable<Uint8Array> {
  for await (const chunk of chunks) {
    for (let start = 0; start < chunk.byteLength; start += size) yield chunk.subarray(start, Math.min(start + size, chunk.byteLength));
  }
}

export class SnapshotSender {
  private readonly transfers = new Map<NodeId, Transfer>();
  private readonly chunkBytes: number;
  private readonly windowBytes: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly self: NodeId,
    private readonly clock: Clock,
    private readonly send: (to: NodeId, message: InstallSnapshotMessage) => void,
    /** Called once per transfer: ok when the follower acknowledged the whole snapshot. */
    private readonly finished: (to: NodeId, ok: boolean) => void,
    options: SnapshotSenderOptions = {},
  ) {
    this.chunkBytes = options.chunkBytes ?? 256 * 1024;
    this.windowBytes = options.windowBytes ?? 4 * this.chunkBytes;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** sending reports whether a transfer to `to` is running. */
  sending(to: NodeId): boolean {
    return this.transfers.has(to);
  }

  /** start streams `chunks` (the snapshot `meta` describes) to `to` in `term`. */
  start(to: NodeId, meta: SnapshotMeta, term: number, chunks: AsyncIterable<Uint8Array>): void {
    this.cancel(to);
    const transfer: Transfer = { to, meta, term, acked: 0, wake: undefined, cancelTimer: undefined, finished: false };
    this.transfers.set(to, transfer);
    this.armTimer(transfer);
    this.stream(transfer, chunks).catch(() => this.finish(transfer, false));
  }

  /**
   * acknowledge handles a follower's answer. Chunk acknowledgements move the window; the final
   * answer (`done`) ends the transfer.
   */
  acknowledge(response: InstallSnapshotResponseMessage): void {
    const transfer = this.transfers.get(response.from);
    if (transfer === undefined || response.index !== transfer.meta.index) return;
    if (!response.success) {
      this.finish(transfer, false);
      return;
    }
    if (response.done) {
      this.finish(transfer, true);
      return;
    }
    if (response.offset > transfer.acked) {
      transfer.acked = response.offset;
      this.armTimer(transfer);
      transfer.wake?.();
    }
  }

  /** cancel abandons the transfer to `to` (leadership lost, node stopping) without reporting. */
  cancel(to: NodeId): void {
    const transfer = this.transfers.get(to);
    if (transfer === undefined) return;
    transfer.finished = true;
    transfer.cancelTimer?.();
    transfer.wake?.();
    this.transfers.delete(to);
  }

  cancelAll(): void {
    for (const to of [...this.transfers.keys()]) this.cancel(to);
  }

  private async stream(transfer: Transfer, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    let offset = 0;
    for await (const piece of rechunk(chunks, this.chunkBytes)) {
      while (!transfer.finished && offset - transfer.acked >= this.windowBytes) {
        await new Promise<void>((resolve) => (transfer.wake = resolve));
        transfer.wake = undefined;
      }
      if (transfer.finished) return;
      this.send(transfer.to, this.message(transfer, offset, copyBytes(piece), false));
      offset += piece.byteLength;
    }
    if (!transfer.finished) this.send(transfer.to, this.message(transfer, offset, new Uint8Array(0), true));
  }

  private message(transfer: Transfer, offset: number, data: Uint8Array, done: boolean): InstallSnapshotMessage {
    return { type: 'installSnapshot', from: this.self, to: transfer.to, term: transfer.term, meta: transfer.meta, offset, data, done };
  }

  private armTimer(transfer: Transfer): void {
    transfer.cancelTimer?.();
    transfer.cancelTimer = this.clock.setTimeout(() => this.finish(transfer, false), this.timeoutMs);
  }

  private finish(transfer: Transfer, ok: boolean): void {
    if (transfer.finished) return;
    this.cancel(transfer.to);
    this.finished(transfer.to, ok);
  }
}
