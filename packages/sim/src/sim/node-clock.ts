/**
 * NodeClock: one node incarnation's view of the simulation's virtual clock, which can be paused
 * to model a process pause (a long GC, SIGSTOP, a VM descheduled). While paused, nothing of the
 * node runs: its timers (ticks, timeouts, its disk's completions) and everything handed to `hold`
 * (incoming messages, client calls) wait, in the order they came due, and run when it resumes,
 * while virtual time goes on for every other node.
 *
 * A monotonic clock keeps counting through a pause, so by default `now()` does too: a leader
 * waking up finds its lease expired. `pause({ freezeTime: true })` instead stops the node's clock
 * for the length of the pause (a suspended VM whose clock does not count the suspension): that
 * breaks the bounded-drift assumption lease reads rest on, which is how tests show that the
 * linearizability checker catches a lease that outlives the leader's authority.
 */
import type { Clock, VirtualClock } from '@raftkit/core';

interface HeldWork {
  readonly run: () => void;
  cancelled: boolean;
}

/** NodeClock is a pausable Clock over a shared VirtualClock; see the module comment. */
export class NodeClock implements Clock {
  private pausedAt: number | undefined;
  private freezing = false;
  /** Virtual ms this node's clock has lost to frozen pauses. */
  private lostMs = 0;
  private held: HeldWork[] = [];

  constructor(private readonly shared: VirtualClock) {}

  /** paused tells whether the node is paused now. */
  get paused(): boolean {
    return this.pausedAt !== undefined;
  }

  now(): number {
    if (this.pausedAt !== undefined && this.freezing) return this.pausedAt - this.lostMs;
    return this.shared.now() - this.lostMs;
  }

  setTimeout(callback: () => void, ms: number): () => void {
    const work: HeldWork = { run: callback, cancelled: false };
    const cancel = this.shared.setTimeout(() => this.runOrHold(work), ms);
    return () => {
      work.cancelled = true;
      cancel();
    };
  }

  /** hold runs `work` now, or on resume when paused (a message or call arriving while paused). */
  hold(work: () => void): void {
    this.runOrHold({ run: work, cancelled: false });
  }

  /** pause freezes the node; see the module comment for `freezeTime`. */
  pause(options: { readonly freezeTime?: boolean } = {}): void {
    if (this.pausedAt !== undefined) return;
    this.pausedAt = this.shared.now();
    this.freezing = options.freezeTime === true;
  }

  /** resume runs everything that came due while paused, in order, then lets the node run on. */
  resume(): void {
    if (this.pausedAt === undefined) return;
    if (this.freezing) this.lostMs += this.shared.now() - this.pausedAt;
    this.pausedAt = undefined;
    this.freezing = false;
    // Work run here may hold nothing more (the node is running), so one pass empties the queue.
    const held = this.held;
    this.held = [];
    for (const work of held) if (!work.cancelled) work.run();
  }

  /** discard forgets held work (the paused process was killed). */
  discard(): void {
    this.held = [];
  }

  /** heldCount is how much work waits for the node to resume. */
  get heldCount(): number {
    return this.held.filter((work) => !work.cancelled).length;
  }

  private runOrHold(work: HeldWork): void {
    if (work.cancelled) return;
    if (this.pausedAt !== undefined) this.held.push(work);
    else work.run();
  }
}
