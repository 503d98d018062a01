/**
 * Inflights is the window of AppendEntries sent to one follower and not yet acknowledged, bounded
 * in messages and in payload bytes. It is a ring buffer of (last index, bytes) pairs in send order;
 * an acknowledgement of index i frees every message ending at or before i.
 */
export class Inflights {
  private readonly indexes: number[];
  private readonly sizes: number[];
  private start = 0;
  /** count is the number of messages in flight. */
  count = 0;
  /** bytes is the payload bytes in flight. */
  bytes = 0;

  constructor(
    private readonly maxMessages: number,
    /** 0 means no byte bound. */
    private readonly maxBytes: number,
  ) {
    this.indexes = new Array<number>(maxMessages).fill(0);
    this.sizes = new Array<number>(maxMessages).fill(0);
  }

  /** full: no further message may be sent until an acknowledgement frees room. */
  full(): boolean {
    return this.count >= this.maxMessages || (this.maxBytes > 0 && this.bytes >= this.maxBytes);
  }

  /** add records a message whose last entry is `lastIndex`. The caller checks `full()` first. */
  add(lastIndex: number, bytes: number): void {
    if (this.count >= this.maxMessages) throw new Error('Inflights.add on a full window');
    const slot = (this.start + this.count) % this.maxMessages;
    this.indexes[slot] = lastIndex;
    this.sizes[slot] = bytes;
    this.count++;
    this.bytes += bytes;
  }

  /** freeLE frees every message whose last index is ≤ `index`. */
  freeLE(index: number): void {
    while (this.count > 0 && this.indexes[this.start]! <= index) {
      this.bytes -= this.sizes[this.start]!;
      this.start = (this.start + 1) % this.maxMessages;
      this.count--;
    }
    if (this.count === 0) {
      this.start = 0;
      this.bytes = 0;
    }
  }

  /** freeFirstOne frees the oldest message: a heartbeat answer proves the link works again. */
  freeFirstOne(): void {
    if (this.count === 0) return;
    this.freeLE(this.indexes[this.start]!);
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
    this.bytes = 0;
  }
}
