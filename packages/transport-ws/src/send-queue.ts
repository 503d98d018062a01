/**
 * SendQueue holds the encoded messages waiting for the next flush to one peer. Messages are
 * queued during one event-loop turn and flushed together at its end (as few frames as fit under
 * the frame limit), and queued while the peer is not connected, up to the byte bound: a slow or
 * absent peer makes the sender drop (Raft resends what matters), never grow memory.
 */
import { encodeFrame, MAX_FRAME_HEADER_BYTES } from './frame-codec.js';

/** Frame is one encoded frame and how many messages it carries. */
export interface Frame {
  readonly bytes: Uint8Array;
  readonly count: number;
}

export class SendQueue {
  private messages: Uint8Array[] = [];
  private bytes = 0;

  /**
   * @param maxQueueBytes bound on queued bytes plus the bytes the socket still holds.
   * @param maxFrameBytes largest frame to produce (the peer's `maxPayload`).
   */
  constructor(
    private readonly maxQueueBytes: number,
    private readonly maxFrameBytes: number,
  ) {}

  /** length is the number of queued messages. */
  get length(): number {
    return this.messages.length;
  }

  /** byteLength is the number of queued bytes. */
  get byteLength(): number {
    return this.bytes;
  }

  /**
   * push queues `message` if it fits: in a frame on its own, and within the bound counting
   * `inSocket`, the bytes the socket has not written out yet. Returns false when it was dropped.
   */
  push(message: Uint8Array, inSocket: number): boolean {
    if (message.byteLength + MAX_FRAME_HEADER_BYTES > this.maxFrameBytes) return false;
    if (this.bytes + inSocket + message.byteLength > this.maxQueueBytes) return false;
    this.messages.push(message);
    this.bytes += message.byteLength;
    return true;
  }

  /** takeFrames empties the queue into frames of at most `maxFrameBytes`, keeping the order. */
  takeFrames(): Frame[] {
    const frames: Frame[] = [];
    let batch: Uint8Array[] = [];
    let batchBytes = MAX_FRAME_HEADER_BYTES;
    for (const message of this.messages) {
      if (batch.length > 0 && batchBytes + message.byteLength > this.maxFrameBytes) {
        frames.push({ bytes: encodeFrame(batch), count: batch.length });
        batch = [];
        batchBytes = MAX_FRAME_HEADER_BYTES;
      }
      batch.push(message);
      batchBytes += message.byteLength;
    }
    if (batch.length > 0) frames.push({ bytes: encodeFrame(batch), count: batch.length });
    this.messages = [];
    this.bytes = 0;
    return frames;
  }

  /** clear drops every queued message and returns how many there were. */
  clear(): number {
    const dropped = this.messages.length;
    this.messages = [];
    this.bytes = 0;
    return dropped;
  }
}
