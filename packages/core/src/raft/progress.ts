import { Inflights } from './inflights.js';
import type { ProgressState } from './types.js';

/**
 * Progress is the leader's view of one follower (thesis §3.5 nextIndex/matchIndex, with etcd-raft's
 * flow-control states):
 * - probe: the leader does not know where the logs match; it sends one AppendEntries per
 *   heartbeat interval and waits for the answer (`probeSent`).
 * - replicate: the logs match at `match`; the leader pipelines entries from `next` optimistically,
 *   bounded by `inflights`.
 * - snapshot: the follower needs a snapshot at `pendingSnapshot`; appends pause until it lands.
 */
export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** In probe state: an AppendEntries is outstanding, send no more until an answer or heartbeat. */
  probeSent = false;
  pendingSnapshot = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  ticksSinceHeard = 0;
  readonly inflights: Inflights;

  constructor(
    next: number,
    maxInflightMessages: number,
    maxInflightBytes: number,
    public learner: boolean,
  ) {
    this.next = next;
    this.inflights = new Inflights(maxInflightMessages, maxInflightBytes);
  }

  becomeProbe(): void {
    // After a snapshot the follower holds at least pendingSnapshot; probe from there.
    if (this.state === 'snapshot') {
      this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
      this.pendingSnapshot = 0;
    } else {
      this.next = this.match + 1;
    }
    this.state = 'probe';
    this.probeSent = false;
    this.inflights.reset();
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = this.match + 1;
    this.probeSent = false;
    this.inflights.reset();
  }

  becomeSnapshot(index: number): void {
    this.state = 'snapshot';
    this.pendingSnapshot = index;
    this.probeSent = false;
    this.inflights.reset();
  }

  /** maybeUpdate records an acknowledgement of `index`; returns false when it is stale. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * maybeDecrTo handles a rejection of `rejected` (the prevLogIndex refused) with `hint` the
   * next index to try. Returns false for a stale rejection.
   */
  maybeDecrTo(rejected: number, hint: number): boolean {
    if (this.state === 'replicate') {
      // In replicate state the rejection is stale unless it refers to the entry after match.
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    // In probe state only the answer to the last probe (prevLogIndex = next - 1) counts.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1, 1);
    this.probeSent = false;
    return true;
  }

  /** paused: the leader must not send this follower more entries now. */
  paused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }

  /** sentEntries updates the flow control after an AppendEntries ending at `lastIndex` was sent. */
  sentEntries(count: number, lastIndex: number, bytes: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex, bytes);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }
}
