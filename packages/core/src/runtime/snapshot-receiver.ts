/**
 * SnapshotReceiver assembles InstallSnapshot chunks from the leader. Chunks must arrive in order;
 * a chunk at offset 0 (re)starts a transfer, any other gap is answered with the offset we hold so
 * the sender notices. The assembled bytes are handed over only when the final (`done`) message
 * arrives and its offset equals what was received.
 */
import type { InstallSnapshotMessage, InstallSnapshotResponseMessage, NodeId } from '../raft/types.js';

interface Incoming {
  readonly from: NodeId;
  readonly index: number;
  readonly term: number;
  readonly chunks: Uint8Array[];
  received: number;
}

export class SnapshotReceiver {
  private incoming: Incoming | undefined;

  /**
   * chunk takes one non-final message and returns the acknowledgement to send back (offset =
   * bytes held), or a refusal when the chunk does not continue the transfer.
   */
  chunk(message: InstallSnapshotMessage, term: number): InstallSnapshotResponseMessage {
    const current = this.incoming;
    if (message.offset === 0) {
      this.incoming = { from: message.from, index: message.meta.index, term: message.meta.term, chunks: [], received: 0 };
    } else if (current === undefined || !this.continues(current, message) || message.offset !== current.received) {
      return this.response(message, term, current !== undefined && this.continues(current, message) ? current.received : 0, false, false);
    }
    const target = this.incoming!;
    target.chunks.push(message.data);
    target.received += message.data.byteLength;
    return this.response(message, term, target.received, false, true);
  }

  /** complete returns the whole snapshot for the final message, or undefined if pieces are missing. */
  complete(message: InstallSnapshotMessage): Uint8Array[] | undefined {
    const current = this.incoming;
    this.incoming = undefined;
    if (message.offset === 0) return [];
    if (current === undefined || !this.continues(current, message) || current.received !== message.offset) return undefined;
    return current.chunks;
  }

  /** refusal answers a final message whose transfer is incomplete. */
  refusal(message: InstallSnapshotMessage, term: number): InstallSnapshotResponseMessage {
    return this.response(message, term, 0, true, false);
  }

  private continues(current: Incoming, message: InstallSnapshotMessage): boolean {
    return current.from === message.from && current.index === message.meta.index && current.term === message.meta.term;
  }

  private response(message: InstallSnapshotMessage, term: number, offset: number, done: boolean, success: boolean): InstallSnapshotResponseMessage {
    return { type: 'installSnapshotResponse', from: message.to, to: message.from, term, index: message.meta.index, offset, done, success };
  }
}
