/**
 * SnapshotReceiver assembles InstallSnapshot chunks from the leader. The transport may reorder and
 * duplicate messages (interfaces.ts), so chunks are placed by offset: a chunk ahead of what is
 * held waits for the gap to fill, a chunk already held is ignored, and the final (`done`) message
 * may arrive before the last chunks. Each chunk is acknowledged with the bytes held contiguously
 * from offset 0, which moves the sender's window. The snapshot is complete once the bytes up to
 * the final message's offset are all held, whichever message arrives last.
 *
 * A transfer is one leader's (in one term) stream of one snapshot: chunks of another transfer
 * replace the partial one, never mix with it (another leader's bytes for the same snapshot may
 * differ). A sender that restarts the same transfer (after a stall) resends from offset 0: those
 * chunks are duplicates, and the transfer continues where it stood.
 *
 * Bounds: the chunks come from outside, so what they can make this node hold is limited. A chunk
 * whose offset is more than `maxAheadBytes` past the contiguous bytes is dropped, and so is one
 * that would take the bytes held past a gap over `maxAheadBytes` (a sender keeps at most its
 * window in flight, so a correct one never comes near; it resends what was dropped). A transfer
 * that grows past `maxSnapshotBytes` (when set) is abandoned. Dropped chunks are counted.
 */
import type { InstallSnapshotMessage, InstallSnapshotResponseMessage, NodeId } from '../raft/types.js';

interface Incoming {
  readonly from: NodeId;
  readonly senderTerm: number;
  readonly index: number;
  readonly term: number;
  readonly chunks: Uint8Array[];
  /** Bytes held contiguously from offset 0. */
  received: number;
  /** Chunks past a gap, by offset. */
  readonly ahead: Map<number, Uint8Array>;
  /** The final message, once it arrived: its offset is the snapshot's length. */
  final: InstallSnapshotMessage | undefined;
}

/** CompleteSnapshot is a whole snapshot: its final message (as the core expects it) and its bytes. */
export interface CompleteSnapshot {
  readonly final: InstallSnapshotMessage;
  readonly chunks: Uint8Array[];
}

/** Received says what to do after a message: acknowledge a chunk, and install a complete snapshot. */
export interface Received {
  /** For a non-final chunk: the answer, acknowledging the bytes held contiguously. */
  readonly acknowledgement: InstallSnapshotResponseMessage | undefined;
  readonly complete: CompleteSnapshot | undefined;
}

/** SnapshotReceiverOptions bound what a transfer may make this node hold. */
export interface SnapshotReceiverOptions {
  /**
   * Bytes held past a gap, and the farthest a chunk's offset may be past the contiguous bytes.
   * MUST be at least the senders' window (`SnapshotSenderOptions.windowBytes`). Default 64 MiB.
   */
  readonly maxAheadBytes?: number;
  /** Largest snapshot accepted; a larger transfer is abandoned. Default: no bound. */
  readonly maxSnapshotBytes?: number;
}

export class SnapshotReceiver {
  private incoming: Incoming | undefined;
  private readonly maxAheadBytes: number;
  private readonly maxSnapshotBytes: number;
  /** Bytes held in `incoming.ahead`. */
  private aheadBytes = 0;
  /** Chunks dropped for a bound since this receiver was created. */
  dropped = 0;

  constructor(options: SnapshotReceiverOptions = {}) {
    this.maxAheadBytes = options.maxAheadBytes ?? 64 * 1024 * 1024;
    this.maxSnapshotBytes = options.maxSnapshotBytes ?? Number.POSITIVE_INFINITY;
  }

  /** aheadHeldBytes is what the transfer in progress holds past a gap (at most `maxAheadBytes`). */
  get aheadHeldBytes(): number {
    return this.aheadBytes;
  }

  /** heldBytes is what the transfer in progress holds (contiguous and ahead). */
  get heldBytes(): number {
    return (this.incoming?.received ?? 0) + this.aheadBytes;
  }

  /** receive takes one message of a transfer (we are in `term`); see Received. */
  receive(message: InstallSnapshotMessage, term: number): Received {
    let current = this.incoming;
    if (current === undefined || !this.continues(current, message)) {
      current = { from: message.from, senderTerm: message.term, index: message.meta.index, term: message.meta.term, chunks: [], received: 0, ahead: new Map(), final: undefined };
      this.incoming = current;
      this.aheadBytes = 0;
    }
    if (message.done) current.final = message;
    else if (message.offset === current.received) {
      if (current.received + message.data.byteLength > this.maxSnapshotBytes) return this.abandon(message, term);
      this.hold(current, message.data);
      for (let next = current.ahead.get(current.received); next !== undefined; next = current.ahead.get(current.received)) {
        current.ahead.delete(current.received);
        this.aheadBytes -= next.byteLength;
        if (current.received + next.byteLength > this.maxSnapshotBytes) return this.abandon(message, term);
        this.hold(current, next);
      }
    } else if (message.offset > current.received && !current.ahead.has(message.offset)) {
      const far = message.offset - current.received > this.maxAheadBytes;
      if (far || this.aheadBytes + message.data.byteLength > this.maxAheadBytes) this.dropped++;
      else {
        current.ahead.set(message.offset, message.data);
        this.aheadBytes += message.data.byteLength;
      }
    }
    const acknowledgement: InstallSnapshotResponseMessage | undefined = message.done
      ? undefined
      : { type: 'installSnapshotResponse', from: message.to, to: message.from, term, index: message.meta.index, offset: current.received, done: false, success: true };
    if (current.final === undefined || current.received !== current.final.offset) return { acknowledgement, complete: undefined };
    this.incoming = undefined;
    this.aheadBytes = 0;
    return { acknowledgement, complete: { final: current.final, chunks: current.chunks } };
  }

  /** abandon drops a transfer over `maxSnapshotBytes` and refuses the chunk (the sender stops). */
  private abandon(message: InstallSnapshotMessage, term: number): Received {
    this.dropped++;
    this.incoming = undefined;
    this.aheadBytes = 0;
    const acknowledgement: InstallSnapshotResponseMessage = { type: 'installSnapshotResponse', from: message.to, to: message.from, term, index: message.meta.index, offset: 0, done: false, success: false };
    return { acknowledgement, complete: undefined };
  }

  private hold(current: Incoming, data: Uint8Array): void {
    current.chunks.push(data);
    current.received += data.byteLength;
  }

  private continues(current: Incoming, message: InstallSnapshotMessage): boolean {
    return current.from === message.from && current.senderTerm === message.term && current.index === message.meta.index && current.term === message.meta.term;
  }
}
