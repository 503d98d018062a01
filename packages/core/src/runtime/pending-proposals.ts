/**
 * PendingProposals tracks the callers waiting for appended entries and decides each answer by
 * docs/architecture.md's "Proposals" rule: a caller is resolved only when the entry applied at its index has
 * its term; any other ending (another term's entry at that index, leadership lost, timeout, stop)
 * is an OutcomeUnknownError, NEVER a NotLeaderError, because the entry may still commit.
 */
import type { Entry, Role } from '../raft/types.js';
import type { Clock } from './interfaces.js';
import { OutcomeUnknownError, TimeoutError } from './errors.js';

/** Waiter is one caller's promise settlers. */
export interface Waiter<Result> {
  readonly resolve: (result: Result) => void;
  readonly reject: (error: unknown) => void;
}

/** ApplyOutcome is what the state machine made of a command: its result or what it threw. */
export type ApplyOutcome<Result> = { readonly ok: true; readonly value: Result } | { readonly ok: false; readonly error: unknown };

interface Pending<Result> extends Waiter<Result> {
  readonly index: number;
  readonly term: number;
  readonly cancelTimeout: () => void;
}

/** PendingProposals maps each appended, unanswered proposal's index to its caller. */
export class PendingProposals<Result> {
  private readonly byIndex = new Map<number, Pending<Result>>();

  constructor(
    private readonly clock: Clock,
    /** How long a proposal waits before TimeoutError. */
    readonly timeoutMs: number,
  ) {}

  /** size is how many callers are waiting. */
  get size(): number {
    return this.byIndex.size;
  }

  /** track waits for the entry appended at (`index`, `term`), until `timeoutMs` passes. */
  track(index: number, term: number, waiter: Waiter<Result>): void {
    const cancelTimeout = this.clock.setTimeout(() => {
      if (this.byIndex.get(index)?.term !== term) return;
      this.byIndex.delete(index);
      waiter.reject(new TimeoutError(index, term, this.timeoutMs));
    }, this.timeoutMs);
    // A newer term's entry at the same index means the stale waiter's entry was truncated here.
    const stale = this.byIndex.get(index);
    if (stale !== undefined) this.giveUp(stale, 'the entry was overwritten');
    this.byIndex.set(index, { index, term, cancelTimeout, ...waiter });
  }

  /**
   * applied answers the caller waiting on `entry.index`, if any. `outcome` is undefined for
   * entries the state machine never sees (no-op and configuration entries).
   */
  applied(entry: Entry, outcome: ApplyOutcome<Result> | undefined): void {
    const pending = this.take(entry.index);
    if (pending === undefined) return;
    if (pending.term === entry.term && outcome !== undefined) {
      if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(outcome.error);
      return;
    }
    pending.reject(new OutcomeUnknownError(pending.index, pending.term, `an entry of term ${entry.term} was applied at that index instead`));
  }

  /** leadershipChanged gives up on every entry not proposed by the leader this node now is. */
  leadershipChanged(role: Role, term: number): void {
    for (const pending of [...this.byIndex.values()]) {
      if (role === 'leader' && pending.term === term) continue;
      this.giveUp(pending, 'leadership was lost while waiting');
    }
  }

  /** coveredBy gives up on entries at or below `index`: a snapshot replaced them unseen. */
  coveredBy(index: number): void {
    for (const pending of [...this.byIndex.values()]) {
      if (pending.index <= index) this.giveUp(pending, 'a snapshot replaced the entry');
    }
  }

  /** abandonAll rejects every waiter (the node is stopping). */
  abandonAll(reason: string): void {
    for (const pending of [...this.byIndex.values()]) this.giveUp(pending, reason);
  }

  private giveUp(pending: Pending<Result>, why: string): void {
    this.take(pending.index);
    pending.reject(new OutcomeUnknownError(pending.index, pending.term, why));
  }

  private take(index: number): Pending<Result> | undefined {
    const pending = this.byIndex.get(index);
    if (pending === undefined) return undefined;
    this.byIndex.delete(index);
    pending.cancelTimeout();
    return pending;
  }
}
