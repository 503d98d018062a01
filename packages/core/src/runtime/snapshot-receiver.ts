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

export class SnapshotReceiver {
  private incoming: Incoming | undefined;

  /** receive takes one message of a transfer (we are in `term`); see Received. */
  receive(message: InstallSnapshotMessage, term: number): Received {
    let current = this.incoming;
    if (current === undefined || !this.continues(current, message)) {
      current = { from: message.from, senderTerm: message.term, index: message.meta.index, term: message.meta.term, chunks: [], received: 0, ahead: new Map(), final: undefined };
      this.incoming = current;
    }
    if (message.done) current.final = message;
    else if (message.offset === current.received) {
      this.hold(current, message.data);
      for (let next = current.ahead.get(current.received); next !== undefined; next = current.ahead.get(current.received)) {
        current.ahead.delete(current.received);
        this.hold(current, next);
      }
    } else if (message.offset > current.received) {
      current.ahead.set(message.offset, message.data);
    }
    const acknowledgement: InstallSnapshotResponseMessage | undefined = message.done
      ? undefined
      : { type: 'installSnapshotResponse', from: message.to, to: message.from, term, index: message.meta.index, offset: current.received, done: false, success: true };
    if (current.final === undefined || current.received !== current.final.offset) return { acknowledgement, complete: undefined };
    this.incoming = undefined;
    return { acknowledgement, complete: { final: current.final, chunks: current.chunks } };
  }

  private hold(current: Incoming, data: Uint8Array): void {
    current.chunks.push(data);
    current.received += data.byteLength;
  }

  private continues(current: Incoming, message: InstallSnapshotMessage): boolean {
    return current.from === message.from && current.senderTerm === message.term && current.index === message.meta.index && current.term === message.meta.term;
  }
}
