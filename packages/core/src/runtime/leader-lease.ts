/**
 * LeaderLease measures a leader's lease for lease reads (thesis §6.4.1) on the runtime's
 * monotonic clock. Every heartbeat round the leader sends is stamped with its send time; when a
 * quorum acknowledges a round (the core's `leaderConfirmed`), no other leader can be elected
 * until the followers' election lease runs out, counted from when they received it, which is
 * after we sent it. So the lease runs from the round's SEND time for `durationMs` =
 * (electionTicks - 1) × tickMs minus the drift margin. A leader paused past its lease (GC, SIGSTOP)
 * finds it expired on waking and falls back to ReadIndex.
 */
import type { Clock } from './interfaces.js';

export class LeaderLease {
  private readonly sentAt = new Map<number, number>();
  private until = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    readonly durationMs: number,
  ) {}

  /** heartbeatSent stamps round `round` with the time its first heartbeat left. */
  heartbeatSent(round: number): void {
    if (!this.sentAt.has(round)) this.sentAt.set(round, this.clock.now());
  }

  /** confirmed extends the lease from the send time of a round a quorum acknowledged. */
  confirmed(round: number): void {
    const sent = this.sentAt.get(round);
    if (sent !== undefined) this.until = Math.max(this.until, sent + this.durationMs);
    for (const stamped of this.sentAt.keys()) if (stamped <= round) this.sentAt.delete(stamped);
  }

  /** revoke ends the lease at once (leadership changed, a transfer began). */
  revoke(): void {
    this.until = Number.NEGATIVE_INFINITY;
    this.sentAt.clear();
  }

  /** valid reports whether the lease still holds now. */
  valid(): boolean {
    return this.clock.now() < this.until;
  }

  /** remainingMs is how long the lease still holds (0 when expired), for status pages. */
  remainingMs(): number {
    return Math.max(0, this.until - this.clock.now());
  }
}
