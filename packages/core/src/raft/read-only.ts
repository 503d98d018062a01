import type { NodeId } from './types.js';

/** PendingRead is one ReadIndex request: who asked, and the commit index when it arrived. */
export interface PendingRead {
  readonly context: string;
  /** The node that asked: the leader itself, or a follower that forwarded the read. */
  readonly from: NodeId;
  readonly index: number;
}

interface Round {
  readonly reads: PendingRead[];
  readonly acks: Set<NodeId>;
}

/** Unconfirmed rounds without reads kept for acknowledgement; older ones are forgotten. */
const MAX_OPEN_ROUNDS = 32;

/**
 * ReadOnly batches ReadIndex requests into heartbeat rounds (thesis §6.4): every heartbeat the
 * leader broadcasts is a numbered round; a read joins the first round sent AFTER it arrived, so a
 * quorum's acknowledgement of that round proves the leader still led when the read arrived. One
 * round serves every read queued before it, and confirming round r confirms all rounds before r.
 */
export class ReadOnly {
  private queued: PendingRead[] = [];
  private readonly rounds = new Map<number, Round>();
  /** Highest round sent. */
  lastRound = 0;
  /** Highest round a quorum acknowledged. */
  confirmedRound = 0;

  /** queue adds a read to wait for the next round. */
  queue(read: PendingRead): void {
    this.queued.push(read);
  }

  hasQueued(): boolean {
    return this.queued.length > 0;
  }

  /** readsInFlight: some round carrying reads is waiting for its quorum. */
  readsInFlight(): boolean {
    for (const round of this.rounds.values()) if (round.reads.length > 0) return true;
    return false;
  }

  /** startRound numbers a new heartbeat round and moves the queued reads into it. */
  startRound(): number {
    const round = ++this.lastRound;
    this.rounds.set(round, { reads: this.queued, acks: new Set() });
    this.queued = [];
    if (this.rounds.size > MAX_OPEN_ROUNDS) {
      for (const [number, open] of this.rounds) {
        if (this.rounds.size <= MAX_OPEN_ROUNDS) break;
        if (open.reads.length === 0) this.rounds.delete(number);
      }
    }
    return round;
  }

  /**
   * acknowledge records `from`'s answer to `round`. When the round reaches a quorum it returns the
   * reads it (and every earlier round) confirms; otherwise undefined.
   */
  acknowledge(round: number, from: NodeId, isQuorum: (acks: ReadonlySet<NodeId>) => boolean): PendingRead[] | undefined {
    const open = this.rounds.get(round);
    if (open === undefined) return undefined;
    open.acks.add(from);
    if (!isQuorum(open.acks)) return undefined;
    const confirmed: PendingRead[] = [];
    for (const [number, earlier] of this.rounds) {
      if (number > round) continue;
      confirmed.push(...earlier.reads);
      this.rounds.delete(number);
    }
    this.confirmedRound = Math.max(this.confirmedRound, round);
    return confirmed;
  }

  /** reset forgets everything (leadership lost) and returns the reads that can no longer be served. */
  reset(): PendingRead[] {
    const dropped = [...this.queued];
    for (const round of this.rounds.values()) dropped.push(...round.reads);
    this.queued = [];
    this.rounds.clear();
    return dropped;
  }
}
